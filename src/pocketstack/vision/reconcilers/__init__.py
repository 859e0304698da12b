"""Reconcilers of the face recognition service."""
