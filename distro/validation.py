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
