"""The ``pocketstack`` command: ``up`` starts the all-in-one cloud; admin commands beside it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import logging.handlers
import os
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pocketstack import __version__
from pocketstack.common.settings import Settings, load_settings
from pocketstack.face_cli import face

if TYPE_CHECKING:
    from pocketstack.compute.client import ComputeClient
    from pocketstack.compute.manage import CellCommands, Outcome

__all__ = ["main"]

_DATA_DIR = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="POCKETSTACK_DATA_DIR",
    default=None, help="Where state lives (default ~/.local/share/pocketstack).")


def _setup_logging(settings: Settings, verbose: bool) -> None:
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    to_file = logging.handlers.RotatingFileHandler(
        settings.log_dir / "pocketstack.log", maxBytes=20_000_000, backupCount=3)
    to_file.setFormatter(fmt)
    root.addHandler(to_file)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(fmt)
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    root.addHandler(console)


@click.group()
@click.version_option(__version__, prog_name="pocketstack")
def main() -> None:
    """Pocketstack: an OpenStack-compatible cloud in one process."""


@main.command()
@_DATA_DIR
@click.option("--port", type=int, default=None, help="Port on 127.0.0.1 (default 8080).")
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--reset", is_flag=True, help="Delete all state in the data dir first.")
@click.option("--verbose", "-v", is_flag=True, help="Log requests to the console too.")
def up(data_dir: Path | None, port: int | None, host: str | None, reset: bool,
       verbose: bool) -> None:
    """Start the cloud all-in-one: every service on one port."""
    from pocketstack.allinone import CloudApp

    settings = _settings(data_dir, port, host)
    if reset and settings.data_dir.exists():
        shutil.rmtree(settings.data_dir)
    _setup_logging(settings, verbose)
    clouds = settings.data_dir / "clouds.yaml"
    click.echo(f"Pocketstack {__version__} starting on {settings.public_url} "
               f"(data in {settings.data_dir})", err=True)
    _run(CloudApp(settings), settings,
         f"Pocketstack is up at {settings.public_url}\n"
         f"  export OS_CLIENT_CONFIG_FILE={clouds} OS_CLOUD=pocketstack\n"
         f"  openstack token issue\n"
         f"(or: source {settings.data_dir / 'openrc'}). Ctrl-C stops it.")


def _settings(data_dir: Path | None, port: int | None, host: str | None) -> Settings:
    api: dict[str, object] = {}
    if port is not None:
        api["port"] = port
    if host is not None:
        api["host"] = host
    return load_settings(data_dir, overrides={"api": api})


def _run(app: object, settings: Settings, banner: str) -> None:
    """Serve ``app`` with uvicorn until Ctrl-C; print ``banner`` once it listens."""
    import uvicorn

    config = uvicorn.Config(app, host=settings.api.host, port=settings.api.port,  # type: ignore[arg-type]
                            loop="uvloop", http="httptools", lifespan="on", log_config=None,
                            access_log=False, server_header=False)
    server = uvicorn.Server(config)
    original_startup = server.startup

    async def startup(sockets: object = None) -> None:
        await original_startup(sockets=sockets)  # type: ignore[arg-type]
        if server.started:
            click.echo(banner, err=True)

    server.startup = startup  # type: ignore[method-assign]
    # uvicorn re-raises the Ctrl-C it has already answered with a graceful shutdown.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(1)


@main.command()
@click.argument("service")
@_DATA_DIR
@click.option("--port", type=int, default=None, help="Port (default [api] port).")
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--verbose", "-v", is_flag=True, help="Log requests to the console too.")
def serve(service: str, data_dir: Path | None, port: int | None, host: str | None,
          verbose: bool) -> None:
    """Run one service alone (scaled out); it validates tokens through [auth] identity_url."""
    from pocketstack.allinone import CloudApp
    from pocketstack.standalone import open_standalone, service_names

    if service not in service_names():
        raise click.BadParameter(f"one of: {', '.join(service_names())}", param_hint="SERVICE")
    settings = _settings(data_dir, port, host)
    _setup_logging(settings, verbose)
    _run(CloudApp(settings, lambda: open_standalone(settings, service)), settings,
         f"{service} is up at {settings.public_url}/{service}")


@main.group()
def token() -> None:
    """Token administration."""


@token.command()
@_DATA_DIR
def rotate(data_dir: Path | None) -> None:
    """Rotate the Fernet keys: promote the staged key to primary, stage a new one."""
    from pocketstack.identity.tokens.keys import KeyRepository

    settings = load_settings(data_dir)
    keys = KeyRepository(settings.keys_dir, max_active_keys=settings.identity.max_active_keys)
    if not settings.keys_dir.is_dir():
        raise click.ClickException(f"no key repository in {settings.keys_dir}; start the "
                                   "cloud once first")
    left = keys.rotate()
    click.echo(f"rotated: primary key {max(left)}, staged key 0, {len(left)} keys in "
               f"{settings.keys_dir}")


@main.group()
def cell() -> None:
    """Cells v2 administration (the ``nova-manage cell_v2`` commands)."""


def _cell_commands(data_dir: Path | None) -> CellCommands:
    from pocketstack.compute.manage import CellCommands

    return CellCommands(load_settings(data_dir))


def _finish(outcome: Outcome) -> None:
    for line in outcome.lines:
        click.echo(line, err=outcome.code != 0 and not line.startswith(("+", "|")))
    sys.exit(outcome.code)


@cell.command("map-cell0")
@_DATA_DIR
@click.option("--database-connection", "--database_connection", default=None,
              help="cell0's database URL (default: the [database] compute_cell template).")
def map_cell0(data_dir: Path | None, database_connection: str | None) -> None:
    """Create the cell0 mapping (nothing to do when it exists)."""
    _finish(asyncio.run(_cell_commands(data_dir).map_cell0(database_connection)))


@cell.command("create")
@_DATA_DIR
@click.option("--name", default=None)
@click.option("--transport-url", default=None, help="The cell's bus (default from settings).")
@click.option("--database-connection", "--database_connection", default=None)
@click.option("--disabled", is_flag=True, help="Create it disabled (not scheduled to).")
@click.option("--verbose", is_flag=True, help="Print the new cell's uuid.")
def create_cell(data_dir: Path | None, name: str | None, transport_url: str | None,
                database_connection: str | None, disabled: bool, verbose: bool) -> None:
    """Create a cell mapping (exit 2: another cell has the same bus and database)."""
    _finish(asyncio.run(_cell_commands(data_dir).create(
        name, transport_url, database_connection, disabled, verbose)))


@contextlib.asynccontextmanager
async def _compute_client(data_dir: Path | None) -> AsyncIterator[ComputeClient]:
    """A client of the running cloud's compute API with the admin's credentials."""
    from pocketstack.common.credentials import load_credentials, service_url
    from pocketstack.compute.client import ComputeClient
    from pocketstack.identity.client import PasswordTokenSource

    found = load_credentials(data_dir, dict(os.environ))
    tokens = PasswordTokenSource(found.auth_url, found.username, found.password, found.project)
    client = ComputeClient(service_url(found.auth_url, "/compute/v2.1"), tokens=tokens,
                           timeout=10)
    try:
        yield client
    finally:
        await client.close()
        await tokens.close()


@cell.command("list")
@_DATA_DIR
@click.option("--verbose", is_flag=True, help="Show passwords in URLs.")
def list_cells(data_dir: Path | None, verbose: bool) -> None:
    """List the cell mappings, with each cell's health when the cloud is running."""
    from pocketstack.common.credentials import NoCredentials
    from pocketstack.compute.manage import cloud_health

    async def go() -> Outcome:
        health = None
        with contextlib.suppress(NoCredentials):
            async with _compute_client(data_dir) as client:
                health = await cloud_health(client)
        return await _cell_commands(data_dir).list(verbose, health)

    _finish(asyncio.run(go()))


@cell.command("fault")
@click.argument("cell_ref", metavar="CELL")
@_DATA_DIR
@click.option("--db", type=click.Choice(["blackhole", "refuse", "heal"]), default=None,
              help="Cut the cell's database connections off (or heal them).")
@click.option("--bus", type=click.Choice(["blackhole", "refuse", "heal"]), default=None,
              help="Cut the cell's message bus off (or heal it).")
def fault(cell_ref: str, data_dir: Path | None, db: str | None, bus: str | None) -> None:
    """Cut a running cloud's cell (name or uuid) off, for rehearsals: blackhole (packets
    vanish), refuse (connections refused) or heal. Needs [cells] fault_injection."""
    from pocketstack.common.credentials import NoCredentials
    from pocketstack.compute.manage import set_fault

    parts = {k: v for k, v in (("db", db), ("bus", bus)) if v is not None}
    if not parts:
        raise click.UsageError("give --db and/or --bus")

    async def go() -> Outcome:
        async with _compute_client(data_dir) as client:
            return await set_fault(client, cell_ref, parts)

    try:
        _finish(asyncio.run(go()))
    except NoCredentials as error:
        raise click.ClickException(str(error)) from None


@cell.command("update")
@_DATA_DIR
@click.option("--cell-uuid", "--cell_uuid", required=True)
@click.option("--name", default=None)
@click.option("--transport-url", default=None)
@click.option("--database-connection", "--database_connection", default=None)
@click.option("--disable", is_flag=True)
@click.option("--enable", is_flag=True)
def update_cell(data_dir: Path | None, cell_uuid: str, name: str | None,
                transport_url: str | None, database_connection: str | None, disable: bool,
                enable: bool) -> None:
    """Change a cell mapping; --disable keeps the scheduler away from it."""
    _finish(asyncio.run(_cell_commands(data_dir).update(
        cell_uuid, name, transport_url, database_connection, disable, enable)))


@cell.command("delete")
@_DATA_DIR
@click.option("--cell-uuid", "--cell_uuid", required=True)
@click.option("--force", is_flag=True, help="Also delete its host mappings and the mappings "
              "of its deleted instances.")
def delete_cell(data_dir: Path | None, cell_uuid: str, force: bool) -> None:
    """Delete an empty cell mapping (exit 2 hosts, 3 instances, 4 deleted instances)."""
    _finish(asyncio.run(_cell_commands(data_dir).delete(cell_uuid, force)))


@cell.command("discover-hosts")
@_DATA_DIR
@click.option("--cell-uuid", "--cell_uuid", default=None)
@click.option("--strict", is_flag=True, help="Exit 1 unless a host was newly mapped.")
@click.option("--verbose", is_flag=True)
def discover_hosts(data_dir: Path | None, cell_uuid: str | None, strict: bool,
                   verbose: bool) -> None:
    """Map the compute hosts of the cells that have no host mapping yet."""
    _finish(asyncio.run(_cell_commands(data_dir).discover_hosts(cell_uuid, strict, verbose)))


@cell.command("list-hosts")
@_DATA_DIR
@click.option("--cell-uuid", "--cell_uuid", default=None)
def list_hosts(data_dir: Path | None, cell_uuid: str | None) -> None:
    """List the host mappings."""
    _finish(asyncio.run(_cell_commands(data_dir).list_hosts(cell_uuid)))


@cell.command("delete-host")
@_DATA_DIR
@click.option("--cell-uuid", "--cell_uuid", required=True)
@click.option("--host", required=True)
def delete_host(data_dir: Path | None, cell_uuid: str, host: str) -> None:
    """Delete a host mapping (the host must have no instances)."""
    _finish(asyncio.run(_cell_commands(data_dir).delete_host(cell_uuid, host)))


main.add_command(face)
