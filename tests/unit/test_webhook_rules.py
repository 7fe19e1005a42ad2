"""Outbound webhooks' pure rules: the README's verification snippet accepts what the sender
signs and nothing else, and a failed delivery is retried on the documented schedule."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from services.orders.webhooks.domain import MAX_ATTEMPTS, next_try, signature
from shared.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
SECRET = "whsec_the_endpoints_own"
BODY = b'{"id":"0190b1c2-0000-7000-8000-000000000000","topic":"order.placed","data":{}}'


def readme_verified():
    """`verified` as the README shows it to a receiver, run as written."""
    [snippet] = re.findall(r"```python\n(.*?def verified\(.*?)```", README, re.DOTALL)
    namespace: dict = {}
    exec(re.sub(r"(?m)^  ", "", snippet), namespace)  # the block is indented in its list item
    return namespace["verified"]


def test_the_readme_snippet_accepts_what_the_sender_signs():
    verified = readme_verified()
    header = signature(SECRET, datetime.now(UTC), BODY)
    assert verified(SECRET, header, BODY)


def test_the_readme_snippet_refuses_another_secret_another_body_and_an_old_signature():
    verified = readme_verified()
    now = datetime.now(UTC)
    header = signature(SECRET, now, BODY)
    assert not verified("whsec_someone_else", header, BODY)
    assert not verified(SECRET, header, BODY.replace(b"placed", b"paid"))
    assert not verified(SECRET, signature(SECRET, now - timedelta(minutes=6), BODY), BODY)


def test_a_failed_delivery_waits_from_10_s_doubling_to_an_hour_then_is_given_up():
    now = datetime(2026, 12, 7, tzinfo=UTC)
    waits = [next_try(n, now) for n in range(1, MAX_ATTEMPTS + 1)]
    seconds = [(w - now).total_seconds() for w in waits if w is not None]
    assert seconds[:4] == [10, 20, 40, 80]
    assert max(seconds) == 3600 and seconds == sorted(seconds)
    assert waits[-1] is None and None not in waits[:-1]
    assert 8 * 3600 < sum(seconds) < 10 * 3600  # "about 9 hours" (README)
