"""Everything that touches the outside world, as Dagster resources."""
