"""The key manager's HTTP handlers: one module per URL noun."""
