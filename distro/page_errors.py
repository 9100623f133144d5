"""Errors as a person's browser sees them: a page in the visitor's language (Chinese first), never problem+json.

The API and the webhooks (distro.auth.access.GUARDED_PREFIXES) answer every error as problem+json (distro.api.Api);
so does a client that does not ask for HTML. A browser asking for any other address that is not there gets the
not-found page of the part of distro it was in (the console's, the owner app's, else the buyers'), and an error of
distro's own (a 500, logged with its traceback by Flask before it gets here) a page saying so, drawn without the
database, which may be what failed.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from distro.auth.access import GUARDED_PREFIXES
from distro.console.blueprint import not_found_page as console_not_found
from distro.owner.blueprint import not_found_page as owner_not_found


def wants_page() -> bool:
    """Whether this request's error is answered as a page: not an API or webhook request, and asking for HTML."""
    return not request.path.startswith(GUARDED_PREFIXES) and request.accept_mimetypes.accept_html


def error_page(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    """The page for an HTTP error (a 500 for an exception nothing handled), with the error's status and headers
    (a 405's Allow)."""
    status = error.code or 500
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    if status == 404:
        return not_found_page(), 404, headers
    if status >= 500:
        title, message = _l("出错了"), _l("服务器暂时无法处理你的请求，请稍后刷新本页再试。")
    else:
        title, message = _l("无法处理这个请求"), _l("请求的方式或内容不对，请回到上一页重试。")
    return render_template("pages/error.html", title=title, message=message), status, headers


def not_found_page() -> str:
    """The not-found page of the part of distro the address is in: the console, the owner app, else the buyers'."""
    if _within("/console"):
        return console_not_found()
    if _within("/my"):
        return owner_not_found()
    return render_template("not_found.html")


def _within(prefix: str) -> bool:
    return request.path == prefix or request.path.startswith(prefix + "/")
