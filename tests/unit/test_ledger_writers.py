"""distro/ledger/services.py names every module that inserts into the ledger, and the trigger that guards them."""

from __future__ import annotations

import re

from distro.ledger import services
from distro.settings import PROJECT_ROOT

LEDGER_INSERT = re.compile(r"INSERT\s+INTO\s+ledger_(postings|entries)\b", re.IGNORECASE)


def ledger_writing_modules() -> list[str]:
    return sorted(
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "distro").rglob("*.py")
        if LEDGER_INSERT.search(path.read_text(encoding="utf-8"))
    )


def test_every_module_inserting_into_the_ledger_is_named_by_the_ledger_writer():
    writers = ledger_writing_modules()
    assert "distro/ledger/services.py" in writers and len(writers) >= 4
    unnamed = [path for path in writers if path != "distro/ledger/services.py" and f"`{path}:" not in services.__doc__]
    assert unnamed == []


def test_the_trigger_the_ledger_writer_names_is_the_one_the_migrations_create():
    migrations = "".join(path.read_text(encoding="utf-8") for path in (PROJECT_ROOT / "migrations").rglob("*.py"))
    for trigger in ("ledger_entries_balanced", "ledger_postings_have_entries"):
        assert f"`{trigger}`" in services.__doc__
        assert f"CREATE TRIGGER {trigger} " in migrations or f"CREATE CONSTRAINT TRIGGER {trigger} " in migrations
