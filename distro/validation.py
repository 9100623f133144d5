"""Field errors as plain values (pure): rules return them, the API renders them in a 422."""

from __future__ import annotations

from dataclasses import asdict, dataclass

UNSTORABLE_TEXT = "must not contain NUL characters or unpaired surrogates"


@dataclass(frozen=True)
class FieldError:
    """One broken rule on one field: the field, the rule's short name and a readable message."""

    field: str
    message: str
    rule: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        """The JSON form used in problem+json `errors`."""
        return asdict(self)


def storable_text(text: str) -> bool:
    """False for text PostgreSQL cannot hold (a NUL) or UTF-8 cannot encode (an unpaired surrogate, which JSON
    allows as an escape)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def key_header_error(header: str, value: str, max_length: int) -> FieldError | None:
    """Why a header used as a stored key (an Idempotency-Key, a webhook-id) cannot be one: not 1 to
    max_length characters, or text the database cannot hold; None when it can."""
    if not 1 <= len(value) <= max_length:
        return FieldError(header, f"must be 1 to {max_length} characters", "length")
    if not storable_text(value):
        return FieldError(header, UNSTORABLE_TEXT, "text")
    return None
