"""Finance's adjustments and reversals are maker-checker: proposed by one finance user, posted once another approves."""

import threading

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from distro.audit import AuditEntry
from distro.auth.models import Role
from distro.db import engine_for
from distro.ledger import adjustments
from distro.ledger import services as ledger
from distro.ledger.chart import EntryLine
from distro.ledger.models import Adjustment, Posting
from tests.factories import bearer, make_user

PROBLEM = "application/problem+json"
CREDIT = {
    "memo": "补偿 order 1001 运费",
    "entries": [{"account": "platform:adjustments", "amount": 500}, {"account": "cash", "amount": -500}],
}


@pytest.fixture
def finance(session):
    """Three finance users: a maker and two checkers."""
    return tuple(make_user(session, Role.FINANCE) for _ in range(3))


def propose(client, app, user, body=CREDIT):
    response = client.post("/api/v1/ledger/adjustments", json=body, headers=bearer(app, user))
    assert response.status_code == 201
    return response.get_json()


def approve(client, app, user, adjustment):
    return client.post(f"/api/v1/ledger/adjustments/{adjustment['id']}/approve", headers=bearer(app, user))


def reject(client, app, user, adjustment, reason="not agreed with the shop"):
    url = f"/api/v1/ledger/adjustments/{adjustment['id']}/reject"
    return client.post(url, json={"reason": reason}, headers=bearer(app, user))


def propose_reversal(client, app, user, posting_id):
    url = f"/api/v1/ledger/postings/{posting_id}/reversal"
    return client.post(url, json={"memo": "credited the wrong order"}, headers=bearer(app, user))


def posted(client, app, finance):
    """An adjustment proposed by the maker and approved by a checker: its posting's id."""
    maker, checker, _ = finance
    return approve(client, app, checker, propose(client, app, maker)).get_json()["posting_id"]


def postings(session):
    return session.scalar(sa.select(sa.func.count()).select_from(Posting))


def trail(session, adjustment_id):
    """The adjustment's audit log, oldest first: (action, actor)."""
    rows = session.execute(
        sa.select(AuditEntry.action, AuditEntry.actor_id)
        .where(AuditEntry.subject_type == "ledger_adjustment", AuditEntry.subject_id == adjustment_id)
        .order_by(AuditEntry.id)
    )
    return [tuple(row) for row in rows]


def test_an_adjustment_posts_once_another_finance_user_approves_it_and_approving_again_changes_nothing(
    client, app, session, finance
):
    maker, checker, other = finance
    proposal = propose(client, app, maker)
    assert (proposal["kind"], proposal["status"], proposal["proposed_by"]) == ("adjustment", "proposed", maker.id)
    assert postings(session) == 0
    first = approve(client, app, checker, proposal)
    assert first.status_code == 200
    approved = first.get_json()
    assert (approved["status"], approved["decided_by"]) == ("approved", checker.id)
    again = approve(client, app, checker, proposal)
    by_another = approve(client, app, other, proposal)
    assert again.status_code == by_another.status_code == 200
    assert again.get_json() == by_another.get_json() == approved
    assert postings(session) == 1
    posting = client.get(f"/api/v1/ledger/postings/{approved['posting_id']}", headers=bearer(app, other)).get_json()
    assert (posting["kind"], posting["memo"], posting["created_by"]) == ("adjustment", CREDIT["memo"], maker.id)
    assert posting["entries"] == CREDIT["entries"]
    assert ledger.balances(session, ["platform:adjustments", "cash"]) == {"platform:adjustments": 500, "cash": -500}
    assert trail(session, proposal["id"]) == [("adjustment.proposed", maker.id), ("adjustment.approved", checker.id)]


def test_a_rejected_adjustment_never_posts(client, app, session, finance):
    maker, checker, _ = finance
    proposal = propose(client, app, maker)
    rejected = reject(client, app, checker, proposal)
    assert rejected.status_code == 200
    assert (rejected.get_json()["status"], rejected.get_json()["reason"]) == ("rejected", "not agreed with the shop")
    late = approve(client, app, checker, proposal)
    assert late.status_code == 409 and late.content_type == PROBLEM
    assert reject(client, app, checker, proposal).get_json() == rejected.get_json()
    assert postings(session) == 0
    assert trail(session, proposal["id"]) == [("adjustment.proposed", maker.id), ("adjustment.rejected", checker.id)]


def test_the_proposer_may_withdraw_their_own_adjustment(client, app, session, finance):
    maker, checker, _ = finance
    proposal = propose(client, app, maker)
    assert reject(client, app, maker, proposal, "typed the wrong amount").get_json()["status"] == "rejected"
    assert approve(client, app, checker, proposal).status_code == 409
    assert postings(session) == 0


def test_an_approved_adjustment_cannot_be_rejected(client, app, session, finance):
    maker, checker, other = finance
    proposal = propose(client, app, maker)
    approve(client, app, checker, proposal)
    refused = reject(client, app, other, proposal)
    assert refused.status_code == 409 and refused.content_type == PROBLEM
    shown = client.get(f"/api/v1/ledger/adjustments/{proposal['id']}", headers=bearer(app, other)).get_json()
    assert shown["status"] == "approved" and postings(session) == 1


def test_only_finance_users_decide_and_an_admin_only_reads(client, app, session, finance):
    maker, _, _ = finance
    proposal = propose(client, app, maker)
    for user in (make_user(session, Role.ADMIN), make_user(session, Role.SHOP_OWNER, Role.SUPPLIER)):
        assert approve(client, app, user, proposal).status_code == 403
        assert reject(client, app, user, proposal).status_code == 403
    admin = make_user(session, Role.ADMIN)
    assert client.get("/api/v1/ledger/adjustments", headers=bearer(app, admin)).status_code == 200
    assert postings(session) == 0


def test_the_reversal_of_an_adjustment_posts_once_approved_and_undoes_it_exactly(client, app, session, finance):
    maker, checker, other = finance
    original = posted(client, app, finance)
    proposed = propose_reversal(client, app, other, original)
    assert proposed.status_code == 201
    reversal = proposed.get_json()
    assert (reversal["kind"], reversal["status"], reversal["reverses_posting_id"]) == ("reversal", "proposed", original)
    assert reversal["entries"] == [{"account": e["account"], "amount": -e["amount"]} for e in CREDIT["entries"]]
    assert ledger.balance(session, "cash") == -500
    twice = propose_reversal(client, app, maker, original)
    assert twice.status_code == 409 and str(reversal["id"]) in twice.get_json()["detail"]
    assert approve(client, app, other, reversal).status_code == 403
    approved = approve(client, app, checker, reversal).get_json()
    assert ledger.balances(session, ["platform:adjustments", "cash"]) == {"platform:adjustments": 0, "cash": 0}
    posting = session.get(Posting, approved["posting_id"])
    assert (posting.kind, posting.reverses_posting_id) == ("adjustment_reversal", original)
    assert posting.created_by == other.id
    assert approve(client, app, maker, reversal).get_json() == approved
    assert postings(session) == 2
    again = propose_reversal(client, app, maker, original)
    assert again.status_code == 409 and "already reversed" in again.get_json()["detail"]
    undo = propose_reversal(client, app, maker, posting.id)
    assert undo.status_code == 409 and undo.get_json()["corrected_by"] == "finance"


def test_a_rejected_reversal_leaves_the_adjustment_to_be_reversed_later(client, app, session, finance):
    maker, checker, _ = finance
    original = posted(client, app, finance)
    first = propose_reversal(client, app, maker, original).get_json()
    reject(client, app, checker, first)
    second = propose_reversal(client, app, maker, original)
    assert second.status_code == 201
    approve(client, app, checker, second.get_json())
    assert ledger.balance(session, "cash") == 0


def test_reversing_a_posting_that_does_not_exist_is_a_404(client, app, session, finance):
    response = propose_reversal(client, app, finance[0], 424242)
    assert response.status_code == 404 and response.content_type == PROBLEM


def test_finance_lists_the_adjustments_waiting_for_a_second_user(client, app, session, finance):
    maker, checker, _ = finance
    waiting = propose(client, app, maker)
    done = propose(client, app, maker)
    approve(client, app, checker, done)
    headers = bearer(app, checker)
    listed = client.get("/api/v1/ledger/adjustments?status=proposed", headers=headers).get_json()
    assert [adjustment["id"] for adjustment in listed] == [waiting["id"]]
    everything = client.get("/api/v1/ledger/adjustments", headers=headers).get_json()
    assert [adjustment["id"] for adjustment in everything] == [done["id"], waiting["id"]]
    unknown = client.get("/api/v1/ledger/adjustments?status=posted", headers=headers)
    assert unknown.status_code == 422 and unknown.content_type == PROBLEM


def test_the_database_refuses_an_adjustment_approved_by_its_proposer(client, app, session, finance):
    maker, _, _ = finance
    proposal = propose(client, app, maker)
    lines = [EntryLine(entry["account"], entry["amount"]) for entry in proposal["entries"]]
    posting_id = ledger.record_posting(session, reference="by-hand", kind="adjustment", lines=lines)
    with pytest.raises(sa.exc.IntegrityError, match="approved_by_another"), session.begin_nested():
        session.execute(
            sa.update(Adjustment)
            .where(Adjustment.id == proposal["id"])
            .values(status="approved", decided_by=maker.id, decided_at=sa.func.now(), posting_id=posting_id)
        )


def test_two_finance_users_approving_at_once_post_once(committed_db, app):
    engine = engine_for(committed_db)
    with Session(engine) as session:
        maker, *checkers = (make_user(session, Role.FINANCE).id for _ in range(3))
        proposal_id = adjustments.propose_adjustment(
            session=session,
            lines=[EntryLine("platform:adjustments", 700), EntryLine("cash", -700)],
            memo="bank fee refund",
            proposed_by=maker,
        ).id
    barrier = threading.Barrier(2)
    results: list[int | None] = []
    errors: list[BaseException] = []

    def approve_as(checker_id: int) -> None:
        try:
            with Session(engine) as session:
                barrier.wait()
                approved = adjustments.approve(session=session, adjustment_id=proposal_id, approver=checker_id)
                results.append(approved.posting_id)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=approve_as, args=(checker,)) for checker in checkers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(results) == 2 and results[0] == results[1] is not None
    with Session(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Posting)) == 1
        assert ledger.balance(session, "cash") == -700
        assert [action for action, _ in trail(session, proposal_id)] == ["adjustment.proposed", "adjustment.approved"]
