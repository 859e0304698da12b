"""The credentials a command-line tool uses to reach a running cloud: the ``OS_*`` variables
when set, else the ``clouds.yaml`` that ``pocketstack up`` writes into its data dir."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import yaml

__all__ = ["Credentials", "NoCredentials", "load_credentials", "service_url"]

DEFAULT_DATA_DIR = "~/.local/share/pocketstack"


class NoCredentials(LookupError):
    """Neither ``OS_*`` variables nor a clouds.yaml."""


@dataclasses.dataclass(frozen=True)
class Credentials:
    auth_url: str
    username: str
    password: str
    project: str


def load_credentials(data_dir: Path | None, env: Mapping[str, str]) -> Credentials:
    if env.get("OS_AUTH_URL") and env.get("OS_PASSWORD"):
        return Credentials(env["OS_AUTH_URL"], env.get("OS_USERNAME", "admin"),
                           env["OS_PASSWORD"], env.get("OS_PROJECT_NAME", "admin"))
    root = data_dir or Path(env.get("POCKETSTACK_DATA_DIR", DEFAULT_DATA_DIR))
    path = root.expanduser() / "clouds.yaml"
    if not path.is_file():
        raise NoCredentials(f"no credentials: set OS_* variables or run up ({path})")
    auth = yaml.safe_load(path.read_text())["clouds"]["pocketstack"]["auth"]
    return Credentials(auth["auth_url"], auth["username"], auth["password"],
                       auth["project_name"])


def service_url(auth_url: str, path: str) -> str:
    """A service of the same cloud beside identity: ``.../identity/v3`` -> ``...<path>``."""
    base = auth_url.rstrip("/")
    for suffix in ("/v3", "/identity"):
        base = base.removesuffix(suffix)
    return base + path
