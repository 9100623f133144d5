"""Helpers for the owner app's browser tests: sign an owner in and open a page, check a page with axe-core, weigh
what a page loads and where from, measure tap targets, and keep screenshots of each screen for docs/screens/.

Every owner page test calls check_accessibility on each screen it reaches:

    open_signed_in(page, live_server, owner.email, "/my/pool")
    check_accessibility(page)
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image
from playwright.sync_api import Page, Request, expect

from distro.settings import PROJECT_ROOT
from tests.browser.conftest import LiveServer
from tests.factories import PASSWORD

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
REFUSED_IMPACTS = ("serious", "critical")
SCREENS = PROJECT_ROOT / "docs" / "screens"
# Set to write each screen to docs/screens/ (`DISTRO_SCREENS=1 make test PYTEST_ARGS=tests/browser`): the pictures
# are committed, so an ordinary run leaves them as they are.
SCREENS_WANTED = os.environ.get("DISTRO_SCREENS") == "1"
PAGE_BUDGET = 200 * 1024
"""Bytes a page may transfer, product pictures left out (issue 16: WeChat on a slow network)."""
MIN_TAP = 44
"""CSS pixels: the smallest side of anything a thumb taps."""

# What a thumb can tap on a page, visible ones only, with its size; a radio or checkbox counts as its label.
TAP_TARGETS_JS = """() => [...document.querySelectorAll(
        'a[href], button, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), select, textarea, '
        + 'summary, label:has(input[type=radio]), label:has(input[type=checkbox])')]
    .filter(element => element.getClientRects().length > 0 && getComputedStyle(element).visibility === "visible"
                       && !element.closest("p, li.text"))
    .map(element => {
        const box = element.getBoundingClientRect();
        return {text: (element.innerText || element.value || element.name || "").trim().slice(0, 30),
                width: box.width, height: box.height};
    })"""


def sign_in(page: Page, live_server: LiveServer, login: str, password: str = PASSWORD) -> None:
    """Sign in on the sign-in page, as an owner types it, and wait to leave it."""
    page.goto(live_server.url + "/login")
    page.get_by_label("手机号或邮箱").fill(login)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(live_server.url + "/login")


def open_signed_in(page: Page, live_server: LiveServer, login: str, path: str, password: str = PASSWORD) -> None:
    """Sign the owner in and open the page at path."""
    sign_in(page, live_server, login, password)
    page.goto(live_server.url + path)


def check_accessibility(page: Page) -> None:
    """Run axe-core (vendored, injected into the page) and fail on any serious or critical violation.

    The script goes in through the DevTools protocol, which the page's Content-Security-Policy does not govern:
    distro's pages allow no script but their own.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map("
        "v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"
    )
    refused = [violation for violation in found if violation["impact"] in REFUSED_IMPACTS]
    assert not refused, f"axe-core on {page.url}: {refused}"


def small_tap_targets(page: Page) -> list[dict]:
    """Everything tappable on the page smaller than 44×44 CSS pixels (inline links in running text left out)."""
    return [target for target in page.evaluate(TAP_TARGETS_JS) if min(target["width"], target["height"]) < MIN_TAP]


@dataclass
class Traffic:
    """The requests a page made: where each went and the bytes it transferred (headers and encoded body)."""

    requests: list[tuple[str, int]] = field(default_factory=list)

    def off_origin(self, origin: str) -> list[str]:
        """The URLs on another origin than origin (scheme, host and port)."""
        return [url for url, _ in self.requests if not url.startswith(("data:", "blob:")) and _origin(url) != origin]

    def bytes_without_pictures(self) -> int:
        """Bytes transferred, product pictures (distro's /images/) left out."""
        return sum(size for url, size in self.requests if not urlsplit(url).path.startswith("/images/"))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@contextmanager
def traffic(page: Page) -> Iterator[Traffic]:
    """Record every request the page makes while the block runs (the browser's cache off, as on a first visit)."""
    seen = Traffic()
    page.context.route("**/*", lambda route: route.continue_())  # routing turns Chromium's cache off

    def finished(request: Request) -> None:
        sizes = request.sizes()
        seen.requests.append((request.url, sizes["responseHeadersSize"] + sizes["responseBodySize"]))

    def failed(request: Request) -> None:
        seen.requests.append((request.url, 0))

    page.on("requestfinished", finished)
    page.on("requestfailed", failed)
    try:
        yield seen
    finally:
        page.remove_listener("requestfinished", finished)
        page.remove_listener("requestfailed", failed)
        page.context.unroute("**/*")


def save_screen(page: Page, name: str) -> None:
    """Keep what the phone shows as docs/screens/<name>.png (at CSS pixels, 64 colours: a few tens of KB), when
    DISTRO_SCREENS=1."""
    if not SCREENS_WANTED:
        return
    SCREENS.mkdir(parents=True, exist_ok=True)
    shot = Image.open(io.BytesIO(page.screenshot(scale="css", animations="disabled")))
    shot.convert("RGB").quantize(colors=64).save(SCREENS / f"{name}.png", optimize=True)
