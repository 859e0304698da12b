"""Backends of the image service: where image data lives (a Protocol and its implementations)."""
