"""People for the chaos drill: visitors following the demo shops' share links, and buyers who follow one, order
on the shop's page and pay at the demo cashier, as tests/browser/test_order_journeys.py does in a browser.

Every click is kept with when it was sent and how it was answered, the buyers' too, to be set against what
the product counted; every buyer's checkout is marked by the run in its delivery address.
"""

from __future__ import annotations

import random
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass

from bench.chaos.census import Catalog, Listing
from bench.chaos.client import Answer, Http, Tally, Threads, paced
from bench.chaos.rules import SentClick
from distro.pages import csrf_token_in
from distro.share.redirect import VISITOR_COOKIE

# WeChat's in-app browser on an iPhone, where a friend opens a shop owner's link; each person's gets a mark of
# its own, so that a visitor is one browser (README counts a visitor without a cookie by address and browser).
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.49(0x18003129) NetType/WIFI Language/zh_CN"
)
ADDRESS = "127.0.0.1"
"""Where every request comes from, as the web server sees it."""
VISITORS = 60
"""People clicking: a third send their visitor cookie, the others none (a browser that keeps no cookies)."""
CLICKERS = 2
"""Threads sending clicks."""
RETRY_SECONDS = 2.0
"""How long a buyer waits before trying a failed step again."""
ORDER_PATIENCE_SECONDS = 30.0
"""How long a buyer keeps trying to place an order before going away."""
PAY_PATIENCE_SECONDS = 120.0
"""How long a buyer keeps tapping 确认支付 when it fails: past an outage, so no payment is left unsure."""
_SHOP_PATH = re.compile(r"^/shop/([^/?]+)(?:/p/(\d+))?")


@dataclass(frozen=True)
class Person:
    """A browser: its User-Agent and the visitor cookie it sends (None: it keeps none)."""

    user_agent: str
    cookie: str | None


def browser_headers(person: Person, cookies: dict[str, str]) -> dict[str, str]:
    """The headers person's browser sends for a page, with the cookies it keeps."""
    headers = {"User-Agent": person.user_agent, "Accept": "text/html"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return headers


class Clicks:
    """Every share-link click sent, by visitors and buyers alike."""

    def __init__(self) -> None:
        self.sent: list[SentClick] = []
        self._lock = threading.Lock()

    def click(self, http: Http, tally: Tally, code: str, person: Person) -> Answer | None:
        """GET /s/<code> as person, keep it on record, and return the answer."""
        headers = browser_headers(person, {VISITOR_COOKIE: person.cookie} if person.cookie else {})
        at = time.time()
        try:
            answer: Answer | None = http.request("GET", f"/s/{code}", headers=headers)
        except OSError:
            answer = None
        tally.count("click", answer)
        status = answer.status if answer else None
        with self._lock:
            self.sent.append(SentClick(at, code, ADDRESS, person.user_agent, person.cookie, status))
        return answer


class Visitors(Threads):
    """VISITORS people clicking the demo share links at rate a second in all, until stop()."""

    def __init__(self, port: int, catalog: Catalog, run: str, rate: float, tally: Tally, clicks: Clicks) -> None:
        self.port, self.catalog, self.rate, self.tally, self.clicks = port, catalog, rate, tally, clicks
        self.rng = random.Random(f"{run}-visitors")
        self.people = [
            Person(f"{WECHAT_UA} chaos-visitor/{run}-{number}", f"chaos{run}{number}" if number % 3 == 0 else None)
            for number in range(VISITORS)
        ]
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, name=f"clicks-{n}", daemon=True) for n in range(CLICKERS)]

    def stop(self) -> None:
        """Stop clicking, and wait for the clicks in flight."""
        self._stop.set()
        self.join(timeout=30)

    def _run(self) -> None:
        http = Http(self.port)
        for _ in paced(self.rate / CLICKERS, self._stop):
            person = self.rng.choice(self.people)
            code, _ = self.rng.choice(self.catalog.links)
            self.clicks.click(http, self.tally, code, person)
        http.close()


@dataclass
class Journey:
    """One buyer's way from a share link to a paid order: its checkout token, whether paying was confirmed."""

    number: int
    token: str | None = None
    confirmed: bool = False
    outcome: str = "started"


class Buyers(Threads):
    """`count` buyers at once, each a new person going from a share link to a paid order, until stop()."""

    def __init__(
        self, port: int, catalog: Catalog, run: str, count: int, tally: Tally, clicks: Clicks, address_mark: str
    ) -> None:
        self.port, self.catalog, self.run, self.tally, self.clicks = port, catalog, run, tally, clicks
        self.address_mark = address_mark
        self.rng = random.Random(f"{run}-buyers")
        self.journeys: list[Journey] = []
        self._numbers = iter(range(1 << 62))
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, name=f"buyer-{n}", daemon=True) for n in range(count)]

    def stop(self) -> None:
        """Start no new journey; the journeys under way go on to their end (busy() counts them)."""
        self._stop.set()

    def _run(self) -> None:
        http = Http(self.port)
        while not self._stop.is_set():
            journey = Journey(next(self._numbers))
            self.journeys.append(journey)
            journey.outcome = self._buy(http, journey)
            self._stop.wait(0.5)
        http.close()

    def _buy(self, http: Http, journey: Journey) -> str:
        """Take one journey; return how it ended."""
        person = Person(f"{WECHAT_UA} chaos-buyer/{self.run}-{journey.number}", None)
        cookies: dict[str, str] = {}
        code, _ = self.rng.choice(self.catalog.links)
        answer = self.clicks.click(http, self.tally, code, person)
        if answer is None or answer.status != 302:
            return "share link failed"
        cookies.update(answer.cookies)
        listing = self._listing(answer.headers.get("location", ""))
        if listing is None:
            return "share link led nowhere"
        page = f"/shop/{listing.shop}/p/{listing.product_id}"
        form = {
            "quantity": "1",
            "name": "演练买家",
            "phone": f"139{self.rng.randrange(10**8):08d}",
            "address": f"演练路{journey.number}号 {self.address_mark}",
        }
        if listing.skus:
            form["sku"] = self.rng.choice(listing.skus)[0]
        answer = self._patiently(http, page, f"{page}/buy", person, cookies, form, ORDER_PATIENCE_SECONDS)
        if answer is None or answer.status != 303 or "/pay/demo/" not in answer.headers.get("location", ""):
            return f"ordering failed ({answer.status if answer else 'no answer'})"
        journey.token = answer.headers["location"].rsplit("/", 1)[-1]
        cashier = f"/pay/demo/{journey.token}"
        answer = self._patiently(http, cashier, f"{cashier}/confirm", person, cookies, {}, PAY_PATIENCE_SECONDS)
        if answer is None or answer.status != 303 or "/orders/" not in answer.headers.get("location", ""):
            return f"paying failed ({answer.status if answer else 'no answer'})"
        journey.confirmed = True
        self._request(http, "GET", f"/orders/{journey.token}", person, cookies)
        return "paid"

    def _listing(self, location: str) -> Listing | None:
        """The product a share link's landing page offers: its own, or one the buyer picks from the shop."""
        path = urllib.parse.urlsplit(location).path
        match = _SHOP_PATH.match(path)
        if match is None:
            return None
        shop, product = match.group(1), match.group(2)
        if product is not None:
            return self.catalog.listing(shop, int(product))
        listings = self.catalog.of_shop(shop)
        return self.rng.choice(listings) if listings else None

    def _request(
        self, http: Http, method: str, path: str, person: Person, cookies: dict[str, str], form: dict | None = None
    ) -> Answer | None:
        headers = browser_headers(person, cookies)
        body = b""
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(form).encode()
        try:
            answer: Answer | None = http.request(method, path, body, headers)
        except OSError:
            answer = None
        self.tally.count("buyer", answer)
        return answer

    def _patiently(
        self,
        http: Http,
        page: str,
        action: str,
        person: Person,
        cookies: dict[str, str],
        form: dict,
        patience: float,
    ) -> Answer | None:
        """Open the page and send its form until the form is answered below 500, as a buyer reloading the page
        does: every RETRY_SECONDS for patience seconds. The form carries the page's CSRF token."""
        give_up = time.monotonic() + patience
        while True:
            answer = self._request(http, "GET", page, person, cookies)
            token = csrf_token_in(answer.body.decode("utf-8", "replace")) if answer is not None else None
            if answer is not None:
                cookies.update(answer.cookies)
            if token is not None:
                answer = self._request(http, "POST", action, person, cookies, {**form, "csrf_token": token})
                if answer is not None and answer.status < 500:
                    return answer
            if time.monotonic() > give_up:
                return answer
            time.sleep(RETRY_SECONDS)
