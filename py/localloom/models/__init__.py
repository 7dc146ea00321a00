"""Model facts and model files: the catalog, size and integrity checks (pure)."""
