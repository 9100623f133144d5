"""The chaos drill (`make chaos`, `python -m bench.chaos`): see __main__.py and README, "Chaos drill"."""
