"""An owner with money at every stage on the live server, for the browser tests of 收益, 等级, 数据 and 消息: the
steps distro takes (tests/owner_money.py) run on the live server's database, committed, through its own app."""

from __future__ import annotations

import datetime as dt
import itertools

from playwright.sync_api import Page
from sqlmodel import Session

from distro.db import engine_for
from distro.demo_images import write_demo_images
from distro.share.images import local_image_dir
from distro.urls import LOCAL_IMAGE_PATH
from tests.browser.conftest import LiveServer
from tests.browser.owner import PAGE_BUDGET, traffic
from tests.owner_money import Trade, new_trade

TITLE = "云南小粒咖啡豆 中深烘焙 500g"
_shops = itertools.count(1)


def money_owner(live_server: LiveServer, session: Session) -> Trade:
    """A new owner with a shop carrying a coffee (with its picture), on the live server."""
    app = live_server.app
    [picture] = write_demo_images(local_image_dir(app.config), [(TITLE, "food_health")])
    return new_trade(
        app.test_client(),
        app,
        session,
        shop_name=f"收益小铺{next(_shops)}",
        title=TITLE,
        picture=f"{LOCAL_IMAGE_PATH}{picture}",
    )


def session_on(live_server: LiveServer) -> Session:
    return Session(engine_for(live_server.database_url), expire_on_commit=False)


NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def refusals(page: Page) -> list[str]:
    """What the pages' Content-Security-Policy refuses from now on (Chromium says so on the console)."""
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    return refused


def assert_light_and_own(page: Page, live_server: LiveServer, path: str) -> None:
    """The page at path, opened afresh, loads nothing from another origin and under 200 KB before pictures."""
    page.goto("about:blank")  # what the page before asked for (its tab bar's count) is not this page's
    with traffic(page) as seen:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    assert not seen.off_origin(live_server.url), seen.off_origin(live_server.url)
    assert seen.bytes_without_pictures() < PAGE_BUDGET, (seen.bytes_without_pictures(), seen.requests)
