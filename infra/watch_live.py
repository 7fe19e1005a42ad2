"""Watch the manager's live page follow one order, in Debian's Chromium, and write down what it
showed: each stage the order reached as the page saw it (the store's clock on the page then, and
the step's own time), with a screenshot of the page at each.

Run beside an `omo up` (same environment: ports, clock and secret), typically while
`omo simulate --use-running` plays an evening:

    python -m infra.watch_live                 # click "on the floor": its newest paid order
    python -m infra.watch_live --order ORDER   # or a given order

Screenshots go to `.omo/artefacts/watch-live/` (`--out`). Needs the dev extra (Playwright).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import msgspec
from playwright.async_api import Page

from infra.browser import ARTEFACTS, chromium
from infra.seed import STORE
from services.delivery.settings import DeliverySettings
from shared.auth import Role, mint
from shared.settings import Settings, load

FINAL = ("delivered", "collected", "failed", "cancelled")


class Seen(msgspec.Struct, frozen=True, kw_only=True):
    stage: str
    clock: str  # the page's store clock when it showed the stage
    at: str  # the step's own time on the page ("–" for a stage without a step)
    more: str  # promise, eta, picker, rider
    screenshot: Path


async def _text(page: Page, testid: str) -> str:
    return (await page.get_by_test_id(testid).first.text_content() or "").strip()


async def _seen(page: Page, stage: str, shot: Path) -> Seen:
    await page.screenshot(path=shot, full_page=True)
    step = page.get_by_test_id(f"step-{stage}").get_by_test_id("at")
    return Seen(
        stage=stage,
        clock=await _text(page, "clock"),
        at=(await step.text_content() or "").strip() if await step.count() else "–",
        more=await _text(page, "followed-more"),
        screenshot=shot,
    )


async def watch(
    url: str, store_id: str, token: str, order_id: str | None, out: Path, timeout_s: float
) -> list[Seen]:
    """Open the page, follow the order (the floor's newest when none is given) and wait for
    each change of its stage until it is done or `timeout_s` passes with no change."""
    link = f"{url}/v1/stores/{store_id}/live#token={token}"
    seen: list[Seen] = []
    async with chromium() as browser:
        page = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
        page.on("pageerror", lambda error: print(f"page error: {error}", file=sys.stderr))
        await page.goto(link + (f"&follow={order_id}" if order_id else ""))
        if order_id is None:  # as a manager does: click the floor's tile when an order arrives
            tile = page.locator("[data-testid=stage-floor][data-newest]")
            await tile.wait_for(timeout=timeout_s * 1000)
            await tile.click()
        followed = page.locator("[data-testid=followed][data-followed]")
        await followed.wait_for(timeout=timeout_s * 1000)
        print(f"following {await followed.get_attribute('data-followed')}", flush=True)
        stage = ""
        while stage not in FINAL:
            await page.wait_for_function(
                """was => {
                    const f = document.querySelector("[data-testid=followed]");
                    return f && !f.hidden && f.dataset.stage && f.dataset.stage !== was;
                }""",
                arg=stage,
                timeout=timeout_s * 1000,
            )
            stage = await followed.get_attribute("data-stage") or ""
            shot = out / f"{len(seen) + 1:02d}-{stage}.png"
            seen.append(await _seen(page, stage, shot))
            s = seen[-1]
            print(f"{s.clock}  {stage:<10} step at {s.at:<8}  {s.more}  ({shot})", flush=True)
        steps = await page.locator("#steps .step").all_inner_texts()
        print("steps: " + " · ".join(" ".join(step.split()) for step in steps), flush=True)
    return seen


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m infra.watch_live", description=__doc__)
    delivery = load(DeliverySettings)
    p.add_argument("--url", default=f"http://{delivery.host}:{delivery.port}", help="delivery")
    p.add_argument("--store", default=STORE.store_id)
    p.add_argument("--order", help="the order to follow (default: the floor's newest)")
    p.add_argument("--out", type=Path, default=ARTEFACTS / "watch-live")
    p.add_argument("--timeout-s", type=float, default=900.0, help="wall seconds of no change")
    args = p.parse_args(argv)
    token = mint(load(Settings).jwt_secret, Role.MANAGER, store_id=args.store)
    args.out.mkdir(parents=True, exist_ok=True)
    seen = asyncio.run(watch(args.url, args.store, token, args.order, args.out, args.timeout_s))
    return 0 if seen and seen[-1].stage in ("delivered", "collected") else 1


if __name__ == "__main__":
    sys.exit(main())
