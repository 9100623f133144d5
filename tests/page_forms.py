"""Post distro's page forms from tests as a browser does: with the CSRF token of the page the form is on."""

from __future__ import annotations

from flask.testing import FlaskClient

from distro.pages import SESSIONLESS_PREFIXES, csrf_token_in


def form_page(action: str) -> str:
    """The page holding the form that posts to action: the sign-in, sign-up and password pages for their own
    addresses, else the path one up."""
    path = action.split("?", 1)[0]
    if path in ("/login", "/signup", "/password/reset"):
        return path
    if path == "/logout":
        return "/my/me"
    return path.rstrip("/").rsplit("/", 1)[0] or "/"


class PageFormClient(FlaskClient):
    """A test client that fills in the CSRF token when it posts a page form, read from the form's own page.

    A post that names csrf_token itself (a test of the protection) is sent as it is. The token holds for the
    client's whole session, so the last one read serves a form whose page no longer shows it (cancelling an
    order a second time, as a buyer with the old page still open).
    """

    csrf_token: str | None = None

    def post(self, *args, **kwargs):  # type: ignore[override]
        path = str(args[0] if args else kwargs.get("path", "/"))
        data = kwargs.get("data")
        if path.startswith(SESSIONLESS_PREFIXES) or "json" in kwargs or not (data is None or isinstance(data, dict)):
            return super().post(*args, **kwargs)
        if data is None or "csrf_token" not in data:
            page = self.get(form_page(path), follow_redirects=True).get_data(as_text=True)
            self.csrf_token = csrf_token_in(page) or self.csrf_token
            kwargs["data"] = {**(data or {}), **({"csrf_token": self.csrf_token} if self.csrf_token else {})}
        return super().post(*args, **kwargs)
