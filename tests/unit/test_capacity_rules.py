"""What a rider's box carries: orders no box on shift can take are named, not lost."""

from __future__ import annotations

import msgspec
import pytest

from services.delivery.capacity import Capacity, RiderBox, box_alert, too_big


def test_an_order_bigger_than_the_largest_box_on_shift_needs_a_bigger_box():
    ready = {"o1": 3, "o2": 9, "o3": 7}
    assert too_big(ready, [6, 8]) == ["o2"]
    assert too_big(ready, [6]) == ["o2", "o3"]
    assert too_big(ready, [12]) == []


def test_with_no_rider_on_shift_no_order_is_judged_too_big():
    assert too_big({"o1": 30}, []) == []


def test_the_alert_names_the_orders_and_the_largest_box():
    assert (
        box_alert(["o2"], 6)
        == "1 ready order needs more than the largest box on shift (6 bags): o2"
    )
    assert box_alert(["o2", "o3"], 6).startswith("2 ready orders need more")


@pytest.mark.parametrize("bags", [0, -1, 41])
def test_a_box_of_no_bags_or_an_absurd_number_is_refused(bags):
    with pytest.raises(msgspec.ValidationError, match="box_bags"):
        msgspec.json.decode(f'{{"box_bags": {bags}}}', type=Capacity)
    with pytest.raises(msgspec.ValidationError, match="box_bags"):
        msgspec.json.decode(f'{{"box_bags": {bags}}}', type=RiderBox)


def test_a_rider_box_of_null_means_the_stores():
    assert msgspec.json.decode(b'{"box_bags": null}', type=RiderBox).box_bags is None
