"""The peer for ``bench/identity.py``: upstream OpenStack Keystone, measured the same way.

Installs Keystone from PyPI into its own virtual environment (``WORKDIR/keystone-venv``,
reused when present and importable), sets it up the way a small deployment would
(SQLite, fernet tokens, in-process ``dogpile.cache.memory`` cache, default bcrypt cost) and
serves it with gunicorn (gthread workers, keep-alive) on a free port of 127.0.0.1. Then:

1. Validation as keystonemiddleware does it: ``GET /v3/auth/tokens`` with the service's
   token in ``X-Auth-Token`` and a user's token in ``X-Subject-Token``; median latency
   from one keep-alive client, and the server's CPU time per validation (utime + stime of
   the gunicorn master and its workers, from ``/proc``).
2. Issue: password, project-scoped tokens per second from one client.

Run standalone: ``.venv/bin/python bench/keystone_peer.py [--workdir DIR]`` (a first run
installs Keystone, 35 s to a minute; later runs reuse the venv, about 20 s).
"""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

import peer_venv as peer

KEYSTONE_REQUIREMENT = "keystone"  # the newest release that installs on this Python
SERVER_REQUIREMENT = "gunicorn"
WORKERS = 2  # this bench machine has 2 cores
THREADS = 4
CACHE_BACKEND = "dogpile.cache.memory"
PIP_TIMEOUT_S = 900.0
START_TIMEOUT_S = 60.0
VALIDATIONS = 300
VALIDATE_SECONDS = 20.0
WARMUP = 20
ISSUE_SECONDS = 5.0
ISSUE_MAX = 1000
CHECK = (
    "import importlib.metadata as m, gunicorn, keystone.server.wsgi; "
    "print(m.version('keystone'), m.version('gunicorn'))"
)


@dataclass(frozen=True)
class Install:
    venv: Path
    keystone_version: str
    gunicorn_version: str

    def bin(self, name: str) -> Path:
        return self.venv / "bin" / name


@dataclass(frozen=True)
class Deployment:
    state: Path
    conf: Path
    port: int
    admin_password: str
    bcrypt_rounds: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


# -- installation ---------------------------------------------------------------------------


def ensure_keystone(workdir: Path) -> Install:
    """The venv with Keystone and gunicorn, created and installed from PyPI when missing."""
    venv = workdir / "keystone-venv"
    keystone, gunicorn = peer.ensure_venv(
        venv,
        [KEYSTONE_REQUIREMENT, SERVER_REQUIREMENT],
        CHECK,
        what="Keystone",
        pip_timeout=PIP_TIMEOUT_S,
    )
    return Install(venv, keystone, gunicorn)


# -- deployment -----------------------------------------------------------------------------


def _write_config(state: Path) -> Path:
    for name in ("fernet-keys", "receipt-keys", "credential-keys"):
        (state / name).mkdir(mode=0o700)
    conf = state / "keystone.conf"
    conf.write_text(
        "[DEFAULT]\ndebug = false\n"
        f"[database]\nconnection = sqlite:///{state / 'keystone.db'}\n"
        "[token]\nprovider = fernet\n"
        f"[fernet_tokens]\nkey_repository = {state / 'fernet-keys'}\n"
        f"[fernet_receipts]\nkey_repository = {state / 'receipt-keys'}\n"
        f"[credential]\nkey_repository = {state / 'credential-keys'}\n"
        f"[cache]\nenabled = true\nbackend = {CACHE_BACKEND}\n"
    )
    return conf


def _write_gunicorn_config(state: Path, port: int) -> None:
    # Keystone parses sys.argv with oslo.config, so gunicorn must get no arguments: it
    # reads ./gunicorn.conf.py instead. Unknown names (older gunicorn) are ignored.
    (state / "gunicorn.conf.py").write_text(
        'wsgi_app = "keystone.wsgi.api:application"\n'
        f'bind = "127.0.0.1:{port}"\n'
        f"workers = {WORKERS}\n"
        f"threads = {THREADS}\n"
        'worker_class = "gthread"\n'
        "graceful_timeout = 5\n"
        "control_socket_disable = True\n"
    )


def _bcrypt_rounds(database: Path) -> int:
    with sqlite3.connect(database) as db:
        (hashed,) = db.execute("SELECT password_hash FROM password LIMIT 1").fetchone()
    match = re.match(r"\$2[abxy]?\$(\d+)\$", hashed)
    if match is None:
        raise RuntimeError(f"unexpected password hash format: {hashed[:8]}...")
    return int(match.group(1))


def deploy(install: Install, workdir: Path) -> Deployment:
    """A fresh database and key repositories; db_sync, fernet/credential setup, bootstrap."""
    state = workdir / "keystone-state"
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    conf = _write_config(state)
    port = peer.free_port()
    password = secrets.token_urlsafe(16)
    owner = [
        "--keystone-user",
        pwd.getpwuid(os.getuid()).pw_name,
        "--keystone-group",
        grp.getgrgid(os.getgid()).gr_name,
    ]
    manage = [str(install.bin("keystone-manage")), "--config-file", str(conf)]
    steps: list[list[str]] = [
        ["db_sync"],
        ["fernet_setup", *owner],
        ["credential_setup", *owner],
        [
            "bootstrap",
            "--bootstrap-password",
            password,
            "--bootstrap-region-id",
            "RegionOne",
            "--bootstrap-public-url",
            f"http://127.0.0.1:{port}/v3/",
        ],
    ]
    for step in steps:
        peer.run_or_raise([*manage, *step], f"keystone-manage {step[0]}", 180)
    _write_gunicorn_config(state, port)
    return Deployment(state, conf, port, password, _bcrypt_rounds(state / "keystone.db"))


# -- server ---------------------------------------------------------------------------------


def start_server(install: Install, dep: Deployment) -> subprocess.Popen[bytes]:
    return peer.start_gunicorn(install.venv, dep.state, {"OS_KEYSTONE_CONFIG_FILES": str(dep.conf)})


def wait_up(proc: subprocess.Popen[bytes], dep: Deployment) -> float:
    """Seconds until ``GET /v3`` answers 200 (bounded by START_TIMEOUT_S)."""
    return peer.wait_until(
        proc,
        dep.state,
        "Keystone",
        lambda: httpx.get(f"{dep.base}/v3", timeout=2.0).status_code == 200,
        START_TIMEOUT_S,
    )


stop_server = peer.stop_server


def _server_pids(master: int) -> list[int]:
    pids = [master]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == master:  # fields[1] is the ppid
            pids.append(int(stat.parent.name))
    return sorted(pids)


def _cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


# -- measurements ---------------------------------------------------------------------------


def _password_body(user: str, password: str, project: str) -> dict[str, object]:
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": user, "domain": {"id": "default"}, "password": password}
                },
            },
            "scope": {"project": {"name": project, "domain": {"id": "default"}}},
        }
    }


def _issue(http: httpx.Client, body: dict[str, object]) -> str:
    response = http.post("/v3/auth/tokens", json=body)
    if response.status_code != 201:
        raise RuntimeError(f"token issue: {response.status_code} {response.text[:300]}")
    return response.headers["x-subject-token"]


def _create_user(http: httpx.Client, admin: str) -> tuple[str, str, str]:
    """A project, a user with the member role on it; returns (user, password, project)."""
    headers = {"X-Auth-Token": admin}
    name, password = "bench-user", secrets.token_urlsafe(16)
    project = http.post(
        "/v3/projects",
        headers=headers,
        json={"project": {"name": "bench-project", "domain_id": "default"}},
    )
    user = http.post(
        "/v3/users",
        headers=headers,
        json={"user": {"name": name, "password": password, "domain_id": "default"}},
    )
    roles = http.get("/v3/roles", params={"name": "member"}, headers=headers)
    for response in (project, user, roles):
        response.raise_for_status()
    project_id, user_id = project.json()["project"]["id"], user.json()["user"]["id"]
    role_id = roles.json()["roles"][0]["id"]
    http.put(
        f"/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", headers=headers
    ).raise_for_status()
    return name, password, "bench-project"


def measure_validation(
    http: httpx.Client, master: int, admin: str, subject: str
) -> tuple[float, float, int]:
    """(median ms, server CPU ms per validation, validations done)."""
    headers = {"X-Auth-Token": admin, "X-Subject-Token": subject}
    for _ in range(WARMUP):
        http.get("/v3/auth/tokens", headers=headers).raise_for_status()
    pids = _server_pids(master)
    cpu_before = _cpu_seconds(pids)
    times: list[float] = []
    deadline = time.monotonic() + VALIDATE_SECONDS
    while len(times) < VALIDATIONS and time.monotonic() < deadline:
        t0 = time.perf_counter()
        response = http.get("/v3/auth/tokens", headers=headers)
        times.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"validation: {response.status_code} {response.text[:300]}")
    cpu = _cpu_seconds(pids) - cpu_before
    if _server_pids(master) != pids:
        raise RuntimeError("gunicorn workers changed during the validation run")
    return statistics.median(times) * 1e3, cpu / len(times) * 1e3, len(times)


def measure_issue(http: httpx.Client, body: dict[str, object]) -> float:
    """Password tokens per second, one client, ISSUE_SECONDS (at most ISSUE_MAX)."""
    done = 0
    started = time.monotonic()
    while done < ISSUE_MAX and time.monotonic() - started < ISSUE_SECONDS:
        _issue(http, body)
        done += 1
    return done / (time.monotonic() - started)


def measure_keystone(rows: list[tuple[str, str]], *, workdir: Path) -> dict[str, float]:
    """Install (or reuse), deploy, serve and measure upstream Keystone; append rows."""
    workdir.mkdir(parents=True, exist_ok=True)
    install = ensure_keystone(workdir)
    dep = deploy(install, workdir)
    proc = start_server(install, dep)
    try:
        startup = wait_up(proc, dep)
        with httpx.Client(base_url=dep.base, timeout=30.0) as http:
            admin = _issue(http, _password_body("admin", dep.admin_password, "admin"))
            user_body = _password_body(*_create_user(http, admin))
            subject = _issue(http, user_body)
            validate_ms, cpu_ms, n = measure_validation(http, proc.pid, admin, subject)
            issue_per_s = measure_issue(http, user_body)
    finally:
        stop_server(proc)
    setup = (
        f"keystone {install.keystone_version}, gunicorn {install.gunicorn_version} gthread "
        f"{WORKERS}x{THREADS}, SQLite, {CACHE_BACKEND}"
    )
    rounds = dep.bcrypt_rounds
    rows += [
        ("upstream Keystone (peer)", setup),
        (f"  Keystone validation, GET /v3/auth/tokens (median of {n})", f"{validate_ms:.2f} ms"),
        ("  Keystone server CPU per validation", f"{cpu_ms:.2f} ms"),
        (f"  Keystone token issue, 1 client (bcrypt cost {rounds})", f"{issue_per_s:.1f} /s"),
        ("  Keystone start (gunicorn spawn to first GET /v3)", f"{startup:.2f} s"),
    ]
    return {
        "validate_ms": validate_ms,
        "validate_cpu_ms": cpu_ms,
        "issue_per_s": issue_per_s,
        "bcrypt_rounds": float(dep.bcrypt_rounds),
        "startup_s": startup,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(tempfile.gettempdir()) / "pocketstack-keystone-peer"
    parser.add_argument("--workdir", type=Path, default=default)
    args = parser.parse_args()
    rows: list[tuple[str, str]] = []
    started = time.monotonic()
    measure_keystone(rows, workdir=args.workdir)
    rows.append(("bench run time (this script)", f"{time.monotonic() - started:.1f} s"))
    width = max(len(name) for name, _ in rows)
    print(f"{'measure'.ljust(width)}  value")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
