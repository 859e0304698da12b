"""Key manager request schemas (JSON-schema data, compiled once), one module per resource."""
