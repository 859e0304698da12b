"""The private network of an ACTIVE_STANDBY pair: a bridge, two namespaces, two veth pairs.

An ACTIVE_STANDBY load balancer's VIP floats between two nodes, so it cannot live on 127/8
(the loopback of every namespace). Its subnet (``vip_cidr``) exists only here, on this host:

* a Linux bridge ``ps-<lb8>`` holding the subnet's gateway (its first address): the host
  reaches the VIP on-link through it, and members on the gateway address are reachable
  from the nodes (members on 127.0.0.1 are not: that is each namespace's own loopback);
* per node, a namespace ``ps-<lb8>-a`` (MASTER role) or ``ps-<lb8>-b`` (BACKUP role) with
  ``lo`` up and ``net.ipv4.ip_nonlocal_bind=1`` (HAProxy binds a VIP it does not hold), and
  a veth pair: ``ps-<lb8>-a`` on the bridge, ``vrrp0`` in the namespace holding the node's
  ``vrrp_ip`` (the subnet's last usable addresses, skipping the VIP).

``<lb8>`` is the first 8 hex digits of the load balancer id. Every step is an ``ip``
command, idempotent: ``ensure_*`` creates what is missing, ``remove_*`` deletes what is there.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress

from pocketstack.loadbalancer.amphora.base import AmphoraError

__all__ = [
    "INNER_LINK",
    "UNSUPPORTED",
    "NodeNetwork",
    "PairNetwork",
    "ensure_network",
    "holds_address",
    "ip",
    "namespace_pids",
    "plan_network",
    "remove_network",
    "remove_node",
]

INNER_LINK = "vrrp0"
SLOTS = {"MASTER": "a", "BACKUP": "b"}
UNSUPPORTED = "ACTIVE_STANDBY needs a VIP on a non-loopback subnet and root for network namespaces"
_TIMEOUT = 10.0


@dataclasses.dataclass(frozen=True)
class NodeNetwork:
    role: str  # MASTER BACKUP
    namespace: str  # ps-<lb8>-a / -b
    host_link: str  # the veth end on the bridge (same name as the namespace)
    address: str  # vrrp_ip


@dataclasses.dataclass(frozen=True)
class PairNetwork:
    cidr: str
    vip: str
    gateway: str
    bridge: str
    nodes: tuple[NodeNetwork, NodeNetwork]  # MASTER, BACKUP

    @property
    def prefix(self) -> int:
        return ipaddress.ip_network(self.cidr).prefixlen

    def node(self, role: str) -> NodeNetwork:
        return next(node for node in self.nodes if node.role == role)

    def peer(self, role: str) -> NodeNetwork:
        return next(node for node in self.nodes if node.role != role)


def plan_network(lb_id: str, vip: str, cidr: str | None) -> PairNetwork:
    """The names and addresses of ``lb_id``'s pair (pure); AmphoraError when the VIP cannot
    float (no subnet, a loopback one, an IPv6 one, one too small or not holding the VIP)."""
    if not cidr:
        raise AmphoraError(f"{UNSUPPORTED}: the load balancer has no vip_cidr")
    try:
        network = ipaddress.ip_network(cidr, strict=False)
        address = ipaddress.ip_address(vip)
    except ValueError as error:
        raise AmphoraError(f"{UNSUPPORTED}: {error}") from None
    if not isinstance(network, ipaddress.IPv4Network) or network.is_loopback:
        raise AmphoraError(f"{UNSUPPORTED}: {cidr} is not a non-loopback IPv4 subnet")
    if address not in network or address.is_loopback or network.prefixlen > 29:
        raise AmphoraError(f"{UNSUPPORTED}: VIP {vip} must be a host of {cidr} (/29 or larger)")
    hosts = list(network.hosts())
    gateway = hosts[0]
    if address == gateway:
        raise AmphoraError(f"{UNSUPPORTED}: VIP {vip} is the subnet's gateway")
    free = [h for h in reversed(hosts) if h not in (address, gateway)][:2]
    lb8 = lb_id.replace("-", "")[:8].lower()
    nodes = tuple(
        NodeNetwork(role, f"ps-{lb8}-{slot}", f"ps-{lb8}-{slot}", str(host))
        for (role, slot), host in zip(SLOTS.items(), free, strict=True)
    )
    return PairNetwork(str(network), vip, str(gateway), f"ps-{lb8}", (nodes[0], nodes[1]))


async def ip(*args: str, check: bool = True) -> tuple[int, str]:
    """Run ``ip *args``: (exit status, output); AmphoraError on failure when ``check``."""
    try:
        proc = await asyncio.create_subprocess_exec(
            "ip", *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    except OSError as error:
        raise AmphoraError(f"{UNSUPPORTED}: {error}") from None
    try:
        async with asyncio.timeout(_TIMEOUT):
            output, _ = await proc.communicate()
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AmphoraError(f"ip {' '.join(args)} did not finish") from None
    text = output.decode(errors="replace")
    if check and proc.returncode != 0:
        raise AmphoraError(f"ip {' '.join(args)} failed: {text.strip()}")
    return proc.returncode or 0, text


async def _link_exists(name: str, namespace: str | None = None) -> bool:
    where = ("-n", namespace) if namespace else ()
    status, _ = await ip(*where, "link", "show", "dev", name, check=False)
    return status == 0


async def _namespaces() -> set[str]:
    _, text = await ip("netns", "list")
    return {line.split()[0] for line in text.splitlines() if line.strip()}


async def ensure_network(net: PairNetwork) -> None:
    """Create whatever of ``net`` is missing and bring it up (idempotent)."""
    if not await _link_exists(net.bridge):
        await ip("link", "add", net.bridge, "type", "bridge")
    await ip("addr", "replace", f"{net.gateway}/{net.prefix}", "dev", net.bridge)
    await ip("link", "set", net.bridge, "up")
    for node in net.nodes:
        await _ensure_node(net, node)


async def _ensure_node(net: PairNetwork, node: NodeNetwork) -> None:
    ns = node.namespace
    if ns not in await _namespaces():
        await ip("netns", "add", ns)
    await ip("-n", ns, "link", "set", "lo", "up")
    await ip("netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_nonlocal_bind=1")
    if not await _link_exists(node.host_link):
        if await _link_exists(INNER_LINK, ns):  # a half-made pair: start again
            await ip("-n", ns, "link", "delete", INNER_LINK)
        await ip(
            "link", "add", node.host_link, "type", "veth", "peer", "name", INNER_LINK, "netns", ns
        )
    await ip("link", "set", node.host_link, "master", net.bridge, "up")
    await ip("-n", ns, "addr", "replace", f"{node.address}/{net.prefix}", "dev", INNER_LINK)
    await ip("-n", ns, "link", "set", INNER_LINK, "up")


async def remove_node(node: NodeNetwork) -> None:
    """Delete one node's namespace and veth pair (its processes must be gone first)."""
    if node.namespace in await _namespaces():
        await ip("netns", "delete", node.namespace, check=False)
    if await _link_exists(node.host_link):
        await ip("link", "delete", node.host_link, check=False)


async def remove_network(net: PairNetwork) -> None:
    """Delete both nodes, then the bridge (idempotent)."""
    for node in net.nodes:
        await remove_node(node)
    if await _link_exists(net.bridge):
        await ip("link", "delete", net.bridge, check=False)


async def holds_address(namespace: str, address: str) -> bool:
    """Whether ``address`` is configured in ``namespace`` (the VRRP master holds the VIP)."""
    status, text = await ip("-n", namespace, "-o", "addr", "show", "dev", INNER_LINK, check=False)
    return status == 0 and f" {address}/" in text


async def namespace_pids(namespace: str) -> set[int]:
    """The processes running in ``namespace`` (none when it does not exist)."""
    status, text = await ip("netns", "pids", namespace, check=False)
    if status != 0:
        return set()
    return {int(word) for word in text.split() if word.isdigit()}
