"""The pages' language: Simplified Chinese by default, English second (Flask-Babel, catalogues in distro/translations).

Page strings are written in Chinese, the language of the people the pages are for, and marked with _(); the
English catalogue translates them. A page's language is the one its visitor chose (kept in the page session),
else the best match of the browser's Accept-Language, else Chinese.

The catalogues are committed as .po text only (`make translations` extracts new strings into them). Each process
compiles them at start into VAR_DIR/translations, where Flask-Babel reads them: a fresh clone needs no build step,
and no binary .mo file is kept in git beside its source.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request, session
from flask_babel import Babel, get_locale
from werkzeug.datastructures import LanguageAccept

from distro.share.images import write_atomically

DEFAULT_LOCALE = "zh_CN"
LANGUAGES = {"zh_CN": "中文", "en": "English"}
"""The languages a visitor may choose, each named in itself."""
SESSION_KEY = "lang"
"""Where the page session keeps the visitor's choice."""

CATALOGUES = Path(__file__).parent / "translations"
"""The committed catalogues: <locale>/LC_MESSAGES/messages.po, and messages.pot, the strings extracted."""

# Accept-Language tags as browsers send them, for each locale.
_TAGS = {"zh-CN": "zh_CN", "en": "en"}


def choose_locale(chosen: object, accepted: LanguageAccept) -> str:
    """The locale of a page: the visitor's choice when it is one of LANGUAGES, else the browser's best match
    (a bare "zh" counts as Simplified Chinese), else Chinese."""
    if isinstance(chosen, str) and chosen in LANGUAGES:
        return chosen
    best = accepted.best_match(list(_TAGS))
    return _TAGS[best] if best else DEFAULT_LOCALE


def _request_locale() -> str:
    # Only pages open the session (distro.pages.PageSessions); elsewhere it is a null session that holds nothing.
    return choose_locale(session.get(SESSION_KEY), request.accept_languages)


def page_lang() -> str:
    """The page's language as its <html lang> attribute says it: zh-CN or en."""
    locale = get_locale()
    # Not str(locale): Babel spells Chinese with its script, zh_Hans_CN.
    return "-".join(part for part in (locale.language, locale.territory) if part) if locale else "zh-CN"


def quoted_words(words: Sequence[str]) -> str:
    """Words quoted as the page's language quotes a list: 「旗舰」「专卖」 in Chinese, “旗舰”, “专卖” in English."""
    if page_lang() == "zh-CN":
        return "".join(f"「{word}」" for word in words)
    return ", ".join(f"“{word}”" for word in words)


def compile_catalogues(source: Path, target: Path) -> Path:
    """Compile every source/<locale>/LC_MESSAGES/messages.po into the same place under target (fuzzy entries left
    out, as pybabel compile does); a .mo already as compiled is left alone. Returns target."""
    for po_path in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file)
        compiled = io.BytesIO()
        write_mo(compiled, catalogue)
        mo_path = target / po_path.relative_to(source).with_suffix(".mo")
        if not mo_path.is_file() or mo_path.read_bytes() != compiled.getvalue():
            write_atomically(mo_path, compiled.getvalue())
    return target


def init_app(app: Flask) -> None:
    """Give the app's templates gettext in the request's language, from the catalogues compiled afresh."""
    compiled = compile_catalogues(CATALOGUES, Path(app.config["VAR_DIR"]) / "translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    Babel(app, locale_selector=_request_locale)
    app.jinja_env.globals["page_lang"] = page_lang
    app.jinja_env.globals["quoted_words"] = quoted_words
