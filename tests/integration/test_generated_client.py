"""A client generated from the documents alone works: as a mobile team would, the test generates
Python clients for orders and delivery from their served OpenAPI documents
(openapi-python-client, into a temporary folder, failing on any warning: a schema the generator
cannot read is a broken document), then places, pays for and tracks an order with nothing but
the generated types, and tells a 409 from a 422 by the problem's `type`."""

from __future__ import annotations

import importlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from shared.auth import Role
from tests.eventually import eventually
from tests.integration.apps import bearer
from tests.integration.conftest import serving
from tests.integration.delivering import rider_on_duty
from tests.integration.shopping import CABBAGE, KOBE

STORE = "kobe-sannomiya"
TOKEN = bearer(Role.SHOPPER, member="mem_test_1")["Authorization"].removeprefix("Bearer ")


def generate(url: str, package: str, folder: Path) -> ModuleType:
    """The client for the service at `url`, generated from its document, imported."""
    spec = folder / f"{package}.json"
    spec.write_bytes(httpx.get(f"{url}/schema/openapi.json").content)
    subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(spec),
         "--output-path", str(folder / package), "--meta", "none", "--fail-on-warning"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return importlib.import_module(package)


@pytest.fixture
def services(database, demo, delivery_url, stripe_url) -> Iterator[dict[str, str]]:
    with serving(
        "orders", database_url=database, delivery_url=delivery_url, stripe_api_base=stripe_url
    ) as orders_url:
        yield {"orders": orders_url, "delivery": delivery_url}


@pytest.fixture
def generated(services, tmp_path, monkeypatch) -> Iterator[dict[str, ModuleType]]:
    monkeypatch.syspath_prepend(str(tmp_path))
    packages = {name: f"omo_{name}_{uuid.uuid4().hex[:8]}" for name in services}
    yield {name: generate(url, packages[name], tmp_path) for name, url in services.items()}
    for package in packages.values():
        for module in [m for m in sys.modules if m.split(".")[0] == package]:
            del sys.modules[module]


async def test_a_generated_client_places_pays_for_and_tracks_an_order(
    database, services, generated
):
    orders, delivery = generated["orders"], generated["delivery"]
    o = importlib.import_module(f"{orders.__name__}.models")
    place = importlib.import_module(f"{orders.__name__}.api.orders.place_order")
    pay = importlib.import_module(f"{orders.__name__}.api.orders.confirm_payment")
    get_order = importlib.import_module(f"{orders.__name__}.api.orders.get_order")
    track = importlib.import_module(f"{delivery.__name__}.api.tracking.track_order")
    await rider_on_duty(database)  # a delivery is promised only with a rider on shift

    shop = orders.AuthenticatedClient(base_url=services["orders"], token=TOKEN)
    follow = delivery.AuthenticatedClient(base_url=services["delivery"], token=TOKEN)

    def basket(quantity: int, fulfilment, address=None):
        return o.OrderRequest(
            store_id=STORE,
            fulfilment=fulfilment,
            address=address,
            lines=[o.LineRequest(sku=CABBAGE, quantity=quantity)],
        )

    door = o.Address(lat=KOBE["lat"], lng=KOBE["lng"], text=KOBE["text"])
    delivered = o.OrderRequestFulfilment.DELIVERY

    async def placed_order():
        return await place.asyncio_detailed(
            client=shop, body=basket(1, delivered, door), idempotency_key=str(uuid.uuid4())
        )

    answer = await eventually(  # delivery learns of the demo store from its store.updated
        placed_order, "a delivery promise", ok=lambda a: a.status_code == 201
    )
    view = answer.parsed
    assert isinstance(view, o.OrderView)
    assert view.status == o.OrderViewStatus.AWAITING_PAYMENT
    assert isinstance(view.amounts.estimated, o.Money)

    paid = await pay.asyncio(view.order_id, client=shop, body=o.PaymentConfirmation())
    assert isinstance(paid, o.OrderView)
    assert paid.status == o.OrderViewStatus.PLACED
    assert (await get_order.asyncio(view.order_id, client=shop)).status == paid.status

    tracked = await eventually(
        lambda: track.asyncio_detailed(view.order_id, client=follow),
        "delivery to hear of the order",
        ok=lambda a: a.status_code == 200,
    )
    assert isinstance(tracked.parsed, delivery.models.Tracking)
    assert tracked.parsed.order_id == view.order_id

    def refusal(answer) -> tuple[int, str, str]:
        assert isinstance(answer.parsed, o.Problem), answer.content
        problem = answer.parsed
        return (
            int(answer.status_code),
            problem.type_.removeprefix("urn:omo:problem:"),
            problem.field,
        )

    # A pickup with a door to go to breaks a rule (422); more cabbages than the shelf holds
    # conflicts with the stock (409): one Problem type, told apart by `type`.
    wrong = await place.asyncio_detailed(
        client=shop,
        body=basket(1, o.OrderRequestFulfilment.PICKUP, door),
        idempotency_key=str(uuid.uuid4()),
    )
    assert refusal(wrong) == (422, "invalid-input", "address")
    too_many = await place.asyncio_detailed(
        client=shop, body=basket(99, delivered, door), idempotency_key=str(uuid.uuid4())
    )
    assert refusal(too_many) == (409, "conflict", "lines[0].sku")
