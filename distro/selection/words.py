"""The selection center's lists in the pages' words (the owner app's tabs, the supplier console's table)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from distro.selection.rules import LISTS

LIST_LABELS = {
    "hot7": _l("7天热销"),
    "hot30": _l("30天热销"),
    "rising": _l("飙升"),
    "repurchase": _l("高复购"),
    "conversion": _l("高转化"),
    "new": _l("新品"),
}
"""Each list's name as the pages show it."""
assert set(LIST_LABELS) == set(LISTS)
