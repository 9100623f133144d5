"""The rules of an owner's choice of outside channel and of splitting a fan-out into chunks (pure)."""

from __future__ import annotations

from collections.abc import Sequence

CHANNELS = ("wechat", "sms", "none")


class ChoiceRefused(ValueError):
    """The owner cannot be told on the channel chosen; rule names which rule."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def check_choice(channel: str, *, phone_verified: bool) -> None:
    """Refuse an unknown channel, and SMS for an owner without a verified phone (no number to send to)."""
    if channel not in CHANNELS:
        raise ChoiceRefused("unknown", f"{channel!r} is not a channel")
    if channel == "sms" and not phone_verified:
        raise ChoiceRefused("phone", "SMS needs a verified phone")


def chunk_bounds(every_nth_owner: Sequence[int]) -> list[tuple[int, int | None]]:
    """The chunks (after, through] of a fan-out from the id of every chunk's last owner, in order: the first
    starts after 0 and the last has no upper bound, so an owner who opts in after the plan, with a new id, is in
    the last chunk, and every id falls in exactly one chunk."""
    bounds: list[tuple[int, int | None]] = []
    after = 0
    for last in every_nth_owner:
        bounds.append((after, last))
        after = last
    bounds.append((after, None))
    return bounds
