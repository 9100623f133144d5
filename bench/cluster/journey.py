"""Wave 2's journey after the buyers paid, through the proxy as each party would: the suppliers ship, the buyers
confirm receipt on their order pages, the hold passes (the cluster runs with no hold), finance computes a settlement
batch, a second finance user approves it, and a worker pays it through the demo payout rail.

Two steps have no API and are asked of the cluster's workers directly, as `rq cron` and the finance console's button
do: releasing due commission (`release_due_commission`, every 10 minutes under cron) and paying through the rail
(`enqueue_pay`, the console's 通过演示通道付款).
"""

from __future__ import annotations

import json
import time
import urllib.parse
from dataclasses import dataclass

import sqlalchemy as sa

from bench.chaos.client import Answer, Http
from distro.pages import csrf_token_in

DEMO_PASSWORD = "distro-demo-2026"  # noqa: S105 - the demo accounts' published password (README)
SUPPLIERS = ("supplier@distro.demo", "supplier2@distro.demo", "supplier3@distro.demo")
OWNERS = ("owner@distro.demo", "owner2@distro.demo", "owner3@distro.demo")
MAKER, CHECKER = "finance@distro.demo", "checker@distro.demo"
WAIT_SECONDS = 300.0


class JourneyError(RuntimeError):
    """A step of the journey was refused or did not finish; the message says which."""


class Api:
    """JSON calls through the proxy as one account (a fresh token per account)."""

    def __init__(self, port: int) -> None:
        self.http = Http(port)
        self._tokens: dict[str, str] = {}

    def call(self, method: str, path: str, email: str | None = None, body: object | None = None) -> Answer:
        """Send one call, as email when given; a 5xx or no answer is tried again for up to a minute."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if email is not None:
            headers["Authorization"] = f"Bearer {self.token(email)}"
        payload = json.dumps(body).encode() if body is not None else b""
        give_up = time.monotonic() + 60
        while True:
            try:
                answer = self.http.request(method, path, payload, headers)
                if answer.status < 500:
                    return answer
            except OSError:
                pass
            if time.monotonic() > give_up:
                raise JourneyError(f"{method} {path} was not answered below 500 in a minute")
            time.sleep(1)

    def token(self, email: str) -> str:
        """An access token of email's (signed in once)."""
        if email not in self._tokens:
            body = {"grant_type": "password", "email": email, "password": DEMO_PASSWORD}
            answer = self.call("POST", "/api/v1/auth/token", body=body)
            if answer.status != 200:
                raise JourneyError(f"signing in as {email}: {answer.status} {answer.body[:200]!r}")
            self._tokens[email] = json.loads(answer.body)["access_token"]
        return self._tokens[email]

    def json(
        self, method: str, path: str, email: str, body: object | None = None, ok: tuple = (200, 201, 202)
    ) -> object:
        """A call's JSON answer; JourneyError when its status is not one of ok."""
        answer = self.call(method, path, email, body)
        if answer.status not in ok:
            raise JourneyError(f"{method} {path} as {email}: {answer.status} {answer.body[:300]!r}")
        return json.loads(answer.body) if answer.body else None


def ship_all(api: Api, order_refs: set[str]) -> int:
    """Each supplier ships its paid orders among order_refs (顺丰, a tracking number per order); how many shipped."""
    shipped = 0
    for email in SUPPLIERS:
        mine: list[str] = []
        for page in range(1, 1000):
            rows = api.json("GET", f"/api/v1/supplier/shipments?status=paid&page_size=100&page={page}", email)
            mine += [row["order_ref"] for row in rows if row["order_ref"] in order_refs]  # type: ignore[union-attr]
            if len(rows) < 100:  # type: ignore[arg-type]
                break
        for start in range(0, len(mine), 500):
            chunk = mine[start : start + 500]
            shipments = [
                {"order_ref": ref, "carrier": "顺丰速运", "tracking_number": f"SF{ref[-12:]}"} for ref in chunk
            ]
            api.json("POST", "/api/v1/supplier/shipments/ship", email, {"shipments": shipments})
            shipped += len(chunk)
    return shipped


def confirm_receipts(port: int, tokens: list[str]) -> int:
    """Each buyer opens their order page and taps 确认收货; how many were confirmed (303 back to the page)."""
    http = Http(port)
    confirmed = 0
    for token in tokens:
        cookies: dict[str, str] = {}
        page = _page(http, f"/orders/{token}", cookies)
        csrf = csrf_token_in(page.body.decode("utf-8", "replace"))
        if csrf is None:
            raise JourneyError(f"order page {token} has no form")
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html", **_cookie(cookies)}
        body = urllib.parse.urlencode({"csrf_token": csrf}).encode()
        answer = http.request("POST", f"/orders/{token}/receipt", body, headers)
        if answer.status == 303:
            confirmed += 1
    http.close()
    return confirmed


def _page(http: Http, path: str, cookies: dict[str, str]) -> Answer:
    answer = http.request("GET", path, headers={"Accept": "text/html", **_cookie(cookies)})
    cookies.update(answer.cookies)
    return answer


def _cookie(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())} if cookies else {}


def register_payees(api: Api) -> None:
    """Each demo owner registers a WeChat payee account (without one, a payout is held)."""
    for number, email in enumerate(OWNERS, 1):
        body = {"kind": "wechat", "account_name": f"演练店主{number}", "account_number": f"wxid_drill_{number:04d}"}
        api.json("POST", "/api/v1/payee-accounts", email, body)


@dataclass(frozen=True)
class Settled:
    """The batch the journey settled: its id, status, and what its reconciliation says."""

    batch_id: int
    status: str
    payouts: int
    paid_fen: int
    ties_out: bool


def settle_and_pay(api: Api, checker_id: int, enqueue_pay) -> Settled:
    """Finance computes a batch, the checker approves it, a worker pays it through the rail; wait for each step."""
    batch = api.json("POST", "/api/v1/settlement/batches", MAKER, {})
    batch_id = int(batch["id"])  # type: ignore[index]
    _wait_for(api, batch_id, ("ready",), "computed")
    api.json("POST", f"/api/v1/settlement/batches/{batch_id}/approve", CHECKER, {})
    enqueue_pay(batch_id, checker_id)
    found = _wait_for(api, batch_id, ("paid", "partly_paid"), "paid")
    payouts: list[dict] = []
    for page in range(1, 1000):
        path = f"/api/v1/settlement/batches/{batch_id}/payouts?page_size=100&page={page}"
        rows = api.json("GET", path, MAKER)
        payouts += rows  # type: ignore[arg-type]
        if len(rows) < 100:  # type: ignore[arg-type]
            break
    paid = [payout for payout in payouts if payout["status"] == "paid"]  # type: ignore[union-attr]
    report = api.json("GET", f"/api/v1/settlement/batches/{batch_id}/reconciliation", MAKER)
    return Settled(
        batch_id,
        str(found["status"]),
        len(payouts),  # type: ignore[arg-type]
        sum(int(payout["amount_fen"]) for payout in paid),
        bool(report.get("ties_out")),  # type: ignore[union-attr]
    )


def _wait_for(api: Api, batch_id: int, statuses: tuple[str, ...], what: str) -> dict:
    give_up = time.monotonic() + WAIT_SECONDS
    while True:
        found = api.json("GET", f"/api/v1/settlement/batches/{batch_id}", MAKER)
        if found["status"] in statuses:  # type: ignore[index]
            return found  # type: ignore[return-value]
        if found["status"] in ("failed", "cancelled") or time.monotonic() > give_up:  # type: ignore[index]
            raise JourneyError(f"batch {batch_id} was not {what}: {found}")
        time.sleep(1)


def user_id(database: sa.Engine, email: str) -> int:
    """An account's id."""
    with database.connect() as connection:
        return int(connection.execute(sa.text("SELECT id FROM users WHERE email = :e"), {"e": email}).scalar_one())


def released(database: sa.Engine, order_refs: list[str]) -> tuple[int, int]:
    """Of these orders' commission lines: how many there are, and how many are available (released) or settled."""
    with database.connect() as connection:
        total, done = connection.execute(
            sa.text(
                "SELECT count(*), count(*) FILTER (WHERE c.stage <> 'pending') FROM commission_lines c "
                "JOIN orders o ON o.id = c.order_id WHERE o.external_id = ANY(:refs)"
            ),
            {"refs": order_refs},
        ).one()
    return int(total), int(done)


# Per journey order: its commission lines, those claimed by the batch, and those whose shop's payout in it is paid.
_PAID_OUT = sa.text(
    """
    SELECT o.external_id, count(c.id), count(k.line_id), count(p.id) FILTER (WHERE p.status = 'paid'),
           count(DISTINCT k.batch_id)
    FROM orders o
    JOIN commission_lines c ON c.order_id = o.id
    LEFT JOIN settlement_claims k ON k.line_id = c.id
    LEFT JOIN payouts p ON p.batch_id = k.batch_id AND p.shop_id = c.shop_id
    WHERE o.external_id = ANY(:refs)
    GROUP BY o.external_id
    """
)


def paid_out(database: sa.Engine, order_refs: list[str]) -> tuple[int, int]:
    """How many of these orders were paid out (each line claimed once, its shop's payout paid), and how many lines
    were claimed more than once or by more than one batch (doubled)."""
    with database.connect() as connection:
        rows = connection.execute(_PAID_OUT, {"refs": order_refs}).all()
    done = sum(1 for _, lines, claimed, paid, _ in rows if lines == claimed == paid)
    doubled = sum(1 for _, lines, claimed, _, batches in rows if claimed > lines or batches > 1)
    return done, doubled


def ledger_checks(database: sa.Engine, batch_id: int) -> tuple[int, int, int]:
    """Postings that do not balance, the sum of every entry, and what the ledger's payout postings of the batch moved
    (the amount credited out of the owners' accounts when paid), to hold against the payouts paid."""
    with database.connect() as connection:
        unbalanced = connection.execute(
            sa.text("SELECT count(*) FROM (SELECT 1 FROM ledger_entries GROUP BY posting_id HAVING sum(amount) <> 0) u")
        ).scalar_one()
        total = connection.execute(sa.text("SELECT coalesce(sum(amount), 0) FROM ledger_entries")).scalar_one()
        paid = connection.execute(
            sa.text(
                "SELECT coalesce(sum(e.amount), 0) FROM ledger_entries e WHERE e.amount > 0 AND e.posting_id IN "
                "(SELECT posting_id FROM payouts WHERE batch_id = :batch AND status = 'paid')"
            ),
            {"batch": batch_id},
        ).scalar_one()
    return int(unbalanced), int(total), int(paid)
