"""`distro cluster`: the product as several machines would run it, on one machine (README, "A cluster on one machine").

plan.py (pure) places each server on a loopback address of its own and renders HAProxy's configuration; servers.py
starts, stops, kills and starts again the processes.
"""
