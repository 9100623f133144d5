"""Ledger postings for the finance console's tests, made as the flows make them (distro/ledger/services.py)."""

from __future__ import annotations

from sqlmodel import Session

from distro.ledger import services as ledger
from distro.ledger.chart import EntryLine
from distro.pages import csrf_token_in
from tests.factories import PASSWORD


def post(session: Session, reference: str, kind: str, *lines: tuple[str, int], memo: str = "") -> int:
    """Record and commit a balanced posting of kind; its id."""
    posting_id = ledger.record_posting(
        session, reference=reference, kind=kind, lines=[EntryLine(code, fen) for code, fen in lines], memo=memo
    )
    session.commit()
    return posting_id


def sign_in(client, user) -> None:
    """Sign the client in as user on the page session."""
    assert client.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 303


def form_token(client, path: str) -> str:
    """The CSRF token of the form on the page at path."""
    token = csrf_token_in(client.get(path).get_data(as_text=True))
    assert token is not None
    return token
