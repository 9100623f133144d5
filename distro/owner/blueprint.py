"""The owner app's blueprint and what all its pages share: the tab bar, the not-found page, the attrs filter.

Its pages are in pages.py (the tabs, language, manifest), shop_pages.py (opening and presenting the shop) and
pick_pages.py (选品 and my picks); app.py imports each module so that its routes are on the blueprint.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from distro.errors import NotFound
from distro.money import format_rate

bp = Blueprint("owner", __name__, template_folder="templates")


@dataclass(frozen=True)
class Tab:
    """A tab of the bottom bar: where it leads, its label, its icon, and the pages that belong under it."""

    endpoint: str
    label: str
    icon: str
    pages: tuple[str, ...] = ()


TABS = (
    Tab("owner.home", _l("首页"), "home"),
    Tab("owner.pool", _l("选品"), "pick"),
    Tab("owner.promote", _l("推广"), "share", pages=("owner.promote_link", "owner.promote_kit", "owner.full_poster")),
    Tab("owner.earnings", _l("收益"), "money"),
    Tab("owner.me", _l("我的"), "me", pages=("owner.tier", "owner.data", "owner.messages")),
)


@bp.app_context_processor
def _owner_layout() -> dict:
    return {"owner_tabs": TABS}


@bp.app_template_filter("attrs")
def attrs(values: dict) -> Markup:
    """Keyword arguments as HTML attributes, underscores as dashes (hx_post="…" → hx-post="…"); True stands
    alone, None and False leave the attribute out."""
    return Markup("").join(
        Markup(" {}").format(name.replace("_", "-"))
        if value is True
        else Markup(' {}="{}"').format(name.replace("_", "-"), value)
        for name, value in values.items()
        if value is not None and value is not False
    )


bp.add_app_template_filter(format_rate, "rate")


def not_found_page() -> str:
    """The owner app's page saying that what was asked for is not there (or not the owner's), in its layout."""
    return render_template("owner/not_found.html")


@bp.errorhandler(NotFound)
def _not_found(error: NotFound) -> tuple[str, int]:
    """A page naming something that is not the owner's (or not there) says so, in the app's layout."""
    return not_found_page(), 404
