"""A boolean in an API body is JSON's true or false: no other value is read as one."""

import pytest
from marshmallow import Schema, ValidationError

from distro import strict_fields


class Flags(Schema):
    dry_run = strict_fields.Boolean(load_default=True)


@pytest.mark.parametrize("value", [True, False])
def test_true_and_false_are_booleans(value):
    assert Flags().load({"dry_run": value}) == {"dry_run": value}


@pytest.mark.parametrize("value", [0, 1, 0.0, 1.0, "true", "false", "0", "1", "yes", "", None, [], {}])
def test_nothing_else_is_a_boolean_though_marshmallow_would_take_it(value):
    with pytest.raises(ValidationError) as refused:
        Flags().load({"dry_run": value})
    assert "dry_run" in refused.value.messages


def test_a_boolean_left_out_takes_its_default():
    assert Flags().load({}) == {"dry_run": True}
