"""Debian's Chromium for the screens' browser tests: Playwright's own browser download cannot
be fetched here, Debian's package can (`.ci/run` installs it with `fonts-noto-cjk`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

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
NEEDS_CHROMIUM = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)",
)


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A browser, closed on the way out (before the test's servers stop)."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def glyphs_differ(page: Page, testid: str, a: str, b: str) -> bool:
    """Whether two different characters draw differently in the element's own font: without
    a font that has them, both are the same empty box (tofu)."""
    return await page.evaluate(
        """([testid, a, b]) => {
            const font = getComputedStyle(document.querySelector(`[data-testid=${testid}]`)).font;
            const draw = (ch) => {
                const c = document.createElement("canvas"); c.width = 64; c.height = 64;
                const g = c.getContext("2d"); g.font = font.replace(/\\d+px/, "48px");
                g.fillText(ch, 4, 52);
                return g.getImageData(0, 0, 64, 64).data.join(",");
            };
            return draw(a) !== draw(b);
        }""",
        [testid, a, b],
    )
