"""The typed client other services use to call this service.

Its base URL is the cloud's public URL plus ``/networking`` (see ``Peers``).
"""

from __future__ import annotations

from pocketstack.common.client import Peers, ServiceClient

__all__ = ["NetworkClient"]

PATH = "/networking"


class NetworkClient(ServiceClient):
    @classmethod
    def from_peers(cls, peers: Peers) -> NetworkClient:
        return cls(peers.base_url + PATH, tokens=peers.tokens, transport=peers.transport)
