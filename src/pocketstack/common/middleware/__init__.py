"""Pure ASGI middleware; the order is written once in ``pocketstack.common.service``."""
