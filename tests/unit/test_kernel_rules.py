"""Pure rules of the shared kernel: no database, no network."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
import msgspec
import pytest
from litestar import Litestar, get
from litestar.exceptions import (
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.params import QueryParameter

from services.orders.settings import OrdersSettings
from shared.auth import Role, mint, verify
from shared.barcodes import check_digit, ean13, is_valid_ean13
from shared.clock import Clock
from shared.errors import ConfigError, InvalidInput, Unauthenticated
from shared.ids import uuid7
from shared.money import Money
from shared.settings import DEV_JWT_SECRET, database_url_problem, env_name, load
from shared.web.app import IgnoredConstraint, refuse_ignored_constraints
from shared.web.problems import http_slug
from tests.eventually import eventually


@pytest.mark.parametrize("code", ["4901234567894", "4902102072618", "0036000291452"])
def test_real_ean13_codes_pass_the_check_digit(code):
    assert is_valid_ean13(code)


def test_a_wrong_check_digit_or_length_is_caught():
    assert not is_valid_ean13("4901234567890")
    assert not is_valid_ean13("490123456789")
    assert not is_valid_ean13("490123456789X")
    assert check_digit("490123456789") == 4
    assert ean13("490123456789") == "4901234567894"


def test_fast_clock_runs_n_times_faster_from_the_shared_start():
    wall = [1_000_000.0]
    start = datetime.fromtimestamp(wall[0], UTC)
    clock = Clock(speed=60, start=start, wall=lambda: wall[0])
    wall[0] += 10
    assert clock.now() == start + timedelta(minutes=10)
    assert clock.real_seconds(600) == 10


def test_real_clock_is_timezone_aware_utc():
    assert Clock().now().tzinfo is UTC


def test_uuid7_is_version_7_and_sorts_by_time():
    early, late = uuid7(1_700_000_000_000), uuid7(1_700_000_000_001)
    assert early.version == 7 and early.variant == "specified in RFC 4122"
    assert early < late


def test_money_refuses_to_mix_currencies():
    assert Money(100, "JPY") + Money(50, "JPY") == Money(150, "JPY")
    with pytest.raises(ValueError, match="cannot mix"):
        Money(100, "JPY") + Money(1, "USD")


def test_settings_read_service_fields_under_the_service_prefix():
    assert env_name(OrdersSettings, "port") == "OMO_ORDERS_PORT"
    assert env_name(OrdersSettings, "jwt_secret") == "OMO_JWT_SECRET"
    assert env_name(OrdersSettings, "database_url") == "DATABASE_URL"
    settings = load(OrdersSettings, {"OMO_ORDERS_PORT": "9001", "DATABASE_URL": "postgresql://x/y"})
    assert (settings.port, settings.database_url) == (9001, "postgresql://x/y")


@pytest.mark.parametrize(
    ("environ", "says"),
    [
        ({"OMO_ORDERS_PORT": "99999"}, "OMO_ORDERS_PORT='99999'"),
        ({"OMO_BUS_MAX_ATTEMPTS": "0"}, "OMO_BUS_MAX_ATTEMPTS"),
        ({"OMO_ENV": "staging"}, "OMO_ENV='staging'"),
        ({"OMO_JWT_SECRET": "short"}, "OMO_JWT_SECRET"),
    ],
)
def test_bad_settings_name_the_variable(environ, says):
    with pytest.raises(ConfigError, match=says):
        load(OrdersSettings, {"DATABASE_URL": "postgresql://x/y", **environ})


PROD_OWN = {
    "DATABASE_URL": "postgresql://x/y",
    "OMO_ENV": "prod",
    "OMO_JWT_SECRET": "a-production-secret-of-forty-characters!",
    "OMO_ORDERS_STRIPE_API_KEY": "sk_live_0123456789",
    "OMO_ORDERS_STRIPE_API_BASE": "https://api.stripe.com",
    "OMO_ORDERS_STRIPE_WEBHOOK_SECRET": "whsec_live_0123456789",
}


def test_production_starts_with_values_of_its_own():
    settings = load(OrdersSettings, PROD_OWN)
    assert settings.env == "prod" and settings.stripe_api_base == "https://api.stripe.com"


@pytest.mark.parametrize(
    ("left_out", "says"),
    [
        ("OMO_JWT_SECRET", "OMO_JWT_SECRET must be set to a secret of your own"),
        ("OMO_ORDERS_STRIPE_WEBHOOK_SECRET", "OMO_ORDERS_STRIPE_WEBHOOK_SECRET must be set"),
        ("OMO_ORDERS_STRIPE_API_KEY", "OMO_ORDERS_STRIPE_API_KEY must be a live key"),
        ("OMO_ORDERS_STRIPE_API_BASE", "OMO_ORDERS_STRIPE_API_BASE must be set to Stripe's API"),
    ],
)
def test_production_refuses_each_development_default(left_out, says):
    environ = {k: v for k, v in PROD_OWN.items() if k != left_out}
    with pytest.raises(ConfigError, match=says) as refused:
        load(OrdersSettings, environ)
    assert "\n" not in str(refused.value)
    assert str(refused.value).count("must be") == 1  # the others were set: only this one named
    assert load(OrdersSettings, {**environ, "OMO_ENV": "dev"}).env == "dev"


def test_production_refuses_a_stripe_test_key_set_by_hand():
    with pytest.raises(ConfigError, match="OMO_ORDERS_STRIPE_API_KEY must be a live key"):
        load(OrdersSettings, {**PROD_OWN, "OMO_ORDERS_STRIPE_API_KEY": "sk_test_4eC39HqLyjWD"})


def test_production_names_every_development_default_in_one_line():
    with pytest.raises(ConfigError) as refused:
        load(OrdersSettings, {"DATABASE_URL": "postgresql://x/y", "OMO_ENV": "prod"})
    message = str(refused.value)
    assert "\n" not in message
    for variable in (
        "OMO_JWT_SECRET",
        "OMO_ORDERS_STRIPE_WEBHOOK_SECRET",
        "OMO_ORDERS_STRIPE_API_KEY",
        "OMO_ORDERS_STRIPE_API_BASE",
    ):
        assert f"{variable} must" in message


@pytest.mark.parametrize(
    "dsn",
    [
        "postgresql://omo:pw@db.internal:6432/omo",
        "postgres://omo@[::1]:5432/omo",
        "postgresql://omo@primary:5432,standby:5433/omo",  # failover hosts
        "postgresql:///postgres?host=/run/postgresql",  # a unix socket
    ],
)
def test_database_urls_a_driver_accepts_pass(dsn):
    assert database_url_problem(dsn) is None


@pytest.mark.parametrize(
    ("dsn", "says"),
    [
        ("postgresql://omo@db:five/omo", "port 'five'"),
        ("postgresql://omo@db:5432,standby:70000/omo", "port '70000'"),
        ("db.internal:5432/omo", "no scheme"),
        ("mysql://omo@db/omo", "mysql://"),
    ],
)
def test_a_database_url_that_cannot_work_is_refused_at_start(dsn, says):
    assert says in (database_url_problem(dsn) or "")
    with pytest.raises(ConfigError, match="DATABASE_URL="):
        load(OrdersSettings, {"DATABASE_URL": dsn})


def test_tokens_carry_role_store_and_member():
    staff = verify(DEV_JWT_SECRET, mint(DEV_JWT_SECRET, Role.PICKER, store_id="kobe", subject="p1"))
    assert (staff.role, staff.store_id, staff.subject) == (Role.PICKER, "kobe", "p1")
    shopper = verify(DEV_JWT_SECRET, mint(DEV_JWT_SECRET, Role.SHOPPER, member_id="m-1"))
    assert (shopper.member_id, shopper.store_id) == ("m-1", None)


def test_staff_tokens_need_a_store_and_expired_tokens_are_refused():
    with pytest.raises(InvalidInput, match="needs a store"):
        mint(DEV_JWT_SECRET, Role.RIDER)
    old = mint(DEV_JWT_SECRET, Role.SERVICE, now=0, ttl_s=60)
    with pytest.raises(Unauthenticated, match="expired"):
        verify(DEV_JWT_SECRET, old)


async def test_a_remembered_token_is_refused_once_it_expires():
    token = mint(DEV_JWT_SECRET, Role.SHOPPER, member_id="m-1", ttl_s=2)
    assert verify(DEV_JWT_SECRET, token).member_id == "m-1"  # verified, so remembered
    assert verify(DEV_JWT_SECRET, token).member_id == "m-1"  # from memory
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    await eventually(time.time, "the token's expiry to pass", 5, ok=lambda now: now >= expires)
    with pytest.raises(Unauthenticated, match="expired"):
        verify(DEV_JWT_SECRET, token)
    service = mint(DEV_JWT_SECRET, Role.SERVICE)
    verify(DEV_JWT_SECRET, service)
    with pytest.raises(Unauthenticated, match="not valid"):  # remembered for its own secret only
        verify("another-secret-of-32-characters!", service)


def test_an_app_whose_parameter_bounds_litestar_would_ignore_does_not_start():
    @get("/bounded")
    async def bounded(limit: Annotated[int, QueryParameter(ge=1)] = 1) -> int:
        return limit

    @get("/unbounded")
    async def unbounded(limit: Annotated[int, msgspec.Meta(ge=1)] = 1) -> int:
        return limit

    refuse_ignored_constraints(Litestar([bounded]))
    with pytest.raises(IgnoredConstraint, match=r"unbounded\(limit\)"):
        refuse_ignored_constraints(Litestar([bounded, unbounded]))


@pytest.mark.parametrize(
    ("exc", "slug"),
    [
        (NotFoundException(), "not-found"),  # as the domain's NotFound: one type per meaning
        (NotAuthorizedException(), "unauthenticated"),
        (PermissionDeniedException(), "forbidden"),
        (MethodNotAllowedException(), "method-not-allowed"),
    ],
)
def test_a_routers_refusal_has_the_same_problem_type_as_the_domains(exc, slug):
    assert http_slug(exc) == slug
