"""Planning: production manifest and shot list, deterministic from the sanitized brief."""
