"""The screens' browser tests' helpers: Debian's Chromium (infra.browser), skipped where it is
missing, and a check that a font draws a script."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page

from infra.browser import ARTEFACTS, CHROMIUM, chromium

__all__ = ["ARTEFACTS", "NEEDS_CHROMIUM", "chromium", "glyphs_differ"]

NEEDS_CHROMIUM = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)",
)


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
