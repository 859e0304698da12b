"""Placement (the Placement API 1.0 to 1.39): providers, inventories, allocations, candidates."""
