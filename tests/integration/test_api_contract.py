"""The OpenAPI document is an exact contract: schemathesis sends every operation of it, as every role, valid and
invalid requests alike, to the app in process (its real PostgreSQL and Redis), and every answer must be one the
document names: its status, its content type, its body's schema and its headers; no 5xx, and no invalid request
accepted.

The budget is fixed (a few examples per operation, derandomized with a fixed seed, no stateful phase), so that
the whole run takes about a minute on two busy cores; README ("API conventions") says what it covers and what not.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable

import pytest
import schemathesis
import schemathesis.engine
from schemathesis.engine import Status, events
from sqlmodel import Session

from distro.auth.models import Role, User
from distro.dues import statements
from distro.ledger import adjustments
from distro.ledger.chart import EntryLine, shop_account, supplier_account
from distro.outbound import services as outbound
from distro.settlement import batches, computing
from distro.share import services as share
from tests.dues_books import LAST_MONTH, in_month, post_at
from tests.factories import bearer, make_product, make_shop, make_supplier, make_user

ROLES = ("anonymous", "shop_owner", "supplier", "finance", "admin")
SEED = int(os.environ.get("DISTRO_CONTRACT_SEED", "14"))
EXAMPLES = int(os.environ.get("DISTRO_CONTRACT_EXAMPLES", "4"))
"""Fuzzed examples per operation a role may call (each positive and negative), beside the coverage phase's: a few
in `make test`; set DISTRO_CONTRACT_EXAMPLES (and DISTRO_CONTRACT_SEED) for a longer, different run."""
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
)


@dataclasses.dataclass
class World:
    """What the operations can find: each role's account and the things it owns, so that an operation reaches its
    success path when schemathesis sends one of these ids (it sends its own too, which find nothing)."""

    users: dict[str, User]
    ids: dict[str, list[int | str]]


def build_world(session: Session, app) -> World:
    """A supplier with a product in an owner's shop and last month's statement sent to it, a share link, a computed
    settlement batch made by another finance user, an adjustment proposed by another, a webhook subscription and an
    account for admins to change."""
    admin = make_user(session, Role.ADMIN)
    finance, other_finance = make_user(session, Role.FINANCE), make_user(session, Role.FINANCE)
    supplier_user, supplier = make_supplier(session, app)
    product = make_product(session, app, supplier_user)
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner=owner, carrying=[product])
    link = share.create_link(
        session=session, owner_id=owner.id, shop_id=shop.id, channel="wechat_chat", product_id=None
    )
    batch = batches.create_batch(session=session, cutoff_at=None, created_by=other_finance.id)
    computing.compute_batch(session=session, batch_id=batch.id, minimum_fen=100)
    adjustment = adjustments.propose_adjustment(
        session=session,
        lines=[EntryLine(shop_account(shop.id, "available"), -100), EntryLine("platform:revenue", 100)],
        memo="contract test",
        proposed_by=other_finance.id,
    )
    subscription = outbound.create_subscription(
        session=session,
        user_id=supplier_user.id,
        supplier_id=supplier.id,
        url="https://erp.example.cn/hook",
        event_types=["order.paid"],
    )
    statement_id = sent_statement(session, supplier.id, sender=finance.id)
    someone = make_user(session, Role.SHOP_OWNER)
    return World(
        users={"shop_owner": owner, "supplier": supplier_user, "finance": finance, "admin": admin},
        ids={
            "user_id": [someone.id],
            "supplier_id": [supplier.id],
            "product_id": [product.id],
            "shop_id": [shop.id],
            "slug": [shop.slug],
            "link_id": [link.id],
            "code": [link.code, shop_account(shop.id, "available")],
            "batch_id": [batch.id],
            "adjustment_id": [adjustment.id],
            "subscription_id": [subscription.id],
            "statement_id": [statement_id],
            "month": ["2026-11"],
        },
    )


def sent_statement(session: Session, supplier_id: int, *, sender: int) -> int:
    """The id of last month's statement of the supplier, for a commission accrued in it, issued and sent."""
    post_at(
        session,
        f"contract:{supplier_id}",
        "accrual",
        in_month(LAST_MONTH),
        (supplier_account(supplier_id), 500),
        ("platform:revenue", -500),
    )
    statements.issue_month(session=session, month=LAST_MONTH.strftime("%Y-%m"))
    [row] = session.execute(statements.statements_query(supplier_id=supplier_id)).mappings().all()
    statements.send(session=session, statement_id=row["id"], sender=sender, due_days=15)
    return int(row["id"])


def may_call(role: str, operation: dict) -> bool:
    """Whether the document says role may call the operation: public ones anyone, signed-in ones any account,
    the others the roles in x-roles."""
    if not operation.get("security"):
        return True
    if role == "anonymous":
        return False
    return "x-roles" not in operation or role in operation["x-roles"]


def exercises(role: str, operation: dict) -> bool:
    """Whether role's run fuzzes the operation: a public one only anonymously and one for any account only as a shop
    owner (the others would send the same requests again), the others as each role they are for."""
    if not operation.get("security"):
        return role == "anonymous"
    if "x-roles" not in operation:
        return role == "shop_owner"
    return role in operation["x-roles"]


def contract_schema(app, world: World, role: str, *, include: Callable[[dict], bool], refused: bool = False):
    """The app's OpenAPI document, as schemathesis tests it for role: the operations include picks, with the
    world's ids sent half the time, the role's token, a fixed seed and budget, and the contract's checks.

    An operation that refuses the role answers 401 or 403 before it looks at the request: one valid request
    checks that answer, so refused runs neither send invalid ones nor cover every parameter."""
    generation = {"mode": "positive", "max-examples": 1} if refused else {"mode": "all", "max-examples": EXAMPLES}
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            # No memory of earlier runs: each run sends the same requests.
            "cache": {"enabled": False},
            "suppress-health-check": ["all"],
            "headers": {} if role == "anonymous" else bearer(app, world.users[role]),
            "generation": {**generation, "deterministic": True, "database": "none"},
            "phases": {
                "stateful": {"enabled": False},
                # The coverage phase's invalid value for each parameter, and each required one left out; not
                # other methods than the document's (a 405 is outside the contract's checks).
                "coverage": {"enabled": not refused, "unexpected-methods": [], "generation": {"mode": "negative"}},
            },
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "dictionaries": {name: {"values": values} for name, values in world.ids.items()},
            "parameters": {f"path.{name}": {"dictionary": name, "probability": 0.5} for name in world.ids},
        }
    )
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=config)
    return schema.include(lambda ctx: include(ctx.operation.definition.raw))


def contract_breaches(schema) -> tuple[list[str], int]:
    """Run schemathesis over schema as its command line does; return each distinct breach of the contract (an
    operation, what failed and a curl command reproducing it) and how many requests were sent.

    Its engine rather than its pytest plugin: the plugin's schema from a fixture (the app needs the test database)
    does not run on pytest 9.2, whose nodes no longer have the _nodeid it rewrites."""
    breaches: dict[tuple[str, str], str] = {}
    sent = 0
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            sent += len(event.recorder.interactions)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        breaches.setdefault(
                            (event.recorder.label, failure.title),
                            f"{event.recorder.label}: {failure.title}\n{failure.message}\n"
                            f"{check.failure_info.code_sample}",
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            label = getattr(event, "label", "the run")
            breaches.setdefault((label, "error"), f"{label}: {getattr(event, 'value', None) or event}")
    return list(breaches.values()), sent


@pytest.fixture
def world(app, session, redis, monkeypatch) -> World:
    # Each role's run sends far more than a token's API budget in a minute; the budget is tested elsewhere.
    monkeypatch.setitem(app.config, "THROTTLE_API_PER_TOKEN", "1000000 per minute")
    return build_world(session, app)


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_each_role_as_its_document_says(app, world, role):
    exercised = contract_schema(app, world, role, include=lambda operation: exercises(role, operation))
    refusing = contract_schema(app, world, role, include=lambda operation: not may_call(role, operation), refused=True)
    breaches, sent = contract_breaches(exercised)
    refusals, refusals_sent = contract_breaches(refusing)
    assert sent > 0
    assert refusals_sent > 0
    if breaches or refusals:
        found = breaches + refusals
        pytest.fail(f"{len(found)} breaches of the contract as {role}:\n\n" + "\n\n".join(found), pytrace=False)


PROBLEM = "application/problem+json"


def resolved(spec: dict, item: dict) -> dict:
    """item, or the component its $ref names."""
    if "$ref" not in item:
        return item
    section, name = item["$ref"].split("/")[-2:]
    return spec["components"][section][name]


def test_every_error_of_every_operation_is_documented_as_a_problem_and_none_as_a_catch_all(client):
    spec = client.get("/api/openapi.json").get_json()
    undocumented, not_problems = [], []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            label = f"{method.upper()} {path}"
            if "default" in operation["responses"] or not any(code >= "400" for code in operation["responses"]):
                undocumented.append(label)
            for code, response in operation["responses"].items():
                content = resolved(spec, response).get("content", {})
                if code >= "400" and PROBLEM not in content and not path.startswith("/s/"):
                    not_problems.append(f"{label} {code}: {sorted(content)}")
    assert (undocumented, not_problems) == ([], [])
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status"}
    assert {"detail", "instance", "errors", "retry_after"} <= set(problem["properties"])


def test_every_boolean_a_schema_reads_is_a_json_boolean(app):
    from marshmallow import Schema, fields

    from distro import strict_fields

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    lenient = [
        f"{schema.__module__}.{schema.__name__}.{name}"
        for schema in subclasses(Schema)
        if schema.__module__.startswith(("distro.", "webhooks."))
        for name, field in schema._declared_fields.items()
        if isinstance(field, fields.Boolean) and not isinstance(field, strict_fields.Boolean)
    ]
    assert lenient == []


def test_a_tier_evaluation_takes_only_true_or_false_for_dry_run_and_evaluates_nothing_otherwise(client, app, session):
    from sqlmodel import func, select

    from distro.tiers.models import ShopTierChange

    make_shop(session, app)
    admin = bearer(app, make_user(session, Role.ADMIN))
    for not_a_boolean in (0, 1, "false", None):
        response = client.post(
            "/api/v1/admin/tier-evaluations", json={"month": "2025-01-01", "dry_run": not_a_boolean}, headers=admin
        )
        assert response.status_code == 422, not_a_boolean
        assert [error["field"] for error in response.get_json()["errors"]] == ["dry_run"]
    assert session.scalar(select(func.count()).select_from(ShopTierChange)) == 0
    dry = client.post("/api/v1/admin/tier-evaluations", json={"month": "2025-01-01", "dry_run": True}, headers=admin)
    assert (dry.status_code, dry.get_json()["dry_run"]) == (200, True)


def test_a_settlement_batch_is_made_only_from_a_json_body(client, app, session):
    from sqlmodel import func, select

    from distro.settlement.models import SettlementBatch

    finance = bearer(app, make_user(session, Role.FINANCE))

    def batches() -> int:
        return session.scalar(select(func.count()).select_from(SettlementBatch))

    bare = client.post("/api/v1/settlement/batches", headers=finance)
    assert (bare.status_code, bare.content_type) == (422, PROBLEM)
    assert bare.get_json()["errors"][0]["rule"] == "required"
    as_text = client.post("/api/v1/settlement/batches", data="{}", content_type="text/plain", headers=finance)
    assert (as_text.status_code, as_text.content_type) == (415, PROBLEM)
    as_form = client.post("/api/v1/settlement/batches", data={"cutoff_at": "2026-01-01T00:00:00Z"}, headers=finance)
    assert as_form.status_code == 415
    assert batches() == 0
    made = client.post("/api/v1/settlement/batches", json={}, headers=finance)
    assert made.status_code == 202
    assert batches() == 1
    # The preview computes and keeps nothing: its body is optional, as documented.
    assert client.post("/api/v1/settlement/preview", headers=finance).status_code == 200
