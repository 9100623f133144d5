"""Browser fixtures: the real distro app served over HTTP on a committed database, and Debian's Chromium
driven by Playwright as a phone in WeChat would show the pages.

One browser per session, a new context (cookies, storage, viewport) per test. A failing test leaves a
screenshot of its page under var/test/screenshots/.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis as redis_lib
from flask import Flask
from playwright.sync_api import APIRequestContext, Browser, Page, sync_playwright
from sqlmodel import Session
from werkzeug.serving import make_server

from distro.app import create_app
from distro.auth.models import Role, User
from distro.db import engine_for
from distro.demo_images import draw_demo_image, write_demo_images
from distro.pages import csrf_token_in
from distro.settings import PROJECT_ROOT
from distro.share.images import local_image_dir
from distro.share.poster import cjk_font_path
from distro.urls import LOCAL_IMAGE_PATH
from tests.conftest import fresh_database
from tests.factories import add_to_shop, bearer, make_product, make_shop, make_supplier, make_user
from tests.page_forms import form_page

# Installed by `make test` from Debian: Playwright's own browser download needs a network this machine lacks.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # tests run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium calls Google's services at start, and this closed network refuses them.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# WeChat's in-app browser on an iPhone: where a friend opens a shop owner's link.
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.49(0x18003129) NetType/WIFI Language/zh_CN"
)
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1366, "height": 768}
"""The smallest screen the consoles (suppliers, finance, admins) are built for."""
SCREENSHOTS = PROJECT_ROOT / "var" / "test" / "screenshots"


@dataclass(frozen=True)
class LiveServer:
    """The distro app answering HTTP on 127.0.0.1."""

    url: str
    app: Flask
    database_url: str


@dataclass(frozen=True)
class Listing:
    """A product in a shop, as a buyer reaches it."""

    shop_slug: str
    shop_name: str
    product_id: int
    title: str
    price_fen: int
    owner_login: str  # the shop's owner signs in with it (and tests.factories.PASSWORD)

    @property
    def shop_path(self) -> str:
        return f"/shop/{self.shop_slug}"

    @property
    def product_path(self) -> str:
        return f"/shop/{self.shop_slug}/p/{self.product_id}"


@dataclass(frozen=True)
class SkuListing(Listing):
    """A product sold in sizes and colours (SKUs), in a shop of its own, and its supplier's API credentials."""

    skus: tuple[tuple[str, int, int], ...]  # (name, price in fen, stock)
    supplier_headers: dict[str, str]

    def sku(self, name: str) -> tuple[str, int, int]:
        return next(sku for sku in self.skus if sku[0] == name)


# A jumper in three SKUs: the cheapest in stock, a dearer one with few left, the dearest sold out.
SWEATER = "羊毛混纺圆领毛衣 男女同款"
SWEATER_SKUS = (("燕麦色 M", 12_900, 5), ("燕麦色 L", 13_900, 2), ("雾霾蓝 L", 14_900, 0))

_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    # The page fixture reads the outcome of the test's call to decide whether to keep a screenshot.
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed


@pytest.fixture(scope="session")
def fontconfig(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fontconfig file adding the Noto Sans SC the project installs, so pages render Chinese as a phone does."""
    folder = tmp_path_factory.mktemp("fontconfig")
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{cjk_font_path().parent}</dir>\n  <cachedir>{folder / 'cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return config


@pytest.fixture(scope="session")
def browser(fontconfig: Path) -> Iterator[Browser]:
    """Headless Chromium, started once for the session."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, env={"FONTCONFIG_FILE": str(fontconfig)}
        )
        yield chromium
        chromium.close()


def _tab(browser: Browser, request: pytest.FixtureRequest, **emulation) -> Iterator[Page]:
    """A fresh tab in a new context emulating what is asked, in Chinese; a failing test keeps its screenshot."""
    context = browser.new_context(locale="zh-CN", **emulation)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    if request.node.stash.get(_CALL_FAILED, False):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)  # parameters may hold slashes
        tab.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    context.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh tab in a new context emulating a 375×667 phone in WeChat, in Chinese."""
    yield from _tab(
        browser, request, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, user_agent=WECHAT_UA
    )


@pytest.fixture
def desk(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh tab in a new context as a 1366×768 desktop browser shows the consoles, in Chinese."""
    yield from _tab(browser, request, viewport=DESKTOP)


@pytest.fixture(scope="package")
def live_server(
    template_url: str, server_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The real app (create_app) on a free port, over a committed database of its own, files in a temporary VAR_DIR.

    Shared by the package's tests to keep them fast: a test may place orders, but changes nothing a buyer
    sees before ordering.
    """
    with fresh_database(template_url) as database_url, pytest.MonkeyPatch.context() as env:
        # Jobs and the queue read the environment, as in production.
        env.setenv("DISTRO_DATABASE_URL", database_url)
        env.setenv("DISTRO_REDIS_URL", server_urls["redis"])
        var_dir = tmp_path_factory.mktemp("var")
        app = create_app({"DATABASE_URL": database_url, "REDIS_URL": server_urls["redis"], "VAR_DIR": str(var_dir)})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        app.config["PUBLIC_BASE_URL"] = url
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield LiveServer(url=url, app=app, database_url=database_url)
        server.shutdown()
        server.server_close()
        thread.join()
        # The demo cashier enqueued the provider's order.paid jobs; no worker here runs them.
        redis_lib.Redis.from_url(server_urls["redis"]).flushdb()


@pytest.fixture(scope="package")
def listing(live_server: LiveServer) -> Listing:
    """A shop, xiaomei, selling one product with a picture and the owner's reason."""
    app = live_server.app
    title = "云南小粒咖啡豆 中深烘焙 500g"
    [image] = write_demo_images(local_image_dir(app.config), [(title, "food_health")])
    with Session(engine_for(live_server.database_url)) as session:
        supplier_user, _ = make_supplier(session, app)
        product = make_product(
            session,
            app,
            supplier_user,
            title=title,
            description="保山产地直发，当季新豆，每周烘焙。中深烘焙，坚果与焦糖风味，适合手冲与意式。",
            image_urls=[f"{LOCAL_IMAGE_PATH}{image}"],
            price_fen=6_800,
            other_platform_price_fen=8_900,
        )
        owner = make_user(session, Role.SHOP_OWNER)
        shop = make_shop(session, app, owner, slug="xiaomei")
        add_to_shop(session, app, owner, shop, product, reason="我家每天早上都喝这款，酸度低，不苦。")
        return Listing(
            shop_slug=shop.slug,
            shop_name=shop.display_name,
            product_id=product.id,
            title=title,
            price_fen=6_800,
            owner_login=owner.email,
        )


@pytest.fixture(scope="package")
def sweater_picture(live_server: LiveServer) -> str:
    """The stored URL of a picture of the jumper, held by distro as its demo pictures are."""
    name, folder = "journey-sweater.png", local_image_dir(live_server.app.config)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(draw_demo_image(SWEATER, "apparel_sports"))
    return f"{LOCAL_IMAGE_PATH}{name}"


@dataclass(frozen=True)
class Trade:
    """A supplier and a shop owner shared by the package's tests: accounts cost an Argon2 hash each (0.4 s)."""

    supplier: User
    owner: User


@pytest.fixture(scope="package")
def trade(live_server: LiveServer) -> Trade:
    """An approved supplier, and a shop owner an admin has allowed a shop per test."""
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        supplier_user, _ = make_supplier(session, live_server.app)
        owner = make_user(session, Role.SHOP_OWNER)
        owner.max_shops = 1_000
        session.commit()
        return Trade(supplier=supplier_user, owner=owner)


@pytest.fixture
def sku_listing(live_server: LiveServer, trade: Trade, sweater_picture: str) -> SkuListing:
    """A new shop selling a new jumper in three SKUs (one sold out), made for this test."""
    app = live_server.app
    with Session(engine_for(live_server.database_url)) as session:
        product = make_product(
            session,
            app,
            trade.supplier,
            title=SWEATER,
            description="70%羊毛，亲肤不扎。宽松版型，M码适合160-170cm，L码适合170-180cm。",
            category="apparel_sports",
            image_urls=[sweater_picture],
            price_fen=12_900,
            other_platform_price_fen=19_900,
            skus=[{"name": name, "price_fen": price, "stock": stock} for name, price, stock in SWEATER_SKUS],
        )
        shop = make_shop(session, app, trade.owner)
        add_to_shop(session, app, trade.owner, shop, product, reason="我自己穿L码，洗了几次不起球。")
        return SkuListing(
            shop_slug=shop.slug,
            shop_name=shop.display_name,
            product_id=product.id,
            title=SWEATER,
            price_fen=min(price for _, price, _ in SWEATER_SKUS),
            owner_login=trade.owner.email,
            skus=SWEATER_SKUS,
            supplier_headers=bearer(app, trade.supplier),
        )


class Shortcuts:
    """Steps taken over HTTP on the live server without showing them: the buyer's forms posted as the pages post
    them, and the supplier's calls to its API as its ERP makes them. A test takes them to reach the state it is
    about; the steps it is about, it takes on the page. The supplier's steps touch only this listing's orders
    (the supplier is shared)."""

    def __init__(self, api: APIRequestContext, base_url: str, listing: SkuListing) -> None:
        self.api, self.base_url, self.listing = api, base_url, listing
        self.shipped: set[str] = set()  # order refs

    def _post(self, path: str, form: dict | None = None) -> str:
        """POST a page's form with that page's CSRF token and return where the answer sends the buyer (a 303),
        failing on anything else."""
        token = csrf_token_in(self.api.get(self.base_url + form_page(path)).text())
        assert token, f"no form on {form_page(path)}"
        response = self.api.post(self.base_url + path, max_redirects=0, form={**(form or {}), "csrf_token": token})
        assert response.status == 303, (path, response.status, response.text()[:300])
        return response.headers["location"]

    def paid_order(self, sku: str, quantity: int = 1) -> str:
        """Order `quantity` of a SKU and pay at the demo cashier; the order page's path."""
        form = {"sku": sku, "quantity": str(quantity), "name": "李四", "phone": "13900001111"}
        cashier = self._post(
            f"{self.listing.product_path}/buy", form={**form, "address": "浙江省杭州市西湖区文三路1号"}
        )
        token = cashier.rstrip("/").rsplit("/", 1)[1]
        return self._post(f"/pay/demo/{token}/confirm").removeprefix(self.base_url)

    def confirm_receipt(self, order_path: str) -> None:
        self._post(f"{order_path}/receipt")

    def ask_after_sales(self, order_path: str, kind: str, reason: str) -> None:
        self._post(f"{order_path}/after-sales", form={"kind": kind, "reason": reason})

    def cancel(self, order_path: str, reason: str) -> None:
        self._post(f"{order_path}/cancel", form={"reason": reason})

    def _supplier(self, method: str, path: str, body: dict | None = None) -> list[dict]:
        url, headers = f"{self.base_url}/api/v1/supplier{path}", self.listing.supplier_headers
        response = self.api.fetch(url, method=method, headers=headers, data=body)
        assert response.ok, (path, response.status, response.text()[:300])
        return response.json()

    def ship_everything_paid(self, carrier: str = "顺丰速运", tracking_number: str = "SF1402283746") -> None:
        """The supplier ships the listing's orders on its shipping list."""
        rows = [
            {"order_ref": order["order_ref"], "carrier": carrier, "tracking_number": tracking_number}
            for order in self._supplier("GET", "/shipments?page_size=100")
            if order["product_id"] == self.listing.product_id
        ]
        assert rows, "nothing to ship"
        self._supplier("POST", "/shipments/ship", {"shipments": rows})
        self.shipped.update(row["order_ref"] for row in rows)

    def decide_open_requests(self, decision: str, **answer: object) -> None:
        """The supplier answers the open after-sales requests on the listing's orders: approve (with amount_fen)
        or refuse (with reason)."""
        requests = [
            request
            for request in self._supplier("GET", "/after-sales?status=requested&page_size=100")
            if request["order_ref"] in self.shipped
        ]
        assert requests, "no open after-sales request"
        for request in requests:
            self._supplier("POST", f"/after-sales/{request['id']}/decision", {"decision": decision, **answer})


@pytest.fixture
def shortcuts(page: Page, live_server: LiveServer, sku_listing: SkuListing) -> Shortcuts:
    """Shortcuts to a state of this test's listing, over the page's own HTTP client (its cookies included)."""
    return Shortcuts(page.request, live_server.url, sku_listing)
