"""Placement's HTTP handlers: one module per URL noun."""
