"""The chaos drill's tables: what each phase's requests were answered, the checks, and the processes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from bench.chaos.rules import Row

OUTCOMES = ("2xx", "3xx", "4xx", "5xx", "no answer")
KINDS = ("webhook", "click", "buyer", "page")


def phase_table(counts: Counter[tuple[str, str, str]], phases: Sequence[str]) -> str:
    """Requests per phase and kind, by how they were answered."""
    header = f"{'phase':<16} {'requests':<9}" + "".join(f"{name:>10}" for name in OUTCOMES)
    lines = [header, "-" * len(header)]
    for phase in phases:
        for kind in KINDS:
            row = [counts[(phase, kind, name)] for name in OUTCOMES]
            if any(row):
                lines.append(f"{phase:<16} {kind:<9}" + "".join(f"{value:>10,}" for value in row))
    return "\n".join(lines)


def checks_table(rows: Sequence[Row]) -> str:
    """One line per check: sent, accounted for, lost (and how many of them README allows), doubled, result."""
    width = max(len(row.check) for row in rows)
    header = f"{'check':<{width}} {'sent':>8} {'accounted':>10} {'lost':>6} {'allowed':>8} {'doubled':>8}  result"
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row.check:<{width}} {row.sent:>8,} {row.accounted:>10,} {row.lost:>6,} {row.allowed_loss:>8,} "
            f"{row.doubled:>8,}  {'ok' if row.ok else 'FAIL'}{'  (' + row.note + ')' if row.note else ''}"
        )
    return "\n".join(lines)


def process_table(pids: Mapping[str, int | None], alive: Mapping[str, bool]) -> str:
    """Each process of the product, its pid when first seen, and whether that process still runs."""
    lines = [f"{'process':<12} {'pid':>8}  running at the end", "-" * 38]
    for role, pid in pids.items():
        lines.append(f"{role:<12} {pid if pid is not None else '-':>8}  {'yes' if alive[role] else 'NO: FAIL'}")
    return "\n".join(lines)
