"""Promise API: a supplier's promises (read and set, effective for orders paid from then on) and its breaches."""

from __future__ import annotations

from dataclasses import asdict

from flask import current_app
from sqlmodel import col

from distro.api import API_PREFIX, Blueprint, SelectPage
from distro.auth.access import current_user_id, requires
from distro.auth.models import Role
from distro.db import get_session
from distro.promises import services
from distro.promises.models import PromiseBreach
from distro.promises.rules import PromiseBounds, PromiseTerms, badges
from distro.promises.schemas import BreachSchema, PromiseOutSchema, PromiseSchema, terms_of

blp = Blueprint("promises", __name__, url_prefix=API_PREFIX, description="Service promises (服务承诺)")


def _described(terms: PromiseTerms | None) -> dict:
    terms = terms or PromiseTerms()
    described = asdict(terms)
    described["badges"] = [{"kind": badge.kind.value, "number": badge.number} for badge in badges(terms)]
    for name in ("ship_compensation", "deliver_compensation"):
        if described[name] is not None:
            described[name]["kind"] = described[name]["kind"].value
    return described


@blp.route("/supplier/promises", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.response(200, PromiseOutSchema)
def get_promises():
    """The caller's promises in force now, with the badges they earn (all null and false: none)."""
    return _described(services.own_promises(get_session(), current_user_id()))


@blp.route("/supplier/promises", methods=["PUT"])
@requires(Role.SUPPLIER)
@blp.arguments(PromiseSchema)
@blp.response(200, PromiseOutSchema)
def set_promises(data: dict):
    """Replace the caller's promises, effective for orders paid from now on (earlier orders keep theirs)."""
    terms = terms_of(data)
    services.set_promises(
        session=get_session(),
        user_id=current_user_id(),
        terms=terms,
        bounds=PromiseBounds.from_settings(current_app.config),
    )
    return _described(terms)


@blp.route("/supplier/promise-breaches", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.response(200, BreachSchema(many=True))
@blp.paginate(SelectPage)
def list_breaches():
    """The caller's breaches, newest first: the deadline missed, what happened and the compensation it cost."""
    session = get_session()
    return services.breaches_query(session, current_user_id()).order_by(col(PromiseBreach.id).desc())
