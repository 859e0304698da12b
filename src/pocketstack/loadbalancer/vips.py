"""A load balancer's VIP on the network service: which subnet it goes on, its port.

The port is created after the load balancer's row (PENDING_CREATE) is committed and is
named by the load balancer (``device_id`` = its id, ``device_owner`` = ``Octavia``), so a
process killed in between leaves nothing the controller cannot find again: it adopts the
port by ``device_id`` or creates it (``ensure_port``), and deletes it by the same key.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

from pocketstack.common.client import ServiceError
from pocketstack.common.settings import Settings
from pocketstack.loadbalancer.objects.errors import Conflict, Invalid
from pocketstack.network.client import NetworkClient

__all__ = [
    "DEVICE_OWNER",
    "HA_NETWORK",
    "OWNER",
    "VIP_NETWORK",
    "Vip",
    "ensure_port",
    "ensure_vip_network",
    "release_port",
    "resolve",
]

DEVICE_OWNER = "Octavia"
VIP_NETWORK = "lb-vip-net"
HA_NETWORK = "lb-ha-net"
# Who owns the VIP networks: the service, not the admin's project (whose servers would
# otherwise find them among "their" networks when booting without naming one).
OWNER = "load-balancer-service"


@dataclasses.dataclass(frozen=True)
class Vip:
    network_id: str
    subnet_id: str
    address: str | None = None
    port_id: str | None = None


def _fault(error: ServiceError) -> str:
    body: Any = error.body
    if isinstance(body, dict) and isinstance(body.get("NeutronError"), dict):
        return str(body["NeutronError"].get("message", ""))
    return str(body)


async def resolve(network: NetworkClient, spec: dict[str, Any], as_token: str) -> Vip:
    """The VIP a create request asks for: by port, by subnet or by network (its first IPv4
    subnet); 400 when none is given or what is named does not exist for the caller (whose
    token this is: as Octavia passes the request's context to Neutron)."""
    if spec.get("vip_port_id"):
        port = await network.get_port(spec["vip_port_id"], as_token=as_token)
        if port is None:
            raise Invalid.validation(f"Port {spec['vip_port_id']} not found.")
        fixed = (port.get("fixed_ips") or [{}])[0]
        return Vip(port["network_id"], fixed.get("subnet_id", ""), fixed.get("ip_address"),
                   port["id"])
    if spec.get("vip_subnet_id"):
        subnet = await network.get_subnet(spec["vip_subnet_id"], as_token=as_token)
        if subnet is None:
            raise Invalid.validation(f"Subnet {spec['vip_subnet_id']} not found.")
        if spec.get("vip_network_id") and spec["vip_network_id"] != subnet["network_id"]:
            raise Invalid.validation("vip_subnet_id is not on vip_network_id.")
        return Vip(subnet["network_id"], subnet["id"], spec.get("vip_address"))
    if spec.get("vip_network_id"):
        if await network.get_network(spec["vip_network_id"], as_token=as_token) is None:
            raise Invalid.validation(f"Network {spec['vip_network_id']} not found.")
        subnets = await network.list_subnets(network_id=spec["vip_network_id"])
        usable = [s for s in subnets if s.get("ip_version") == 4] or subnets
        if not usable:
            raise Invalid.validation(
                f"Supplied network does not contain a subnet: {spec['vip_network_id']}")
        return Vip(spec["vip_network_id"], usable[0]["id"], spec.get("vip_address"))
    raise Invalid.validation("VIP must contain one of: vip_port_id, vip_network_id, "
                             "vip_subnet_id.")


async def ensure_port(network: NetworkClient, lb_id: str, project_id: str, vip: Vip) -> Vip:
    """The VIP port of ``lb_id``: the given one, the one made earlier, or a new one (409
    when the asked address is taken)."""
    if vip.port_id:
        return vip
    found = await network.list_ports(device_id=lb_id)
    if found:
        port = found[0]
    else:
        fixed: dict[str, Any] = {"subnet_id": vip.subnet_id}
        if vip.address:
            fixed["ip_address"] = vip.address
        try:
            port = await network.create_port(
                network_id=vip.network_id, fixed_ips=[fixed], device_id=lb_id,
                device_owner=DEVICE_OWNER, name=f"octavia-lb-{lb_id}", project_id=project_id)
        except ServiceError as error:
            if error.status == 409:
                raise Conflict(f"IP address {vip.address} already allocated in subnet "
                               f"{vip.subnet_id}.") from None
            if error.status == 400:
                raise Invalid.validation(_fault(error)) from None
            raise
    address = next((f["ip_address"] for f in port.get("fixed_ips", [])
                    if f.get("subnet_id") == vip.subnet_id), None)
    return dataclasses.replace(vip, port_id=port["id"], address=address)


async def release_port(network: NetworkClient, lb_id: str) -> None:
    """Delete the VIP ports this service made for ``lb_id`` (never a user's own port)."""
    for port in await network.list_ports(device_id=lb_id):
        if port.get("device_owner") == DEVICE_OWNER:
            await network.delete_port(port["id"])


async def ensure_vip_network(network: NetworkClient, settings: Settings) -> list[str]:
    """The shared networks VIPs come from, made once: ``lb-vip-net`` (a loopback subnet,
    for SINGLE load balancers) and, when ``[loadbalancer] ha_vip_cidr`` is set,
    ``lb-ha-net`` (a subnet that only exists on the bridges ACTIVE_STANDBY pairs make on
    this host). The ids of their subnets; an empty CIDR option makes no network."""
    options = settings.loadbalancer
    made: list[str] = []
    if options.ha_vip_cidr:
        # Its gateway (the first address) is the bridge's side: never a VIP.
        gateway = str(next(ipaddress.ip_network(options.ha_vip_cidr).hosts()))
        made.append(await _ensure(network, HA_NETWORK, options.ha_vip_cidr, gateway))
    if options.vip_cidr:
        made.insert(0, await _ensure(network, VIP_NETWORK, options.vip_cidr, None))
    return made


async def _ensure(network: NetworkClient, name: str, cidr: str, gateway: str | None) -> str:
    """An external (provider-like) network: every project sees it and its subnet, to name
    it as a VIP subnet, but compute never picks it for a server on its own (unlike a
    shared one)."""
    found = await network.list_networks(name=name)
    net = found[0] if found else await network.create_network(
        **{"name": name, "router:external": True, "admin_state_up": True,
           "project_id": OWNER})
    subnets = await network.list_subnets(network_id=net["id"])
    if subnets:
        return str(subnets[0]["id"])
    subnet = await network.create_subnet(
        network_id=net["id"], name=f"{name}-subnet", cidr=cidr, ip_version=4,
        gateway_ip=gateway, enable_dhcp=False, project_id=OWNER)
    return str(subnet["id"])
