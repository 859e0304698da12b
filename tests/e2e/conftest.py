"""End-to-end fixtures: a real ``pocketstack up`` process and the real ``openstack`` CLI.

The session-scoped :func:`cloud` fixture starts one server on a free port with a fresh data
dir and stops it with SIGINT (Ctrl-C) at the end, asserting that it stopped cleanly. Tests
that need their own server (restart, ``--reset``) use :func:`cloud_factory`.

Passwords are hashed with bcrypt cost 4 here (``POCKETSTACK_IDENTITY__PASSWORD_HASH_ROUNDS``)
so the many logins stay cheap; the default cost 12 is not exercised by this suite.

Every CLI call runs from a clean environment: inherited ``OS_*`` and ``POCKETSTACK_*``
variables are dropped and the working directory is an empty temporary folder, so neither a
developer's ``clouds.yaml`` nor their shell can leak into a test.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.lb_backends import ha_vip_cidr, vip_cidr

BIN = Path(sys.executable).parent
POCKETSTACK = BIN / "pocketstack"
OPENSTACK = BIN / "openstack"

CLI_TIMEOUT_S = 60.0
STARTUP_TIMEOUT_S = 20.0
SHUTDOWN_TIMEOUT_S = 15.0
SERVER_ENV = {"POCKETSTACK_IDENTITY__PASSWORD_HASH_ROUNDS": "4"}

# Password-auth variables; the token and app-credential plugins refuse them (spec section 3).
USER_VARS = ("OS_USERNAME", "OS_PASSWORD", "OS_USER_DOMAIN_NAME", "OS_USER_DOMAIN_ID")
SCOPE_VARS = ("OS_PROJECT_NAME", "OS_PROJECT_ID", "OS_PROJECT_DOMAIN_NAME", "OS_PROJECT_DOMAIN_ID")


def _without(env: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in names}


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment without any ``OS_*`` or ``POCKETSTACK_*`` variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "POCKETSTACK_"))}
    env.update(extra or {})
    return env


def parse_openrc(path: Path) -> dict[str, str]:
    """The ``export NAME=value`` lines of an openrc file, as a dict."""
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        words = shlex.split(line, comments=True)
        if len(words) >= 2 and words[0] == "export":
            for word in words[1:]:
                name, _, value = word.partition("=")
                found[name] = value
    return found


def run_cli(
    *args: str, env: Mapping[str, str], check: bool = True, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``openstack`` console script; on ``check`` a non-zero exit fails the test."""
    proc = subprocess.run(
        [str(OPENSTACK), *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )
    if check and proc.returncode != 0:
        pytest.fail(
            f"openstack {shlex.join(args)} exited {proc.returncode}\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}",
            pytrace=False,
        )
    return proc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Exit:
    """How a server process ended."""

    returncode: int
    stderr: str
    killed: bool

    @property
    def clean(self) -> bool:
        # 0, or the conventional Ctrl-C statuses; never a traceback or click's "Aborted!".
        ok_status = self.returncode in (0, 130, -signal.SIGINT)
        return (
            ok_status
            and not self.killed
            and not any(marker in self.stderr for marker in ("Traceback", "Aborted!"))
        )

    def describe(self) -> str:
        how = "killed after SIGINT timed out" if self.killed else f"exit {self.returncode}"
        return f"{how}; stderr tail:\n{self.stderr[-2000:]}"


@dataclass
class RunningCloud:
    """One ``pocketstack up`` process and the ways a client can reach it."""

    data_dir: Path
    port: int
    workdir: Path
    process: subprocess.Popen[bytes] | None = None
    stderr_path: Path | None = None
    exits: list[Exit] = field(default_factory=list)
    vip_cidr: str = field(default_factory=vip_cidr)  # its load balancers' VIPs

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def identity_url(self) -> str:
        return f"{self.base_url}/identity"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "logs" / "pocketstack.log"

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    # -- starting and stopping ---------------------------------------------------------

    def start(self, *extra: str) -> None:
        assert self.process is None, "already running"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.stderr_path = self.workdir / f"server-{len(self.exits)}.stderr"
        with self.stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(
                [
                    str(POCKETSTACK),
                    "up",
                    "--data-dir",
                    str(self.data_dir),
                    "--port",
                    str(self.port),
                    *extra,
                ],
                env=clean_env({**SERVER_ENV,
                               "POCKETSTACK_LOADBALANCER__VIP_CIDR": self.vip_cidr,
                               "POCKETSTACK_LOADBALANCER__HA_VIP_CIDR": ha_vip_cidr()}),
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"pocketstack up exited {self.process.returncode} at start-up:\n"
                    f"{self._stderr()}",
                    pytrace=False,
                )
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.identity_url, timeout=2.0).status_code < 500:
                    assert (self.data_dir / "clouds.yaml").is_file()
                    assert "Pocketstack is up at" in self._stderr()
                    return
            time.sleep(0.1)
        self.stop()
        pytest.fail(
            f"pocketstack up did not answer GET /identity within {STARTUP_TIMEOUT_S}s:\n"
            f"{self._stderr()}",
            pytrace=False,
        )

    def _stderr(self) -> str:
        assert self.stderr_path is not None
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> Exit:
        """Ctrl-C the server (SIGINT), kill it if it does not stop in time; record the exit."""
        assert self.process is not None, "not running"
        process, self.process = self.process, None
        process.send_signal(signal.SIGINT)
        killed = False
        try:
            process.wait(timeout=SHUTDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=SHUTDOWN_TIMEOUT_S)
            killed = True
        ended = Exit(process.returncode, self._stderr(), killed)
        self.exits.append(ended)
        return ended

    def admin(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``pocketstack ARGS --data-dir DIR`` (an admin command beside the running server)."""
        proc = subprocess.run(
            [str(POCKETSTACK), *args, "--data-dir", str(self.data_dir)],
            env=clean_env(SERVER_ENV),
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_S,
            check=False,
        )
        assert proc.returncode == 0, f"pocketstack {shlex.join(args)}: {proc.stderr}"
        return proc

    # -- client environments -----------------------------------------------------------

    def clouds_env(self, **extra: str) -> dict[str, str]:
        """Auth through the clouds.yaml the server wrote (cloud ``pocketstack``)."""
        return clean_env(
            {
                "OS_CLIENT_CONFIG_FILE": str(self.data_dir / "clouds.yaml"),
                "OS_CLOUD": "pocketstack",
                **extra,
            }
        )

    def openrc_env(self, **extra: str) -> dict[str, str]:
        """Auth through plain ``OS_*`` variables, read from the openrc the server wrote."""
        return clean_env({**parse_openrc(self.data_dir / "openrc"), **extra})

    def user_env(self, username: str, password: str, project: str) -> dict[str, str]:
        """Password auth as another user of the Default domain, scoped to ``project``."""
        return self.openrc_env(OS_USERNAME=username, OS_PASSWORD=password, OS_PROJECT_NAME=project)

    def token_env(self, token: str, project_id: str) -> dict[str, str]:
        """``OS_AUTH_TYPE=token`` scoped by project id, as observed in spec section 2.7."""
        env = _without(self.openrc_env(), USER_VARS + SCOPE_VARS)
        return {**env, "OS_AUTH_TYPE": "token", "OS_TOKEN": token, "OS_PROJECT_ID": project_id}

    def app_cred_env(self, cred_id: str, secret: str) -> dict[str, str]:
        """``OS_AUTH_TYPE=v3applicationcredential``: no user and no scope (the credential's)."""
        env = _without(self.openrc_env(), USER_VARS + SCOPE_VARS)
        return {
            **env,
            "OS_AUTH_TYPE": "v3applicationcredential",
            "OS_APPLICATION_CREDENTIAL_ID": cred_id,
            "OS_APPLICATION_CREDENTIAL_SECRET": secret,
        }

    # -- running the CLI -----------------------------------------------------------------

    def cli(
        self, *args: str, env: Mapping[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """``openstack ARGS`` against this cloud (clouds.yaml auth unless ``env`` is given)."""
        proc = run_cli(
            *args, env=env if env is not None else self.clouds_env(), check=False, cwd=self.workdir
        )
        if check and proc.returncode != 0:
            pytest.fail(
                f"openstack {shlex.join(args)} exited {proc.returncode}\n"
                f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}\n"
                f"server log tail ({self.log_path}):\n{self.log_tail()}",
                pytrace=False,
            )
        return proc

    def cli_json(self, *args: str, env: Mapping[str, str] | None = None) -> Any:
        """``openstack ARGS -f json``, parsed."""
        return json.loads(self.cli(*args, "-f", "json", env=env).stdout)

    def configure(self, toml: str, *, backends: Mapping[str, str] | None = None) -> None:
        """Write the cloud's ``pocketstack.toml`` (before its first start); with
        ``backends``, compute on their scratch PostgreSQL databases and RabbitMQ vhosts,
        ``toml`` going on inside ``[compute]``."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        head = _scaled_out(backends) if backends is not None else ""
        (self.data_dir / "pocketstack.toml").write_text(head + toml)

    def wait_server(self, server: str, status: str, timeout: float = 30.0) -> dict[str, Any]:
        """``server show`` every 0.2 s until the server has ``status`` (bounded)."""
        deadline = time.monotonic() + timeout
        while True:
            shown: dict[str, Any] = self.cli_json("server", "show", server)
            if shown["status"] == status or time.monotonic() > deadline:
                assert shown["status"] == status, shown
                return shown
            time.sleep(0.2)

    def cli_fails(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """Run a command that must fail; returns its stderr."""
        proc = self.cli(*args, env=env, check=False)
        assert proc.returncode != 0, f"openstack {shlex.join(args)} should fail:\n{proc.stdout}"
        return proc.stderr


def _scaled_out(backends: Mapping[str, str]) -> str:
    """The start of a ``pocketstack.toml`` with compute on ``backends``; it ends inside
    ``[compute]``."""
    return ("[database]\n"
            f'compute_api = "{backends["api"]}"\n'
            f'compute_cell = "{backends["cell"]}"\n'
            "[compute]\n"
            f'transport_url = "{backends["transport"]}"\n'
            f'vhost_prefix = "{backends["prefix"]}"\n')


def _assert_stopped_cleanly(cloud: RunningCloud) -> None:
    if cloud.process is not None:
        cloud.stop()
    unclean = [e.describe() for e in cloud.exits if not e.clean]
    assert not unclean, "Ctrl-C did not stop pocketstack cleanly:\n" + "\n".join(unclean)


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCloud]:
    """One cloud for the whole session."""
    root = tmp_path_factory.mktemp("cloud")
    running = RunningCloud(data_dir=root / "data", port=free_port(), workdir=root / "work")
    running.start()
    yield running
    _assert_stopped_cleanly(running)


@pytest.fixture
def cloud_factory(tmp_path: Path) -> Iterator[RunningCloud]:
    """A stopped cloud of the test's own; the test starts and stops it (maybe repeatedly)."""
    own = RunningCloud(data_dir=tmp_path / "data", port=free_port(), workdir=tmp_path / "work")
    yield own
    if own.process is not None:
        own.stop()
