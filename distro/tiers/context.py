"""The tier table for the current request (read once per request from the database)."""

from __future__ import annotations

from flask import current_app, g

from distro.db import get_session
from distro.tiers.rules import TierTable
from distro.tiers.services import current_rules


def request_tiers() -> TierTable:
    """The tier table in force, cached for the rest of the request."""
    if "tiers" not in g:
        g.tiers = current_rules(get_session(), current_app.config["TIERS"])
    return g.tiers
