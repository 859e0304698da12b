"""Typed settings read from ``pocketstack.toml`` plus environment overrides.

One ``Settings`` object is built at start-up and passed explicitly; nothing here is global.
Environment overrides use ``POCKETSTACK_<SECTION>__<KEY>`` (for example
``POCKETSTACK_IDENTITY__TOKEN_EXPIRATION=600``); ``POCKETSTACK_DATA_DIR`` picks the data dir.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "ApiSettings",
    "AuthSettings",
    "CellsSettings",
    "ComputeSettings",
    "DatabaseSettings",
    "IdentitySettings",
    "ImageSettings",
    "LoadBalancerSettings",
    "QuotaSettings",
    "Settings",
    "VisionSettings",
    "load_settings",
]

CONFIG_FILE = "pocketstack.toml"
ENV_PREFIX = "POCKETSTACK_"


@dataclasses.dataclass(frozen=True)
class ApiSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    # The URL clients use to reach us; derived from host and port when empty.
    public_url: str = ""
    region: str = "RegionOne"
    max_request_body_size: int = 114688  # bytes, like oslo.middleware's sizelimit
    log_requests: bool = True


@dataclasses.dataclass(frozen=True)
class IdentitySettings:
    token_expiration: int = 3600  # seconds
    allow_expired_window: int = 172800  # seconds a service may still validate an expired token
    max_active_keys: int = 3
    password_hash_rounds: int = 12  # bcrypt cost factor (2**rounds iterations)
    admin_username: str = "admin"
    admin_password: str = ""  # generated at first start when empty
    admin_project: str = "admin"
    token_cache_size: int = 10000


@dataclasses.dataclass(frozen=True)
class ImageSettings:
    size_cap: int = 1 << 40  # bytes an image may hold (Glance's image_size_cap, 1 TiB)


@dataclasses.dataclass(frozen=True)
class ComputeSettings:
    """Compute: the cells ``up`` creates, the fake hosts it runs, scheduling and the API."""

    cells: int = 2  # cells besides cell0 created at first start (cell1, cell2, ...)
    hosts_per_cell: int = 4  # fake hypervisors run in each cell (cellN-host1, ...)
    host_vcpus: int = 32
    host_memory_mb: int = 131072
    host_disk_gb: int = 2048
    spawn_latency: float = 0.0  # seconds the fake driver takes to spawn
    power_latency: float = 0.0  # seconds for stop, start, reboot, pause, ...
    fail_spawn_on: str = ""  # hosts (comma separated) whose spawns fail: failure injection
    # Empty: in-process buses. amqp://user:pass@host:port/ : RabbitMQ, one vhost per cell
    # (<prefix>api, <prefix>cell1, ...).
    transport_url: str = ""
    vhost_prefix: str = "pocketstack-"
    max_attempts: int = 3  # [scheduler] max_attempts: the selected host plus alternates
    max_placement_results: int = 1000  # [scheduler] max_placement_results
    discover_hosts_interval: float = 5.0  # seconds; <= 0 disables periodic host discovery
    service_down_time: int = 60  # seconds without a heartbeat before a service is down
    report_interval: float = 10.0  # seconds between host heartbeats
    enable_instance_password: bool = True  # [api] enable_instance_password
    max_limit: int = 1000  # [api] max_limit
    # [api] list_records_by_skipping_down_cells: a list below 2.69 (or with filters) leaves
    # out a down cell's servers; False answers 500 instead.
    list_records_by_skipping_down_cells: bool = True
    # [DEFAULT] resize_confirm_window: seconds after which a resize waiting for
    # confirmation (VERIFY_RESIZE) is confirmed by the cloud itself; 0 never.
    resize_confirm_window: int = 0
    # [DEFAULT] allow_resize_to_same_host: a resize may pick the server's current host.
    allow_resize_to_same_host: bool = False
    # [filter_scheduler] cross_cell_move_weight_multiplier: how strongly a move prefers the
    # server's own cell (negative: other cells, to drain one).
    cross_cell_move_weight_multiplier: float = 1000000.0
    # Failure injection for rehearsals and tests: the process kills itself (SIGKILL) when a
    # migration reaches this step (see compute/conductor/migrate_steps.py), once per start.
    crash_at_migration_step: str = ""
    # GPU hosts: the last ``gpu_hosts_per_cell`` fake hypervisors of each cell also hold
    # ``gpus_per_host`` fake GPUs of ``gpu_model`` (at PCI addresses 0000:81:00.0, 82, ...),
    # handed out whole or as vGPUs as [pci] and [devices] say.
    gpu_hosts_per_cell: int = 1
    gpus_per_host: int = 2
    gpu_model: str = "A100"


_A100_ALIAS = ('{"name": "a100", "vendor_id": "10de", "product_id": "20b0", '
               '"device_type": "type-PCI"}')


@dataclasses.dataclass(frozen=True)
class PciSettings:
    """[pci], as Nova's: JSON objects. ``device_spec``: the devices hosts may hand to a
    server whole (vendor_id, product_id, address, resource_class, traits); ``alias``: the
    names flavors ask for them by (``pci_passthrough:alias``)."""

    alias: tuple[str, ...] = (_A100_ALIAS,)
    device_spec: tuple[str, ...] = ('{"vendor_id": "10de", "product_id": "20b0", '
                                    '"address": "0000:81:00.0"}',)


@dataclasses.dataclass(frozen=True)
class MdevTypeSettings:
    """[mdev_<type>]: the GPUs (PCI addresses) that serve a vGPU type, its resource
    class, and how many vGPUs of it a GPU holds (0: what the hardware says)."""

    device_addresses: tuple[str, ...] = ()
    mdev_class: str = "VGPU"
    max_instances: int = 0


@dataclasses.dataclass(frozen=True)
class DevicesSettings:
    """[devices]: the vGPU types hosts enable; each type's [mdev_<type>] section says on
    which GPUs."""

    enabled_mdev_types: tuple[str, ...] = ("nvidia-a100-10c",)
    mdev: Mapping[str, MdevTypeSettings] = dataclasses.field(default_factory=lambda: {
        "nvidia-a100-10c": MdevTypeSettings(device_addresses=("0000:82:00.0",))})


@dataclasses.dataclass(frozen=True)
class CellsSettings:
    timeout: float = 60.0  # seconds a cell has to answer a scatter-gather
    recheck_interval: float = 30.0  # seconds between probes of a cell marked down
    # Route each cell's database and bus connections through a TCP proxy this process runs,
    # so that `pocketstack cell fault` can cut a cell off (rehearsals, tests).
    fault_injection: bool = False


@dataclasses.dataclass(frozen=True)
class QuotaSettings:
    """Compute quotas ([quota]): defaults (-1 is unlimited) and how usage is counted."""

    instances: int = 10
    cores: int = 20
    ram: int = 51200
    metadata_items: int = 128
    key_pairs: int = 100
    server_groups: int = 10
    server_group_members: int = 10
    injected_files: int = 5
    injected_file_content_bytes: int = 10240
    injected_file_path_length: int = 255
    # False (legacy): instances, cores and RAM counted in every cell (a down cell counts 0).
    # True: cores and RAM from placement usages, instances from the instance mappings.
    count_usage_from_placement: bool = False
    recheck_quota: bool = True  # check again once the instances exist (races)


@dataclasses.dataclass(frozen=True)
class VisionSettings:
    """Face recognition ([vision]): where the models run, input limits, the index."""

    # "cpu", or "cuda" / "auto": a CUDA execution provider when one is present and a device
    # is visible (CUDA_VISIBLE_DEVICES, as compute assigns it), the CPU otherwise.
    device: str = "cpu"
    # The stages: "yunet" or "dlib-hog" (dlib's HOG detector); "sface" or "dlib-resnet"
    # (dlib's 5-point chips and ResNet descriptor). The dlib ones need the `dlib` extra and
    # run on the CPU; embeddings of one embedder are not comparable with the other's.
    detector: str = "yunet"
    embedder: str = "sface"
    threads: int = 0  # threads of each model (0: one pool shared by both, one per core)
    detector_score: float = 0.8  # YuNet's score a detection needs to count as a face
    detect_max_side: int = 2048  # larger images are scaled down for detection only
    max_image_bytes: int = 10 << 20  # a larger upload is a 413
    max_image_pixels: int = 25_000_000  # a larger image (decompression bomb) is a 400
    max_bulk_bytes: int = 64 << 20  # one bulk enroll request
    embed_batch: int = 32  # faces embedded per model call
    # SFace embeds each face and its mirror image and adds the two (test-time augmentation):
    # cross-validated verification 98.8 -> 99.1 % on the development pairs, for twice the
    # embedding time.
    flip_test: bool = True
    ann_min_size: int = 20000  # galleries this large are searched by IVF, not exhaustively
    workers: int = 1  # bulk enroll jobs run at once


@dataclasses.dataclass(frozen=True)
class LoadBalancerSettings:
    """The load-balancer service ([loadbalancer]): provider, data plane, controller, quotas."""

    # "amphora" (HAProxy processes on this host) or "noop_driver" (API only, nothing serves).
    default_provider: str = "amphora"
    haproxy_binary: str = "haproxy"
    default_topology: str = "SINGLE"  # a flavor's loadbalancer_topology overrides it
    # The network VIPs come from, made at start-up: "lb-vip-net" (external, so every project
    # sees it) with a subnet on this loopback range (all of 127/8 is local on Linux).
    # Empty: none is made.
    vip_cidr: str = "127.77.0.0/16"
    # ACTIVE_STANDBY pairs need a VIP that can move between two network namespaces, so not
    # a loopback one: "lb-ha-net" gets this subnet (RFC 2544's benchmarking range: on this
    # host only, on the bridge each pair makes). Empty: no such network.
    ha_vip_cidr: str = "198.18.77.0/24"
    health_check_interval: float = 1.0  # seconds between reads of each data plane's health
    stop_on_exit: bool = True  # a clean shutdown stops the HAProxy processes too
    # Octavia's quotas per project, -1 unlimited.
    quota_load_balancer: int = -1
    quota_listener: int = -1
    quota_pool: int = -1
    quota_member: int = -1
    quota_health_monitor: int = -1
    quota_l7policy: int = -1
    quota_l7rule: int = -1
    # Tests only: exit the process (os._exit) at this controller step ("" never), to show
    # that a restart settles everything.
    crash_at_step: str = ""


@dataclasses.dataclass(frozen=True)
class AuthSettings:
    """How a service running alone (``pocketstack serve <service>``) reaches identity."""

    identity_url: str = ""  # e.g. http://ctl:8080/identity
    username: str = "admin"
    password: str = ""
    project: str = "admin"
    token_cache_time: int = 300  # seconds a validated token is trusted (keystonemiddleware's)


@dataclasses.dataclass(frozen=True)
class DatabaseSettings:
    # SQLAlchemy URLs per database name; empty means a SQLite file in the data dir.
    identity: str = ""
    placement: str = ""
    image: str = ""
    network: str = ""
    volume: str = ""
    secrets: str = ""
    vision: str = ""
    loadbalancer: str = ""
    compute_api: str = ""
    # Cell databases: a URL with "{cell}" standing for the cell's name (cell0, cell1...);
    # empty means a SQLite file per cell in the data dir.
    compute_cell: str = ""


@dataclasses.dataclass(frozen=True)
class Settings:
    data_dir: Path
    api: ApiSettings = dataclasses.field(default_factory=ApiSettings)
    identity: IdentitySettings = dataclasses.field(default_factory=IdentitySettings)
    database: DatabaseSettings = dataclasses.field(default_factory=DatabaseSettings)
    auth: AuthSettings = dataclasses.field(default_factory=AuthSettings)
    image: ImageSettings = dataclasses.field(default_factory=ImageSettings)
    compute: ComputeSettings = dataclasses.field(default_factory=ComputeSettings)
    cells: CellsSettings = dataclasses.field(default_factory=CellsSettings)
    quota: QuotaSettings = dataclasses.field(default_factory=QuotaSettings)
    vision: VisionSettings = dataclasses.field(default_factory=VisionSettings)
    loadbalancer: LoadBalancerSettings = dataclasses.field(default_factory=LoadBalancerSettings)
    pci: PciSettings = dataclasses.field(default_factory=PciSettings)
    devices: DevicesSettings = dataclasses.field(default_factory=DevicesSettings)
    # [policy]: operator overrides of policy rules, rule name -> check string (as an
    # oslo.policy policy.yaml), e.g. "compute:servers:resize:cross_cell" = "role:admin".
    policy: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def policy_for(self, rules: Mapping[str, str]) -> dict[str, str]:
        """The overrides of the rules a service knows."""
        return {name: check for name, check in self.policy.items() if name in rules}

    @property
    def public_url(self) -> str:
        if self.api.public_url:
            return self.api.public_url.rstrip("/")
        return f"http://{self.api.host}:{self.api.port}"

    def database_url(self, name: str) -> str:
        configured = str(getattr(self.database, name, "") or "")
        if configured:
            return configured
        return f"sqlite+aiosqlite:///{self.data_dir / 'db' / (name + '.sqlite')}"

    def cell_database_url(self, cell: str) -> str:
        """The database of the cell named ``cell`` (the default for new cell mappings)."""
        template = self.database.compute_cell
        if template:
            return template.replace("{cell}", cell)
        return f"sqlite+aiosqlite:///{self.data_dir / 'db' / ('compute_' + cell + '.sqlite')}"

    def cell_transport_url(self, cell: str) -> str:
        """The bus of the cell named ``cell`` (``api`` for the API-level bus)."""
        base = self.compute.transport_url
        if not base:
            return f"memory://{cell}"
        return base.rstrip("/") + "/" + self.compute.vhost_prefix + cell

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "fernet-keys"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"


_T = TypeVar("_T")


def _coerce(value: str, like: object) -> object:
    if isinstance(like, tuple):  # a JSON list in the environment
        found = json.loads(value)
        return tuple(str(v) if not isinstance(v, (dict, list)) else json.dumps(v)
                     for v in (found if isinstance(found, list) else [found]))
    if isinstance(like, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(like, int):
        return int(value)
    if isinstance(like, float):
        return float(value)
    return value


def _tuple(value: Any) -> Any:
    """TOML lists as tuples (settings are frozen); JSON objects given as tables, as text."""
    if isinstance(value, list):
        return tuple(json.dumps(v) if isinstance(v, dict) else v for v in value)
    return value


def _devices_section(raw: dict[str, Any], env: Mapping[str, str]) -> DevicesSettings:
    """[devices] and the [mdev_<type>] sections of the types it enables."""
    options = dict(raw.get("devices", {}))
    types = {name[len("mdev_"):]: _build_section(MdevTypeSettings, section, env, name)
             for name, section in raw.items() if name.startswith("mdev_")}
    if "enabled_mdev_types" in options or types:
        options["mdev"] = types
    return _build_section(DevicesSettings, options, env, "devices")


def _build_section(cls: type[_T], raw: Mapping[str, Any], env: Mapping[str, str], name: str) -> _T:
    known = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(raw) - set(known)
    if unknown:
        raise ValueError(f"unknown option(s) in [{name}]: {', '.join(sorted(unknown))}")
    defaults = cls()
    values: dict[str, Any] = {k: _tuple(v) for k, v in raw.items()}
    for field_name in known:
        key = f"{ENV_PREFIX}{name.upper()}__{field_name.upper()}"
        if key in env:
            values[field_name] = _coerce(env[key], getattr(defaults, field_name))
    return cls(**values)


def load_settings(
    data_dir: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """Read settings from ``<data_dir>/pocketstack.toml`` and the environment."""
    env = os.environ if env is None else env
    if data_dir is None:
        data_dir = env.get(f"{ENV_PREFIX}DATA_DIR") or Path.home() / ".local/share/pocketstack"
    root = Path(data_dir).expanduser().resolve()
    raw: dict[str, Any] = {}
    config_file = Path(env.get(f"{ENV_PREFIX}CONFIG", root / CONFIG_FILE))
    if config_file.is_file():
        raw = tomllib.loads(config_file.read_text())
    for section, options in (overrides or {}).items():
        raw.setdefault(section, {}).update(options)
    unknown = {name for name in raw if not name.startswith("mdev_")} - {
        "api", "identity", "database", "auth", "image", "compute", "cells", "quota",
        "vision", "policy", "pci", "devices", "loadbalancer"}
    if unknown:
        raise ValueError(f"unknown section(s) in {config_file}: {', '.join(sorted(unknown))}")
    return Settings(
        data_dir=root,
        api=_build_section(ApiSettings, raw.get("api", {}), env, "api"),
        identity=_build_section(IdentitySettings, raw.get("identity", {}), env, "identity"),
        database=_build_section(DatabaseSettings, raw.get("database", {}), env, "database"),
        auth=_build_section(AuthSettings, raw.get("auth", {}), env, "auth"),
        image=_build_section(ImageSettings, raw.get("image", {}), env, "image"),
        compute=_build_section(ComputeSettings, raw.get("compute", {}), env, "compute"),
        cells=_build_section(CellsSettings, raw.get("cells", {}), env, "cells"),
        quota=_build_section(QuotaSettings, raw.get("quota", {}), env, "quota"),
        vision=_build_section(VisionSettings, raw.get("vision", {}), env, "vision"),
        loadbalancer=_build_section(
            LoadBalancerSettings, raw.get("loadbalancer", {}), env, "loadbalancer"),
        policy=_policy_section(raw.get("policy", {})),
        pci=_build_section(PciSettings, raw.get("pci", {}), env, "pci"),
        devices=_devices_section(raw, env),
    )


def _policy_section(raw: Any) -> dict[str, str]:
    if not isinstance(raw, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise ValueError("[policy] maps rule names to check strings")
    return dict(raw)
