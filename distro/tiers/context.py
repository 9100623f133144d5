"""The tier table for the current request (read once per request from the database), and tiers' names in the
page's language for templates."""

from __future__ import annotations

from flask import Flask, current_app, g

from distro.db import get_session
from distro.i18n import page_lang
from distro.tiers.rules import Tier, TierTable
from distro.tiers.services import current_rules


def request_tiers() -> TierTable:
    """The tier table in force, cached for the rest of the request."""
    if "tiers" not in g:
        g.tiers = current_rules(get_session(), current_app.config["TIERS"])
    return g.tiers


def tier_name(tier: Tier) -> str:
    """A tier's name in the page's language."""
    return tier.name if page_lang() == "zh-CN" else tier.name_en


def tier_label(code: str) -> str:
    """The name, in the page's language, of the tier in force with this code (a code the table no longer has, as it
    is: history keeps the codes of tiers an admin has since removed)."""
    for tier in request_tiers().tiers:
        if tier.code == code:
            return tier_name(tier)
    return code


def init_app(app: Flask) -> None:
    """Give templates tier_name(tier) and tier_label(code)."""
    app.jinja_env.globals.update(tier_name=tier_name, tier_label=tier_label)
