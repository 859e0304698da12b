"""Identity (Keystone v3 compatible)."""
