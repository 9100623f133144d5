"""Page views for the cluster drill: a shop owner browsing the pool and the selection center (reads the replica
takes) and buyers opening the demo shops' pages, every answer counted by status code through the proxy."""

from __future__ import annotations

import json
import random
import threading
from collections import Counter

from bench.chaos.client import Http, Tally, Threads, paced
from bench.cluster.journey import DEMO_PASSWORD

OWNER = "owner@distro.demo"
PATHS = ("/api/v1/pool?page_size=20", "/api/v1/selection/lists/hot7?page_size=20", "/shop/{shop}", "/shop/{shop}/p/{p}")
READERS = 2
"""Threads sending page views."""


class PageViews(Threads):
    """Page views at rate a second until stop(); each answer's status kept."""

    def __init__(self, port: int, shops: list[tuple[str, int]], run: str, rate: float, tally: Tally) -> None:
        self.port, self.shops, self.rate, self.tally = port, shops, rate, tally
        self.rng = random.Random(f"{run}-pages")
        self.statuses: Counter[str] = Counter()
        """Status code (or "no answer") → page views."""
        self._lock = threading.Lock()
        self._token: str | None = None
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, name=f"pages-{n}", daemon=True) for n in range(READERS)]

    def stop(self) -> None:
        """Stop, and wait for the views in flight."""
        self._stop.set()
        self.join(timeout=30)

    def sent(self) -> int:
        """Page views sent."""
        with self._lock:
            return sum(self.statuses.values())

    def _run(self) -> None:
        http = Http(self.port)
        for _ in paced(self.rate / READERS, self._stop):
            shop, product = self.rng.choice(self.shops)
            path = self.rng.choice(PATHS).format(shop=shop, p=product)
            headers = {"Accept": "text/html"} if path.startswith("/shop/") else self._bearer(http)
            try:
                answer = http.request("GET", path, headers=headers)
            except OSError:
                answer = None
            if answer is not None and answer.status == 401:
                self._token = None  # expired: sign in again next time
            self.tally.count("page", answer)
            with self._lock:
                self.statuses[str(answer.status) if answer else "no answer"] += 1
        http.close()

    def _bearer(self, http: Http) -> dict[str, str]:
        if self._token is None:
            body = json.dumps({"grant_type": "password", "email": OWNER, "password": DEMO_PASSWORD}).encode()
            try:
                answer = http.request("POST", "/api/v1/auth/token", body, {"Content-Type": "application/json"})
                if answer.status == 200:
                    self._token = json.loads(answer.body)["access_token"]
            except OSError:
                return {}
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}
