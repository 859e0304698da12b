"""Layers shared by every service. Never imports a service."""
