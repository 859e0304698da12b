"""The real ``openstack`` CLI resizes and cold-migrates a server within a cell and across
cells (spec §4), on the scaled-out backends: PostgreSQL databases and RabbitMQ vhosts.

Two cells of two hosts each; the operator lets admins move servers across cells
(``[policy]`` ``compute:servers:resize:cross_cell``). A plain resize or migrate still stays
in the server's cell (the scheduler weighs its own cell first); a migrate to a named host
of the other cell is a cross-cell move, and so is a resize when the server's cell has no
other enabled host. Afterwards the migration records (newest first, each cross-cell move
once) and the instance actions with their events tell the story.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import RunningCloud

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

SERVER = "mover"
HOSTS = {"cell1": ("cell1-host1", "cell1-host2"), "cell2": ("cell2-host1", "cell2-host2")}
CROSS_CELL_RULE = '"compute:servers:resize:cross_cell" = "rule:context_is_admin"'

# (action, whether it crossed cells) -> its events, each with the host that recorded it:
# the move's "source" or "dest" host, or none for the super-conductor's own.
SAME_CELL_MOVE = [("conductor_migrate_server", None), ("compute_prep_resize", "dest"),
                  ("compute_resize_instance", "source"), ("compute_finish_resize", "dest")]
CROSS_CELL_MOVE = [("conductor_migrate_server", None),
                   ("compute_prep_snapshot_based_resize_at_dest", "dest"),
                   ("compute_prep_snapshot_based_resize_at_source", "source"),
                   ("compute_finish_snapshot_based_resize_at_dest", "dest")]
EVENTS: dict[tuple[str, bool], list[tuple[str, str | None]]] = {
    ("resize", False): SAME_CELL_MOVE,
    ("migrate", False): SAME_CELL_MOVE,
    ("resize", True): CROSS_CELL_MOVE,
    ("migrate", True): CROSS_CELL_MOVE,
    ("confirmResize", False): [("compute_confirm_resize", "source")],
    ("confirmResize", True): [("conductor_confirm_snapshot_based_resize", None),
                              ("compute_confirm_snapshot_based_resize_at_source", "source")],
    ("revertResize", False): [("compute_revert_resize", "dest"),
                              ("compute_finish_revert_resize", "source")],
    ("revertResize", True): [("conductor_revert_snapshot_based_resize", None),
                             ("compute_revert_snapshot_based_resize_at_dest", "dest"),
                             ("compute_finish_revert_snapshot_based_resize_at_source",
                              "source")],
}


@dataclass(frozen=True)
class Move:
    """One resize or cold migration as the test made it, and how it ended."""

    kind: str  # the migration_type: "resize" or "migration"
    source: str
    dest: str
    ending: str  # "confirmed" or "reverted"

    @property
    def cross_cell(self) -> bool:
        return _cell(self.source) != _cell(self.dest)

    @property
    def actions(self) -> list[str]:
        """The instance actions it recorded, oldest first."""
        start = "resize" if self.kind == "resize" else "migrate"
        return [start, "confirmResize" if self.ending == "confirmed" else "revertResize"]

    def events(self, action: str) -> list[tuple[str, str, str]]:
        """The events ``action`` should show: (name, result, host), sorted."""
        hosts = {"source": self.source, "dest": self.dest, None: ""}
        return sorted((name, "Success", hosts[side])
                      for name, side in EVENTS[action, self.cross_cell])


def _cell(host: str) -> str:
    return host.split("-")[0]


def _host(shown: dict[str, Any]) -> str:
    return str(shown["OS-EXT-SRV-ATTR:host"])


def _moved(cloud: RunningCloud, flavor: str) -> dict[str, Any]:
    """Wait for VERIFY_RESIZE; the server has the flavor and no task left."""
    shown = cloud.wait_server(SERVER, "VERIFY_RESIZE")
    assert shown["flavor"]["name"] == flavor, shown["flavor"]
    assert (shown["OS-EXT-STS:vm_state"], shown["OS-EXT-STS:task_state"]) == ("resized", None)
    return shown


def _settled(cloud: RunningCloud, flavor: str, host: str) -> dict[str, Any]:
    """Wait for ACTIVE after a confirm or revert; the server has the flavor, on ``host``."""
    shown = cloud.wait_server(SERVER, "ACTIVE")
    assert (shown["flavor"]["name"], _host(shown)) == (flavor, host), shown
    assert shown["OS-EXT-STS:task_state"] is None
    return shown


def _migrations(cloud: RunningCloud, *args: str, version: str | None = None
                ) -> list[dict[str, Any]]:
    pinned = ("--os-compute-api-version", version) if version else ()
    listed: list[dict[str, Any]] = cloud.cli_json(*pinned, "server", "migration", "list",
                                                  *args)
    return listed


def _only_once(cloud: RunningCloud, server_id: str, status: str) -> None:
    """The server is listed once (a cross-cell move keeps a hidden copy in the other cell)
    and no "<server>-resize-temp" snapshot image is left behind."""
    listed = cloud.cli_json("server", "list")
    assert [(s["ID"], s["Status"]) for s in listed] == [(server_id, status)], listed
    images = [i["Name"] for i in cloud.cli_json("image", "list")]
    assert images == ["img"], images


def _configure(cloud: RunningCloud, backends: dict[str, str]) -> None:
    cloud.configure(
        "hosts_per_cell = 2\n"
        "[quota]\n"
        "cores = -1\n"
        "ram = -1\n"
        "[policy]\n"
        f"{CROSS_CELL_RULE}\n", backends=backends)


def test_resize_and_cold_migrate_within_and_across_cells(cloud_factory: RunningCloud,
                                                         backends: dict[str, str]) -> None:
    cloud = cloud_factory
    _configure(cloud, backends)
    cloud.start()
    hosts = {s["Host"] for s in cloud.cli_json("compute", "service", "list",
                                               "--service", "nova-compute")}
    assert hosts == {h for pair in HOSTS.values() for h in pair}

    disk = cloud.workdir / "disk.img"
    disk.write_bytes(b"\0" * 4096)
    cloud.cli("image", "create", "--disk-format", "raw", "--container-format", "bare",
              "--file", str(disk), "img")
    cloud.cli("network", "create", "net")
    cloud.cli("subnet", "create", "--network", "net", "--subnet-range", "10.31.0.0/24",
              "net-v4")
    made = cloud.cli_json("server", "create", "--flavor", "m1.tiny", "--image", "img",
                          "--network", "net", "--wait", SERVER)
    assert made["status"] == "ACTIVE"
    server_id = made["id"]
    home = _host(made)
    here = _cell(home)
    (neighbour,) = set(HOSTS[here]) - {home}
    there = next(cell for cell in HOSTS if cell != here)
    moves: list[Move] = []

    # -- within the cell: resize up and confirm, resize down and revert ------------------
    # --wait returns at VERIFY_RESIZE (or ACTIVE), polling every 5 s
    resized = cloud.cli("server", "resize", "--flavor", "m1.small", "--wait", SERVER)
    assert "Complete" in resized.stdout
    assert _host(_moved(cloud, "m1.small")) == neighbour  # its own cell first
    (pending,) = _migrations(cloud, "--status", "finished")
    assert (pending["Type"], pending["Source Compute"], pending["Dest Compute"]) == (
        "resize", home, neighbour)
    cloud.cli("server", "resize", "confirm", SERVER)
    _settled(cloud, "m1.small", neighbour)
    moves.append(Move("resize", home, neighbour, "confirmed"))

    cloud.cli("server", "resize", "--flavor", "m1.tiny", SERVER)
    assert _host(_moved(cloud, "m1.tiny")) == home
    cloud.cli("server", "resize", "revert", SERVER)
    _settled(cloud, "m1.small", neighbour)
    moves.append(Move("resize", neighbour, home, "reverted"))

    # -- cold migration within the cell, confirmed with "server migration confirm" -------
    cloud.cli("server", "migrate", SERVER)
    assert _host(_moved(cloud, "m1.small")) == home
    cloud.cli("server", "migration", "confirm", SERVER)
    _settled(cloud, "m1.small", home)
    moves.append(Move("migration", neighbour, home, "confirmed"))

    # -- across cells: migrate to a host of the other cell, confirm ---------------------
    far = HOSTS[there][1]
    cloud.cli("--os-compute-api-version", "2.56", "server", "migrate", "--host", far,
              "--wait", SERVER)
    assert _host(_moved(cloud, "m1.small")) == far
    _only_once(cloud, server_id, "VERIFY_RESIZE")  # two copies of the server now, one hidden
    (pending,) = _migrations(cloud, "--status", "finished")
    assert (pending["Type"], pending["Source Compute"], pending["Dest Compute"]) == (
        "migration", home, far)
    cloud.cli("server", "resize", "confirm", SERVER)
    _settled(cloud, "m1.small", far)
    moves.append(Move("migration", home, far, "confirmed"))

    # -- and back to the first cell, reverted: it stays where it was ---------------------
    cloud.cli("--os-compute-api-version", "2.56", "server", "migrate", "--host", home, SERVER)
    assert _host(_moved(cloud, "m1.small")) == home
    _only_once(cloud, server_id, "VERIFY_RESIZE")
    cloud.cli("server", "resize", "revert", SERVER)
    _settled(cloud, "m1.small", far)
    moves.append(Move("migration", far, home, "reverted"))
    _only_once(cloud, server_id, "ACTIVE")

    # -- a resize that must leave the cell (its neighbour there is disabled), reverted ---
    cloud.cli("compute", "service", "set", "--disable", HOSTS[there][0], "nova-compute")
    cloud.cli("server", "resize", "--flavor", "m1.tiny", SERVER)
    elsewhere = _host(_moved(cloud, "m1.tiny"))
    assert elsewhere in HOSTS[here]
    _only_once(cloud, server_id, "VERIFY_RESIZE")
    cloud.cli("server", "resize", "revert", SERVER)
    _settled(cloud, "m1.small", far)
    moves.append(Move("resize", far, elsewhere, "reverted"))
    cloud.cli("compute", "service", "set", "--enable", HOSTS[there][0], "nova-compute")

    # -- the migration records: newest first, each move once ----------------------------
    newest_first = moves[::-1]
    listed = _migrations(cloud)
    assert [(m["Type"], m["Source Compute"], m["Dest Compute"], m["Status"])
            for m in listed] == [(m.kind, m.source, m.dest, m.ending) for m in newest_first]
    assert {m["Server UUID"] for m in listed} == {server_id}
    assert len({m["UUID"] for m in listed}) == len({m["Id"] for m in listed}) == len(moves)
    assert _migrations(cloud, "--server", SERVER) == listed
    for status in ("confirmed", "reverted"):
        assert [m["UUID"] for m in _migrations(cloud, "--status", status)] == [
            m["UUID"] for m in listed if m["Status"] == status]
    assert _migrations(cloud, "--status", "finished") == []
    assert [m["UUID"] for m in _migrations(cloud, "--type", "cold-migration")] == [
        m["UUID"] for m in listed if m["Type"] == "migration"]
    shown = cloud.cli_json("server", "show", SERVER)
    latest = _migrations(cloud, "--server", server_id, "--project", shown["project_id"],
                         "--user", shown["user_id"], version="2.80")
    assert [m["UUID"] for m in latest] == [m["UUID"] for m in listed]
    assert {(m["Project"], m["User"]) for m in latest} == {(shown["project_id"],
                                                            shown["user_id"])}

    # -- the instance actions and their events ------------------------------------------
    actions = cloud.cli_json("server", "event", "list", SERVER)
    expected = [(name, move) for move in moves for name in move.actions][::-1]
    assert [a["Action"] for a in actions] == [name for name, _ in expected] + ["create"]
    assert {a["Server ID"] for a in actions} == {server_id}
    for action, (name, move) in zip(actions[:-1], expected, strict=True):
        detail = cloud.cli_json("server", "event", "show", SERVER, action["Request ID"])
        assert (detail["action"], detail["request_id"]) == (name, action["Request ID"])
        # the order of events is not asserted: Nova lists them newest first
        events = sorted((e["event"], e["result"], e["host"] or "") for e in detail["events"])
        assert events == move.events(name), (name, move, events)

    # -- done: delete, nothing left, a clean stop ---------------------------------------
    cloud.cli("server", "delete", "--wait", SERVER)
    assert cloud.cli_json("server", "list") == []
    assert [i["Name"] for i in cloud.cli_json("image", "list")] == ["img"]
    stopped = cloud.stop()
    assert stopped.clean, stopped.describe()
