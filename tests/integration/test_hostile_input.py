"""No input makes a 500: every route of the OpenAPI document, as each role, against hostile bodies, parameters,
files and content types; each is refused with a problem+json and nothing is written."""

from __future__ import annotations

import io
import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from distro.auth.models import Role
from distro.outbound.signing import sign
from distro.settlement import batches
from distro.untrusted_json import MAX_DEPTH, MAX_NUMBER_LENGTH
from tests.factories import bearer, make_product, make_shop, make_supplier, make_user, signed_event

PROBLEM = "application/problem+json"
WEBHOOK = "/webhooks/orders"

DEEP = "[" * 500 + "]" * 500  # about 1 KB: the probe that was a 500, with no token at all
DEEP_OBJECT = '{"a":' * 500 + "1" + "}" * 500
HUGE_INTEGER = "1" * 4_301  # one digit beyond what Python converts
LONG_TEXT = "长" * 140_000  # beyond every Length, and beyond csv's 128 KiB cell
NOWHERE = 2**62  # an id no row has: routes without a body refuse at the lookup, acting on nothing

# JSON values put in every field of a route's body at once (raw JSON text, so that they can be what json.dumps
# never writes).
FIELD_VALUES = {
    "deep": DEEP,
    "huge integer": HUGE_INTEGER,
    "beyond a float": "1e999",
    "NaN": "NaN",
    "long text": json.dumps(LONG_TEXT),
    "NUL": '"a\\u0000b"',
    "lone surrogate": '"a\\ud800b"',
}
# Whole bodies, sent as application/json.
BODIES = {
    "deep array": DEEP.encode(),
    "deep object": DEEP_OBJECT.encode(),
    "huge integer": HUGE_INTEGER.encode(),
    "raw NUL": b'{"a": "\x00"}',
    "invalid UTF-8": b'{"email": "\xff\xfe"}',
    "UTF-8 BOM": b'\xef\xbb\xbf{"a": 1}',
}


def xlsx_with_a_long_cell() -> bytes:
    workbook = Workbook()
    workbook.active.append(["payout_id", "status", "external_reference", "reason"])
    workbook.active.append(["1", "failed", "", LONG_TEXT])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Bank result files (and what else a multipart upload may carry), sent as the field "file".
FILES = {
    "a cell over 128 KiB": f"payout_id,status,external_reference,reason\n1,failed,,{LONG_TEXT}\n".encode(),
    "a NUL in a reason": b"payout_id,status,external_reference,reason\n1,failed,,a\x00b\n",
    "a huge payout id": f"payout_id,status\n{HUGE_INTEGER},paid\n".encode(),
    "a long header": ("x" * 140_000).encode(),
    "not UTF-8": b"payout_id,status\n\xff\xfe,paid\n",
    "an XLSX workbook": xlsx_with_a_long_cell(),
    "no rows": b"",
}
QUERY_VALUES = {
    "huge integer": HUGE_INTEGER,
    "NUL": "a%00b",
    "long text": "x" * 20_000,
    "invalid UTF-8": "%FF%FE",
    "deep": DEEP,
}
PATH_VALUES = {"huge integer": HUGE_INTEGER, "invalid UTF-8": "%FF%FE", "long text": "x" * 5_000}


@dataclass
class Probe:
    """One hostile request."""

    case: str
    method: str
    path: str
    query: str = ""
    body: bytes | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    files: dict[str, Any] | None = None


def body_fields(spec: dict, operation: dict) -> list[str]:
    """The names of the fields of an operation's JSON body, as the OpenAPI document gives them."""
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return list(schema.get("properties", {})) or ["x"]


def with_path(template: str, parameters: list[dict], ids: dict[str, Any], override: tuple[str, str] | None = None):
    """The template's path, each parameter an id of a real row of that name (the hostile one overriding)."""
    path = template
    for parameter in parameters:
        name = parameter["name"]
        if override and override[0] == name:
            value: Any = override[1]
        elif parameter.get("schema", {}).get("type") == "integer":
            value = ids.get(name, NOWHERE)
        else:
            value = ids.get(name, "nothing-here")
        path = path.replace("{" + name + "}", str(value))
    return path


def probes(spec: dict, ids: dict[str, Any]) -> Iterator[Probe]:
    """Every hostile request for every operation of the OpenAPI document."""
    for template, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            method = method.upper()
            parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
            in_path = [parameter for parameter in parameters if parameter["in"] == "path"]
            # Routes without a body act on a real row when told nothing wrong: they get ids of nothing.
            takes_body = "requestBody" in operation
            path = with_path(template, in_path, ids if takes_body or method == "GET" else {})
            for parameter in in_path:
                for case, value in PATH_VALUES.items():
                    yield Probe(
                        f"path {parameter['name']}: {case}",
                        method,
                        with_path(template, in_path, {}, (parameter["name"], value)),
                    )
            for parameter in (parameter for parameter in parameters if parameter["in"] == "query"):
                for case, value in QUERY_VALUES.items():
                    query = f"{parameter['name']}={value}"
                    yield Probe(f"query {parameter['name']}: {case}", method, path, query=query)
            if method == "GET":
                continue
            fields = body_fields(spec, operation)
            for case, value in FIELD_VALUES.items():
                body = "{" + ", ".join(f"{json.dumps(name)}: {value}" for name in fields) + "}"
                yield Probe(f"every field: {case}", method, path, body=body.encode(), content_type="application/json")
            for case, raw in BODIES.items():
                yield Probe(f"body: {case}", method, path, body=raw, content_type="application/json")
            yield Probe(
                "body: deep, with an Idempotency-Key",
                method,
                path,
                body=DEEP.encode(),
                content_type="application/json",
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            plain = json.dumps({name: "x" for name in fields}).encode()
            yield Probe("content type: text/plain", method, path, body=plain, content_type="text/plain")
            yield Probe("content type: none", method, path, body=plain)
            yield Probe(
                "content type: JSON in UTF-16",
                method,
                path,
                body=plain.decode().encode("utf-16"),
                content_type="application/json; charset=utf-16",
            )
            yield Probe(
                "content type: a form",
                method,
                path,
                body=b"&".join(name.encode() + b"=a%00b" for name in fields),
                content_type="application/x-www-form-urlencoded",
            )
            for case, content in FILES.items():
                files = {"file": (io.BytesIO(content), "result.csv"), **{name: "a\x00b" for name in fields}}
                yield Probe(f"multipart: {case}", method, path, files=files)


def signed(app, probe: Probe) -> dict[str, str]:
    """The Standard Webhooks headers a sender would add (a body that is not UTF-8 cannot be signed)."""
    if probe.path != WEBHOOK or probe.body is None:
        return {}
    try:
        text = probe.body.decode("utf-8")
    except UnicodeDecodeError:
        return {}
    return sign(text.encode(), f"evt_{uuid.uuid4().hex}", int(time.time()), app.config["ORDER_WEBHOOK_SECRETS"][0])


def refusal_types(spec: dict, probe: Probe) -> set[str]:
    """The content types the document gives the probe's operation's errors: a problem (a response by reference is
    one), or for a share link's QR code or poster, the page buyers see."""
    for template, item in spec["paths"].items():
        operation = item.get(probe.method.lower())
        if operation and re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)), probe.path):
            return {
                kind
                for status, response in operation["responses"].items()
                if status >= "400"
                for kind in response.get("content", {PROBLEM: None})
            }
    return {PROBLEM}


def row_counts(session) -> dict[str, int]:
    """How many rows each table of the database holds."""
    tables = session.scalars(
        sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    ).all()
    return {table: session.scalar(sa.text(f'SELECT count(*) FROM "{table}"')) for table in tables}


@pytest.fixture
def world(app, session) -> dict[str, Any]:
    """A user of each role, and real rows their routes' path ids can name."""
    supplier_user, supplier = make_supplier(session, app)
    product = make_product(session, app, supplier_user)
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner, carrying=[product])
    finance = make_user(session, Role.FINANCE)
    batch = batches.create_batch(session=session, cutoff_at=None, created_by=finance.id)
    admin = make_user(session, Role.ADMIN)
    return {
        "callers": {Role.SHOP_OWNER: owner, Role.SUPPLIER: supplier_user, Role.FINANCE: finance, Role.ADMIN: admin},
        "ids": {
            "product_id": product.id,
            "shop_id": shop.id,
            "supplier_id": supplier.id,
            "user_id": owner.id,
            "batch_id": batch.id,
            "slug": shop.slug,
        },
    }


@pytest.mark.parametrize("role", [None, Role.SHOP_OWNER, Role.SUPPLIER, Role.FINANCE, Role.ADMIN])
def test_no_hostile_input_on_any_route_makes_a_500_or_changes_anything(client, app, session, redis, world, role):
    spec = client.get("/api/openapi.json").get_json()
    token = bearer(app, world["callers"][role]) if role else {}
    before = row_counts(session)
    failures = []
    for probe in probes(spec, world["ids"]):
        redis.delete(*redis.keys("LIMITS*") or ["-"])  # throttling is not what is tested: every probe is heard
        headers = {**token, **probe.headers, **signed(app, probe)}
        if probe.content_type:
            headers["Content-Type"] = probe.content_type
        response = client.open(
            probe.path,
            method=probe.method,
            query_string=probe.query,
            data=probe.files if probe.files is not None else probe.body,
            headers=headers,
        )
        refused_as_a_problem = response.status_code < 400 or response.mimetype in refusal_types(spec, probe)
        if response.status_code >= 500 or not refused_as_a_problem:
            failures.append((probe.method, probe.path[:80], probe.case, response.status_code, response.data[:120]))
    assert failures == []
    assert row_counts(session) == before


# What each refusal says, on the routes of the probes that found the 500s.


def post_json(client, path: str, body: bytes, headers: dict[str, str] | None = None):
    return client.post(path, data=body, headers={"Content-Type": "application/json", **(headers or {})})


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/auth/signup"])
def test_nesting_deeper_than_the_bound_is_a_400_naming_it_without_a_token(client, path):
    for body in (DEEP, DEEP_OBJECT, "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)):
        response = post_json(client, path, body.encode())
        assert response.status_code == 400 and response.mimetype == PROBLEM
        assert (
            response.get_json()["detail"]
            == f"The JSON body is refused: arrays and objects nest deeper than {MAX_DEPTH} levels."
        )


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/auth/signup"])
def test_a_number_longer_than_the_bound_is_a_400_naming_it(client, path):
    body = f'{{"grant_type": "password", "email": "a@example.cn", "password": {HUGE_INTEGER}}}'
    response = post_json(client, path, body.encode())
    assert response.status_code == 400 and response.mimetype == PROBLEM
    assert f"a number has more than {MAX_NUMBER_LENGTH} characters" in response.get_json()["detail"]


def test_a_number_within_the_bound_but_beyond_bigint_is_still_a_422_naming_its_field(client, app, session):
    finance = make_user(session, Role.FINANCE)
    entries = f'[{{"account": "cash", "amount": {"9" * MAX_NUMBER_LENGTH}}}, {{"account": "cash", "amount": -1}}]'
    body = f'{{"memo": "fix", "entries": {entries}}}'.encode()
    response = post_json(client, "/api/v1/ledger/adjustments", body, bearer(app, finance))
    assert response.status_code == 422
    assert "entries.0.amount" in {error["field"] for error in response.get_json()["errors"]}


def test_a_signed_order_event_nested_too_deep_is_a_400_the_sender_does_not_retry_and_nothing_is_stored(
    client, app, session
):
    body, headers = signed_event(app, "order.paid", {"order_id": "A1"})
    deep = body.replace(b'{"order_id": "A1"}', ("[" * 600 + "]" * 600).encode())
    headers = {**headers, **sign(deep, headers["webhook-id"], int(time.time()), app.config["ORDER_WEBHOOK_SECRETS"][0])}
    before = row_counts(session)
    response = client.post(WEBHOOK, data=deep, headers=headers)
    assert response.status_code == 400 and response.get_json()["type"] == "urn:distro:problem:malformed-body"
    assert "nest deeper" in response.get_json()["detail"]
    assert row_counts(session) == before


def test_a_json_body_sent_as_another_content_type_is_a_415_not_a_body_ignored(client, app, session):
    finance = make_user(session, Role.FINANCE)
    before = row_counts(session)
    response = client.post(
        "/api/v1/settlement/batches",
        data=b'{"cutoff_at": "2026-11-30T00:00:00+08:00"}',
        headers={**bearer(app, finance), "Content-Type": "text/plain"},
    )
    assert response.status_code == 415 and response.mimetype == PROBLEM
    assert "application/json" in response.get_json()["detail"]
    assert row_counts(session) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (FILES["a cell over 128 KiB"], "line 2: field larger than field limit (131072)"),
        (FILES["a huge payout id"], "line 2: the payout_id is not a whole number"),
        (FILES["not UTF-8"], "not UTF-8 text (byte 17): save it as CSV, UTF-8"),
        (FILES["an XLSX workbook"], "not UTF-8 text"),
    ],
)
def test_a_bank_file_that_cannot_be_read_is_a_422_saying_why(client, app, session, content, message):
    finance = make_user(session, Role.FINANCE)
    response = client.post(
        f"/api/v1/settlement/batches/{NOWHERE}/results/file",
        headers=bearer(app, finance),
        data={"file": (io.BytesIO(content), "result.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and response.mimetype == PROBLEM
    [error] = response.get_json()["errors"]
    assert (error["field"], error["rule"]) == ("file", "format") and error["message"].startswith(message)


def test_a_nul_in_a_bank_files_reason_is_a_422_naming_the_row(client, app, session):
    finance = make_user(session, Role.FINANCE)
    response = client.post(
        f"/api/v1/settlement/batches/{NOWHERE}/results/file",
        headers=bearer(app, finance),
        data={"file": (io.BytesIO(FILES["a NUL in a reason"]), "result.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert [(error["field"], error["rule"]) for error in response.get_json()["errors"]] == [
        ("results.0.reason", "text")
    ]
