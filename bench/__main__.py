"""Run every benchmark in bench/ and print one table row per figure: `python -m bench [name ...]`."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench
from bench.harness import Row, fresh_database


def main(names: list[str]) -> None:
    """Run the named benchmarks (all when none named) each on a fresh database and print the table."""
    modules = sorted(info.name for info in pkgutil.iter_modules(bench.__path__) if info.name.startswith("bench_"))
    selected = [name for name in modules if not names or name.removeprefix("bench_") in names]
    header = f"{'benchmark':<48} {'value':>12} {'unit':<12} {'baseline':>12} {'ratio':>7}  baseline is"
    print(header)
    print("-" * len(header))
    for name in selected:
        rows: list[Row] = importlib.import_module(f"bench.{name}").run(fresh_database())
        for row in rows:
            print(
                f"{row.name:<48} {row.value:>12,.1f} {row.unit:<12} {row.baseline:>12,.1f} {row.ratio:>7.2f}  "
                f"{row.baseline_name}",
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:])
