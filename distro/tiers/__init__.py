"""tiers domain (see the issue tracker for its scope)."""
