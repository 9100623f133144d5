from bench.__main__ import benchmark_modules


def test_the_ledger_benchmark_runs_first_and_the_rest_alphabetically():
    modules = benchmark_modules([])
    assert modules[0] == "bench_ledger"
    assert modules[1:] == sorted(modules[1:]) and len(modules) > 1


def test_named_benchmarks_run_alone():
    assert benchmark_modules(["share", "ledger"]) == ["bench_ledger", "bench_share"]


def test_every_benchmark_module_imports_and_has_a_run():
    import importlib

    for name in benchmark_modules([]):
        assert callable(importlib.import_module(f"bench.{name}").run), name
