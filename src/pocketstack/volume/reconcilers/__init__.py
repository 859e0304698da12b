"""Reconcilers of the volume service: one per kind of record that converges."""
