"""Who may open a console page: a signed-in page session whose account holds the page's role now."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask_login import current_user, login_required

from distro.auth.access import public
from distro.auth.models import Role
from distro.errors import Forbidden

F = TypeVar("F", bound=Callable[..., Any])

CONSOLE_ROLES = frozenset({Role.SUPPLIER.value, Role.FINANCE.value, Role.ADMIN.value})
"""The roles that work in the console (a shop owner works in the owner app, /my)."""


def console_page(role: Role) -> Callable[[F], F]:
    """Guard a console page: signed in (else the sign-in page, coming back here), holding role (else 403).

    The roles are the account's as the page session reads them on this request, so a role an admin took away
    stops working at once; the API's bearer check does not apply (the page session is the credential).
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if role.value not in current_user.account.roles:
                raise Forbidden(f"The {role.value} role is needed.")
            return view(*args, **kwargs)

        return public(login_required(guarded))

    return decorate


def current_user_id() -> int:
    """The id of the account signed in to this page."""
    return int(current_user.user_id)
