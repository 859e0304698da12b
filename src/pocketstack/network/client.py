"""The typed client other services use to call this service.

Its base URL is the cloud's public URL plus ``/network`` (see ``Peers``).
"""

from __future__ import annotations

from typing import Any

from pocketstack.common.client import Peers, ServiceClient

__all__ = ["NetworkClient"]

PATH = "/network"
V2 = "/v2.0"


def _params(filters: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in filters.items() if value is not None}


class NetworkClient(ServiceClient):
    @classmethod
    def from_peers(cls, peers: Peers) -> NetworkClient:
        return cls(peers.base_url + PATH, tokens=peers.tokens, transport=peers.transport)

    async def get_network(
        self, network_id: str, *, as_token: str | None = None
    ) -> dict[str, Any] | None:
        """The network, or None when there is none (that the holder of ``as_token`` sees)."""
        response = await self.request("GET", f"{V2}/networks/{network_id}", expect=(200, 404),
                                      as_token=as_token)
        if response.status_code == 404:
            return None
        network: dict[str, Any] = response.json()["network"]
        return network

    async def list_networks(self, **filters: Any) -> list[dict[str, Any]]:
        response = await self.request("GET", f"{V2}/networks", params=_params(filters))
        networks: list[dict[str, Any]] = response.json()["networks"]
        return networks

    async def create_port(self, **fields: Any) -> dict[str, Any]:
        response = await self.request("POST", f"{V2}/ports", json={"port": fields},
                                      expect=(201,))
        port: dict[str, Any] = response.json()["port"]
        return port

    async def get_port(self, port_id: str, *, as_token: str | None = None) -> dict[str, Any] | None:
        """The port, or None when there is none (that the holder of ``as_token`` sees)."""
        response = await self.request("GET", f"{V2}/ports/{port_id}", expect=(200, 404),
                                      as_token=as_token)
        if response.status_code == 404:
            return None
        port: dict[str, Any] = response.json()["port"]
        return port

    async def update_port(self, port_id: str, **fields: Any) -> dict[str, Any]:
        response = await self.request("PUT", f"{V2}/ports/{port_id}", json={"port": fields})
        port: dict[str, Any] = response.json()["port"]
        return port

    async def delete_port(self, port_id: str) -> None:
        await self.request("DELETE", f"{V2}/ports/{port_id}", expect=(204, 404))

    async def get_subnet(
        self, subnet_id: str, *, as_token: str | None = None
    ) -> dict[str, Any] | None:
        """The subnet, or None when there is none (that the holder of ``as_token`` sees)."""
        response = await self.request("GET", f"{V2}/subnets/{subnet_id}", expect=(200, 404),
                                      as_token=as_token)
        if response.status_code == 404:
            return None
        subnet: dict[str, Any] = response.json()["subnet"]
        return subnet

    async def list_subnets(self, **filters: Any) -> list[dict[str, Any]]:
        response = await self.request("GET", f"{V2}/subnets", params=_params(filters))
        subnets: list[dict[str, Any]] = response.json()["subnets"]
        return subnets

    async def create_network(self, **fields: Any) -> dict[str, Any]:
        response = await self.request("POST", f"{V2}/networks", json={"network": fields},
                                      expect=(201,))
        network: dict[str, Any] = response.json()["network"]
        return network

    async def create_subnet(self, **fields: Any) -> dict[str, Any]:
        response = await self.request("POST", f"{V2}/subnets", json={"subnet": fields},
                                      expect=(201,))
        subnet: dict[str, Any] = response.json()["subnet"]
        return subnet

    async def list_ports(self, **filters: Any) -> list[dict[str, Any]]:
        response = await self.request("GET", f"{V2}/ports", params=_params(filters))
        ports: list[dict[str, Any]] = response.json()["ports"]
        return ports
