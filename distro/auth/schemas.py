"""Request and response schemas of the auth API, and the sign-in page's form."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from distro import strict_fields
from distro.auth.models import Role
from distro.phones import MAX_TYPED_LENGTH

ROLE_FIELD = fields.Enum(Role, by_value=True)


class TokenRequestSchema(Schema):
    grant_type = fields.String(
        required=True, validate=validate.OneOf(["password", "refresh_token", "client_credentials"])
    )
    email = fields.Email(load_default=None)
    password = fields.String(load_default=None, load_only=True)
    refresh_token = fields.String(load_default=None, load_only=True)
    client_id = fields.String(
        load_default=None,
        validate=validate.Length(max=100),
        metadata={"description": "client_credentials: the API client's id, unless sent by HTTP Basic."},
    )
    client_secret = fields.String(
        load_default=None,
        load_only=True,
        validate=validate.Length(max=200),
        metadata={"description": "client_credentials: the API client's secret, unless sent by HTTP Basic."},
    )
    scope = fields.String(
        load_default=None,
        validate=validate.Length(max=500),
        metadata={"description": "client_credentials: the scopes wanted, space-separated; all the client's if none."},
    )


class TokenResponseSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(metadata={"description": "Absent for client_credentials (RFC 6749 §4.4.3)."})
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds until the access token expires."})
    scope = fields.String(metadata={"description": "client_credentials: the scopes granted, space-separated."})


OAUTH_ERRORS = ["invalid_request", "invalid_client", "unauthorized_client", "unsupported_grant_type", "invalid_scope"]


class OAuthErrorSchema(Schema):
    """A client-credentials request refused, as RFC 6749 §5.2 words it."""

    error = fields.String(required=True, validate=validate.OneOf(OAUTH_ERRORS))
    error_description = fields.String()


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
    reason = fields.String(
        load_default=None, validate=validate.Length(max=500), metadata={"description": "Why; kept in the audit log."}
    )


class UserPublicSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.Email(
        allow_none=True, metadata={"description": "null for an owner who signed up on the app with a phone."}
    )
    display_name = fields.String()
    roles = fields.List(fields.String())
    is_active = strict_fields.Boolean()
    created_at = fields.DateTime()
    phone_masked = fields.String(
        allow_none=True, metadata={"description": "The verified phone as shown, e.g. 138****5678; null when none."}
    )
    phone_verified = fields.Function(lambda user: user.phone_verified_at is not None, dump_only=True)
    phone_verified_at = fields.DateTime(allow_none=True)


class PhoneSchema(Schema):
    phone = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_TYPED_LENGTH),
        metadata={"description": "A mainland mobile number; spaces, dashes and +86 are fine, e.g. 138 1234 5678."},
    )


class PhoneVerifySchema(PhoneSchema):
    code = fields.String(
        required=True, validate=validate.Length(min=1, max=20), metadata={"description": "The 6 digits sent by SMS."}
    )


class CodeSentSchema(Schema):
    phone_masked = fields.String(required=True, metadata={"description": "Where the code went, e.g. 138****5678."})
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds the code verifies for."})
    resend_after = fields.Integer(
        required=True, metadata={"description": "Seconds before another code can be asked for."}
    )
