"""AIPROD: the production domain and its Dagster assets."""
