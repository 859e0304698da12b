"""The image service's HTTP handlers: one module per URL noun."""
