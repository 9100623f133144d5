"""The console's blueprint and what all its pages share: the sections by role, their menus, the refusal pages.

Each page module adds its menu entries with `menu_item` when it is imported (app.py imports them all), so a
section's menu is written beside its pages and no shared list has to know them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from distro.auth.models import Role
from distro.errors import Forbidden, NotFound

bp = Blueprint("console", __name__, template_folder="templates", url_prefix="/console")


@dataclass(frozen=True)
class MenuItem:
    """One entry of a section's menu: the page it opens, its label, its place, and the pages that belong under it."""

    endpoint: str
    label: str
    order: int
    pages: tuple[str, ...] = ()


@dataclass
class Section:
    """A part of the console one role works in, with its menu."""

    role: Role
    title: str
    menu: list[MenuItem] = field(default_factory=list)


SECTIONS = (
    Section(Role.SUPPLIER, _l("供货商")),
    Section(Role.FINANCE, _l("财务")),
    Section(Role.ADMIN, _l("平台管理")),
)


def menu_item(role: Role, endpoint: str, label: str, *, order: int, pages: tuple[str, ...] = ()) -> None:
    """Add an entry to the menu of role's section (once, however often the module is imported)."""
    section = next(section for section in SECTIONS if section.role == role)
    if all(item.endpoint != endpoint for item in section.menu):
        section.menu.append(MenuItem(endpoint, label, order, pages))
        section.menu.sort(key=lambda item: item.order)


def sections_for(roles: tuple[str, ...] | frozenset[str]) -> list[Section]:
    """The sections an account holding these roles sees, in the console's order."""
    return [section for section in SECTIONS if section.role.value in roles]


@bp.app_context_processor
def _console_layout() -> dict:
    def visible_sections() -> list[Section]:
        return sections_for(current_user.account.roles) if current_user.is_authenticated else []

    return {"console_sections": visible_sections}


def not_found_page() -> str:
    """The console's page saying that what was asked for is not there (or not this account's), in its layout."""
    return render_template(
        "console/refused.html", title=_l("找不到页面"), message=_l("你要找的内容不存在，或你无权查看。")
    )


@bp.errorhandler(NotFound)
def _not_found(error: NotFound) -> tuple[str, int]:
    """A page naming something that is not there (or not this account's) says so, in the console's layout."""
    return not_found_page(), 404


@bp.errorhandler(Forbidden)
def _forbidden(error: Forbidden) -> tuple[str, int]:
    """A page of a role the account does not hold says so (403), and names the roles it holds."""
    return render_template(
        "console/refused.html", title=_l("没有权限"), message=_l("你的账户没有这个页面所需的角色。")
    ), 403
