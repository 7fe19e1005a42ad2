"""A city of stores: where each stands, the staff each has, and which store a shopper's order
goes to.

A shopper's app asks the stores whose zones hold the door, nearest first, for the delivery
service's quote (the one checkout asks for), and orders from the first that promises 30
minutes. When none can, a shopper who takes a later promise takes the earliest one offered
(the nearer store on a tie); one who does not, or one no store can promise at all, is refused.
A store further away is asked only when every nearer one could not promise 30 minutes, as an
app would stop at the first yes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Sequence
from dataclasses import dataclass

import msgspec

from infra.seed import STORE
from infra.simulate.geo import distance_m
from services.delivery.quoting import Quote
from services.orders.stores.domain import Store

Point = tuple[float, float]


@dataclass(frozen=True)
class StoreSite:
    """Where a store is and what it is called; the demo store unless a city says otherwise."""

    store_id: str = STORE.store_id
    at: Point = (STORE.lat, STORE.lng)
    radius_m: int = STORE.radius_m

    def store(self) -> Store:
        """The store the services open here: the demo store's currency and time zone."""
        name = "omo " + self.store_id.replace("-", " ").title()
        lat, lng = self.at
        return msgspec.structs.replace(
            STORE, store_id=self.store_id, name=name, lat=lat, lng=lng, radius_m=self.radius_m
        )


@dataclass(frozen=True)
class CityStore:
    site: StoreSite
    pickers: int
    riders: int


@dataclass(frozen=True)
class City:
    """The stores of a city with tonight's staff of each; the demand is the scenario's, for the
    whole city."""

    stores: tuple[CityStore, ...]

    def staffed(self, store_id: str, pickers: int, riders: int) -> City:
        """The same city with one store's staff changed."""
        return City(
            tuple(
                CityStore(s.site, pickers, riders) if s.site.store_id == store_id else s
                for s in self.stores
            )
        )

    def everyone(self, pickers: int | None, riders: int | None) -> City:
        """Every store with these pickers and riders (None: as it was)."""
        return City(
            tuple(
                CityStore(
                    s.site,
                    s.pickers if pickers is None else pickers,
                    s.riders if riders is None else riders,
                )
                for s in self.stores
            )
        )

    def each(self, staff: Sequence[tuple[int, int]]) -> City:
        """The stores, in their order, with these pickers and riders each."""
        if len(staff) != len(self.stores):
            raise ValueError(f"{len(staff)} staffings for a city of {len(self.stores)} stores")
        return City(
            tuple(
                CityStore(s.site, pickers, riders)
                for s, (pickers, riders) in zip(self.stores, staff, strict=True)
            )
        )


# Kobe: the demo store at Sannomiya, one by Kobe station and Harborland 2.2 km south-west, one
# at Oji-koen 2.4 km north-east; the outer two are 4.6 km apart, so every pair of 3 km zones
# overlaps and Sannomiya's is mostly shared. The staffing is a generous first guess (a third of
# the `city` preset's demand each) for --find-staff to come down from.
KOBE = City(
    (
        CityStore(StoreSite(), pickers=7, riders=30),
        CityStore(StoreSite("kobe-harborland", (34.6795, 135.1785), 3000), pickers=7, riders=30),
        CityStore(StoreSite("kobe-oji-koen", (34.7105, 135.2120), 3000), pickers=7, riders=30),
    )
)
CITIES: dict[str, City] = {"city": KOBE}


@dataclass(frozen=True)
class Choice:
    """The store's quote the order goes to (None: refused), and every quote asked for, nearest
    store first."""

    quote: Quote | None
    asked: list[Quote]

    def refusal(self) -> str:
        """Why no store took it, as checkout's problem types name it."""
        if not any(q.deliverable for q in self.asked):
            return "outside-zone"
        if all(q.promise_at is None for q in self.asked):
            return "no-promise"
        return "later-promise"


def choosing(
    door: Point, sites: Sequence[StoreSite], *, accept_later: bool
) -> Generator[StoreSite, Quote, Choice]:
    """The rule as a conversation, so one rule serves a caller that quotes on the spot (the fast
    mode) and one that asks a service (the full simulator): it yields the next store to ask,
    is sent that store's quote, and returns the store an order from `door` goes to: the
    nearest whose quote promises 30 minutes, else (for a shopper who takes a later promise)
    the earliest later promise."""
    asked: list[Quote] = []
    for site in sorted(sites, key=lambda s: distance_m(s.at, door)):
        made = yield site  # outside its zone: not deliverable, and no promise
        asked.append(made)
        if made.deliverable and made.meets_30_minutes:
            return Choice(made, asked)
    later = [(q.promise_at, i) for i, q in enumerate(asked) if q.promise_at is not None]
    if accept_later and later:
        return Choice(asked[min(later)[1]], asked)
    return Choice(None, asked)


def choose(
    door: Point,
    sites: Sequence[StoreSite],
    quote: Callable[[StoreSite], Quote],
    *,
    accept_later: bool,
) -> Choice:
    """`choosing`, each store quoted by `quote` as it is asked."""
    talk = choosing(door, sites, accept_later=accept_later)
    try:
        site = next(talk)
        while True:
            site = talk.send(quote(site))
    except StopIteration as chosen:
        return chosen.value


async def ask(
    door: Point,
    sites: Sequence[StoreSite],
    quote: Callable[[StoreSite], Awaitable[Quote]],
    *,
    accept_later: bool,
) -> Choice:
    """`choosing`, each store's quote awaited (a shopper's app asking the delivery service)."""
    talk = choosing(door, sites, accept_later=accept_later)
    try:
        site = next(talk)
        while True:
            site = talk.send(await quote(site))
    except StopIteration as chosen:
        return chosen.value
