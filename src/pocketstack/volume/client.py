"""The typed client other services use to call this service.

Its base URL is the cloud's public URL plus ``/volume`` (see ``Peers``).
"""

from __future__ import annotations

from pocketstack.common.client import Peers, ServiceClient

__all__ = ["VolumeClient"]

PATH = "/volume"


class VolumeClient(ServiceClient):
    @classmethod
    def from_peers(cls, peers: Peers) -> VolumeClient:
        return cls(peers.base_url + PATH, tokens=peers.tokens, transport=peers.transport)
