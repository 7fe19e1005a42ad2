"""Debian's Chromium driven by Playwright, for the screens' browser tests and for watching a
screen by hand (`python -m infra.watch_live`): Playwright's own browser download cannot be
fetched here, Debian's package can (`.ci/run` installs it with `fonts-noto-cjk`). Playwright is
a dev dependency (`pip install -e '.[dev]'`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from playwright.async_api import Browser, async_playwright

from shared.settings import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
ARTEFACTS = PROJECT_ROOT / ".omo" / "artefacts"  # the screens' screenshots, kept after the run
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A browser, closed on the way out (before the servers it looks at stop)."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()
