"""等级 (tier): the shop's tier, this month's sales (net GMV), orders and buyers against the next tier's thresholds
and against keeping the current one, as progress bars, and the monthly history as a chart with its table.

The figures are the API's GET /shops/{id}/tier (distro.tiers.services.standing) over the tier table in force;
distro/owner/figures.py turns them into bars. Keeping a tier means meeting its own thresholds: the monthly
evaluation moves a shop to the highest tier whose thresholds it all meets, and down at most one tier.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template
from flask_login import current_user, login_required

from distro.auth.access import public
from distro.db import get_session
from distro.owner import figures, labels
from distro.owner.blueprint import bp
from distro.owner.compression import gzipped
from distro.owner.page_args import chosen_shop, shop_in_address
from distro.tiers import services as tiers
from distro.tiers.context import request_tiers, tier_name
from distro.tiers.rules import Tier


@dataclass(frozen=True)
class Goals:
    """What this month needs for a tier: a bar per threshold."""

    tier: Tier
    bars: tuple[figures.Progress, ...]

    @property
    def met(self) -> bool:
        return figures.all_met(self.bars)


def history_chart(history: list[dict], names: dict[str, str]) -> dict:
    """The monthly history, oldest first, as the tier each month's evaluation gave (a step line over the tiers)."""
    months = list(reversed(history))
    return figures.step_chart(
        [month["month"][:7] for month in months],
        list(names.values()),
        [names.get(month["to"], month["to"]) for month in months],
    )


@bp.get("/my/tier", endpoint="tier")
@public  # to the API's check: the page session, not a bearer token, guards it
@login_required
@gzipped
def tier_page() -> str:
    """等级: the shop's tier, this month against the next tier and against keeping this one, and its history."""
    session = get_session()
    shop, shops = chosen_shop(session, current_user.user_id, shop_in_address())
    if shop is None:
        return render_template("owner/tier/index.html", shop=None, shops=shops)
    table = request_tiers()
    standing = tiers.standing(session, shop, table, current_app.config["SELF_PURCHASE_POLICY"] != "flag")
    current = table.get(standing["tier"])
    following = standing["next_tier"]
    names = {tier.code: tier_name(tier) for tier in table.tiers}
    return render_template(
        "owner/tier/index.html",
        shop=shop,
        shops=shops,
        standing=standing,
        current=current,
        keep=Goals(current, figures.progress_towards(standing["so_far"], figures.needs_of(current))),
        next_goals=Goals(table.get(following["tier"]), figures.progress_towards(standing["so_far"], following["needs"]))
        if following
        else None,
        entry=table.entry,
        tier_names=names,
        chart=history_chart(standing["history"], names),
        names=labels,
    )
