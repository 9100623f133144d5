"""Run every benchmark in bench/ and print one table row per figure: `python -m bench [name ...]`."""

from __future__ import annotations

import pkgutil
import sys

import bench
from bench.harness import fresh_database, in_child, run_benchmark

# The ledger's figure (postings per second against raw INSERTs of the same rows) heads the table.
FIRST = ("bench_ledger",)


def benchmark_modules(names: list[str]) -> list[str]:
    """The benchmark modules to run (all when none named): those in FIRST, then the rest alphabetically."""
    found = sorted(info.name for info in pkgutil.iter_modules(bench.__path__) if info.name.startswith("bench_"))
    ordered = [name for name in FIRST if name in found] + [name for name in found if name not in FIRST]
    return [name for name in ordered if not names or name.removeprefix("bench_") in names]


def main(names: list[str]) -> None:
    """Run the named benchmarks (all when none named) each on a fresh database and print the table."""
    selected = benchmark_modules(names)
    header = f"{'benchmark':<48} {'value':>12} {'unit':<12} {'baseline':>12} {'ratio':>7} {'peak MB':>8}  baseline is"
    print(header)
    print("-" * len(header))
    for name in selected:
        # Each in a process of its own: a benchmark's peak memory is then its own, not the highest of those before it.
        rows, _ = in_child(run_benchmark, name, fresh_database())
        for row in rows:
            print(
                f"{row.name:<48} {row.value:>12,.1f} {row.unit:<12} {row.baseline:>12,.1f} {row.ratio:>7.2f} "
                f"{'' if row.peak_mb is None else f'{row.peak_mb:,.0f}':>8}  "
                f"{row.baseline_name}",
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:])
