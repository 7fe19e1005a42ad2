"""The pick lines are read by batch, by task or by order: three named queries, one SELECT."""

from __future__ import annotations

import re

from services.fulfillment.batches.store import Q

BY = {"lines_of_batch": "batch_id", "lines_of_task": "task_id", "lines_of_order": "order_id"}


def _select(name: str) -> str:
    """The query without its comments, with the column it selects tasks by made generic."""
    text = "\n".join(line for line in Q[name].splitlines() if not line.startswith("--"))
    return text.replace(f"t.{BY[name]} = $2", "t.<key> = $2")


def test_the_three_pick_line_queries_differ_only_in_the_task_they_select_by() -> None:
    selects = {name: _select(name) for name in BY}
    assert len(set(selects.values())) == 1, "a column or join changed in one lines_of_* only"
    for name, key in BY.items():
        assert re.search(rf"WHERE t\.store_id = \$1 AND t\.{key} = \$2 ", Q[name]), name
        assert Q[name].names == ("store_id", key)
