"""marshmallow fields that take JSON's own types only, for every API schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import fields


class Boolean(fields.Boolean):
    """JSON true or false, and nothing else: 0, 1, "true" or "no" is a 422, never read as a boolean.

    marshmallow's own Boolean takes many spellings, and even with truthy={True} and falsy={False} it takes 1 and 0,
    which equal True and False in Python: {"dry_run": 0} would run a real tier evaluation.
    """

    default_error_messages = {"invalid": "Not a valid boolean: send true or false."}  # noqa: RUF012

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value
