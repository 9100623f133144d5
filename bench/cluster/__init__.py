"""The cluster drill (`make cluster-drill`): load and faults on a cluster of its own, and wave 2's journey."""
