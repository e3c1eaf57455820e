"""Costing: prices, the prior cost model and the budget decision."""
