"""The network service's request schemas (JSON-schema data, compiled once), one per resource."""
