"""suppliers domain: applications, products, commission rates (see the issue tracker for its scope)."""
