"""The promise API: a supplier reads and sets its promises (the same service as the console), refusals name the
field, and it lists its own breaches; other roles are refused."""

from __future__ import annotations

import datetime as dt

from distro.auth.models import Role
from distro.clock import utcnow
from distro.promises.enforcement import enforce_promises
from tests.factories import bearer, make_product, make_supplier, make_user
from tests.integration.test_promises import order

SHIP_48 = {"ship_within_hours": 48, "ship_compensation": {"kind": "fixed", "value": 1000}, "exchange_days": 7}


def test_a_supplier_sets_its_promises_and_reads_them_back_with_their_badges(client, session, app):
    user, _ = make_supplier(session, app)
    headers = bearer(app, user)
    empty = client.get("/api/v1/supplier/promises", headers=headers).get_json()
    assert empty["ship_within_hours"] is None and empty["badges"] == []

    saved = client.put("/api/v1/supplier/promises", json=SHIP_48, headers=headers)
    assert saved.status_code == 200
    read = client.get("/api/v1/supplier/promises", headers=headers).get_json()
    assert read == saved.get_json()
    assert read["ship_compensation"] == {"kind": "fixed", "value": 1000}
    assert read["badges"] == [{"kind": "ship", "number": 48}, {"kind": "exchange", "number": 7}]


def test_promises_out_of_bounds_are_a_422_naming_each_field(client, session, app):
    user, _ = make_supplier(session, app)
    refused = client.put(
        "/api/v1/supplier/promises",
        json={"ship_within_hours": 36, "deliver_within_days": 5, "exchange_days": 10},
        headers=bearer(app, user),
    )
    assert refused.status_code == 422
    fields = {(error["field"], error["rule"]) for error in refused.get_json()["errors"]}
    assert fields == {
        ("ship_within_hours", "choice"),
        ("ship_compensation", "required"),
        ("deliver_compensation", "required"),
        ("exchange_days", "choice"),
    }


def test_a_supplier_lists_only_its_own_breaches_and_an_owner_is_refused(client, session, app):
    user, supplier = make_supplier(session, app)
    other_user, other = make_supplier(session, app)
    for who in (user, other_user):
        assert client.put("/api/v1/supplier/promises", json=SHIP_48, headers=bearer(app, who)).status_code == 200
    paid = utcnow() + dt.timedelta(minutes=1)
    order(session, supplier, make_product(session, app, user), paid_at=paid, ref="API-MINE-1")
    order(session, other, make_product(session, app, other_user), paid_at=paid, ref="API-THEIRS-1")
    enforce_promises(session, now=paid + dt.timedelta(hours=49), lookback_days=30)

    listed = client.get("/api/v1/supplier/promise-breaches", headers=bearer(app, user)).get_json()
    assert [(row["order_ref"], row["kind"], row["compensation_fen"]) for row in listed] == [
        ("API-MINE-1", "ship", 1000)
    ]
    owner = make_user(session, Role.SHOP_OWNER)
    assert client.get("/api/v1/supplier/promise-breaches", headers=bearer(app, owner)).status_code == 403
