"""消息 (messages): the owner's inbox, a page at a time, and the count of unread messages on the 我的 tab (a fragment
the tab bar loads with htmx).

The inbox is read from what distro records (distro/owner/messages.py: orders, released commission, payouts, tier
history, takedowns); opening it marks everything in it read.
"""

from __future__ import annotations

from flask import Response, make_response, render_template, request
from flask_login import current_user, login_required
from marshmallow import EXCLUDE, Schema, fields, validate

from distro.auth.access import public
from distro.db import get_session
from distro.owner import labels, messages
from distro.owner.blueprint import bp
from distro.owner.compression import gzipped
from distro.owner.page_args import query_args
from distro.tiers.context import request_tiers, tier_name


class PageArgs(Schema):
    """?page=<n>: which page of the inbox."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000))


PAGE_ARGS = PageArgs()


@bp.get("/my/messages", endpoint="messages")
@public  # to the API's check: the page session, not a bearer token, guards it
@login_required
@gzipped
def messages_page() -> str:
    """消息: what happened to the owner's money and shops, newest first; the next page alone for htmx."""
    page = query_args(PAGE_ARGS)["page"]
    inbox = messages.open_inbox(session=get_session(), owner_id=current_user.user_id, page=page)
    template = "owner/inbox/_messages.html" if request.headers.get("HX-Request") == "true" else "owner/inbox/index.html"
    tiers = {tier.code: tier_name(tier) for tier in request_tiers().tiers}
    return render_template(template, inbox=inbox, tier_names=tiers, names=labels, inbox_days=messages.INBOX_DAYS)


@bp.get("/my/messages/unread")
@public  # no one signed in gets no badge, rather than htmx swapping the sign-in page into the tab bar
def unread_badge() -> Response:
    """The unread count the 我的 tab shows, asked for by the tab bar once the page is there (so no page waits for
    the inbox to be read); empty when there is nothing unread."""
    unread = messages.unread_count(get_session(), current_user.user_id) if current_user.is_authenticated else 0
    response = make_response(render_template("owner/inbox/_badge.html", unread=unread))
    response.cache_control.no_store = True
    return response
