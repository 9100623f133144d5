"""Field errors as plain values (pure): rules return them, the API renders them in a 422."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class FieldError:
    """One broken rule on one field: the field, the rule's short name and a readable message."""

    field: str
    message: str
    rule: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        """The JSON form used in problem+json `errors`."""
        return asdict(self)
