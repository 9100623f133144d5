"""The pages' language: which one a visitor gets, and a catalogue that translates every string the pages show."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from distro.i18n import CATALOGUES, LANGUAGES, choose_locale, compile_catalogues
from distro.settings import PROJECT_ROOT

PLACEHOLDER = re.compile(r"%\(\w+\)s")


def accepted(header: str) -> LanguageAccept:
    return parse_accept_header(header, LanguageAccept)


def test_a_visitor_who_chose_a_language_gets_it_whatever_the_browser_asks():
    assert choose_locale("en", accepted("zh-CN,zh;q=0.9")) == "en"
    assert choose_locale("zh_CN", accepted("en-US,en;q=0.9")) == "zh_CN"


def test_without_a_choice_the_browser_decides_and_chinese_is_the_default_when_it_asks_for_neither():
    assert choose_locale(None, accepted("en-US,en;q=0.9")) == "en"
    assert choose_locale(None, accepted("zh")) == "zh_CN"
    assert choose_locale(None, accepted("fr-FR,de;q=0.8")) == "zh_CN"
    assert choose_locale(None, accepted("")) == "zh_CN"


def test_a_choice_that_is_not_a_language_of_distro_counts_as_none():
    assert choose_locale("klingon", accepted("en")) == "en"
    assert choose_locale(["en"], accepted("")) == "zh_CN"


def _strings_in_the_code() -> set[str]:
    method_map = [("distro/**.py", "python"), ("distro/**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "ngettext": (1, 2)}
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(PROJECT_ROOT), method_map, keywords=keywords):
        found.update(message if isinstance(message, tuple) else (message,))
    return found


def test_every_string_the_pages_mark_for_translation_has_an_english_translation_with_the_same_placeholders():
    with (CATALOGUES / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        english = {message.id: message for message in read_po(po_file) if message.id}
    strings = _strings_in_the_code()
    missing = sorted(text for text in strings if text not in english or not english[text].string)
    assert not missing, f"run `make translations` and translate these in en/messages.po: {missing}"
    for text in strings:
        translated = english[text]
        assert "fuzzy" not in translated.flags, text
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(str(translated.string))), text
    assert set(LANGUAGES) == {"zh_CN", "en"}


def test_the_catalogues_compile_where_the_app_reads_them_and_an_unchanged_one_is_not_written_again(tmp_path: Path):
    target = compile_catalogues(CATALOGUES, tmp_path)
    compiled = target / "en" / "LC_MESSAGES" / "messages.mo"
    with compiled.open("rb") as mo_file:
        assert read_mo(mo_file).get("首页").string == "Home"
    written = compiled.stat().st_mtime_ns
    compile_catalogues(CATALOGUES, tmp_path)
    assert compiled.stat().st_mtime_ns == written
