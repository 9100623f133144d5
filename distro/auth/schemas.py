"""Request and response schemas of the auth API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from distro.auth.models import Role

ROLE_FIELD = fields.Enum(Role, by_value=True)


class TokenRequestSchema(Schema):
    grant_type = fields.String(required=True, validate=validate.OneOf(["password", "refresh_token"]))
    email = fields.Email(load_default=None)
    password = fields.String(load_default=None, load_only=True)
    refresh_token = fields.String(load_default=None, load_only=True)


class TokenResponseSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds until the access token expires."})


class RevokeRequestSchema(Schema):
    refresh_token = fields.String(required=True, load_only=True)


class SignUpSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    roles = fields.List(
        ROLE_FIELD,
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "shop_owner and/or supplier; finance and admin are granted by an admin."},
    )


class UserCreateSchema(SignUpSchema):
    """An admin creating an account may grant any role."""


class UserRolesSchema(Schema):
    roles = fields.List(ROLE_FIELD, required=True, validate=validate.Length(min=1))


class UserPublicSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.Email()
    display_name = fields.String()
    roles = fields.List(fields.String())
    is_active = fields.Boolean()
    created_at = fields.DateTime()
