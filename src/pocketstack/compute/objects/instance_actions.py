"""Instance actions and their events (``os-instance-actions``), in the instance's cell.

An action is what a request asked (``create``, ``stop``, ``reboot``...), keyed by instance and
request id; its events are the steps that ran it (``compute_stop_instance``...) with their
result. A failed event marks its action's message ``Error``, as Nova does.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.db.cell_models import instance_actions, instance_actions_events
from pocketstack.compute.objects.instances import now

__all__ = ["finish_event", "get_action", "list_actions", "open_action", "record_event",
           "start_action"]


async def start_action(conn: AsyncConnection, *, instance_uuid: str, action: str,
                       request_id: str, user_id: str | None,
                       project_id: str | None) -> int:
    """The action's id, created if this request has none for this instance yet."""
    action_id, _ = await open_action(conn, instance_uuid=instance_uuid, action=action,
                                     request_id=request_id, user_id=user_id,
                                     project_id=project_id)
    return action_id


async def open_action(conn: AsyncConnection, *, instance_uuid: str, action: str,
                      request_id: str, user_id: str | None, project_id: str | None,
                      new_instance: bool = False) -> tuple[int, bool]:
    """``start_action``, and whether it created the action (True) or found it
    (``new_instance``: this transaction created the instance, so it has no action yet)."""
    found = None if new_instance else await _action_id(conn, instance_uuid, request_id)
    if found is not None:
        return found, False
    moment = now()
    result = await conn.execute(_INSERT_ACTION, {
        "action": action, "instance_uuid": instance_uuid, "request_id": request_id,
        "user_id": user_id, "project_id": project_id, "start_time": moment,
        "created_at": moment})
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0]), True


# Built once: every step of every action looks these up.
_ACTION_OF = sa.select(instance_actions.c.id).where(
    instance_actions.c.instance_uuid == sa.bindparam("instance_uuid"),
    instance_actions.c.request_id == sa.bindparam("request_id"))
_EVENT_OF = sa.select(instance_actions_events.c.id).where(
    instance_actions_events.c.action_id == sa.bindparam("action_id"),
    instance_actions_events.c.event == sa.bindparam("event"))


_INSERT_ACTION = sa.insert(instance_actions)
_INSERT_EVENT = sa.insert(instance_actions_events)
_UPDATE_EVENT = sa.update(instance_actions_events).where(
    instance_actions_events.c.id == sa.bindparam("w_id"))
_UPDATE_ACTION = sa.update(instance_actions).where(
    instance_actions.c.id == sa.bindparam("w_id"))


async def _action_id(conn: AsyncConnection, instance_uuid: str, request_id: str) -> int | None:
    found = (await conn.execute(_ACTION_OF, {"instance_uuid": instance_uuid,
                                             "request_id": request_id})).first()
    return None if found is None else int(found.id)


async def record_event(conn: AsyncConnection, *, instance_uuid: str, request_id: str,
                       event: str, host: str | None, result: str | None = None,
                       details: str | None = None, traceback: str | None = None,
                       new_action: int | None = None) -> None:
    """Start ``event`` (``result`` None), or finish it with ``Success``/``Error``; an event
    finished without having started is recorded whole. Unknown actions are ignored.
    ``new_action``: the id of the action this transaction just created (it has no events
    yet), for its first event."""
    action_id = (new_action if new_action is not None
                 else await _action_id(conn, instance_uuid, request_id))
    if action_id is None:
        return
    moment = now()
    existing = None if new_action is not None else (await conn.execute(
        _EVENT_OF, {"action_id": action_id, "event": event})).first()
    if existing is None:
        await conn.execute(_INSERT_EVENT, {
            "action_id": action_id, "event": event, "result": result, "host": host,
            "details": details, "traceback": traceback, "start_time": moment,
            "created_at": moment, "finish_time": moment if result else None})
    elif result is not None:
        await conn.execute(_UPDATE_EVENT, {
            "w_id": existing.id, "result": result, "finish_time": moment,
            "updated_at": moment, "details": details, "traceback": traceback})
    if result is not None:
        finished = {"w_id": action_id, "finish_time": moment, "updated_at": moment}
        if result == "Error":
            finished["message"] = "Error"
        await conn.execute(_UPDATE_ACTION, finished)


finish_event = record_event


async def list_actions(conn: AsyncConnection, instance_uuid: str) -> list[dict[str, Any]]:
    """The instance's actions, newest first."""
    rows = await conn.execute(
        sa.select(instance_actions).where(instance_actions.c.instance_uuid == instance_uuid)
        .order_by(instance_actions.c.created_at.desc(), instance_actions.c.id.desc()))
    return [dict(row) for row in rows.mappings()]


async def get_action(conn: AsyncConnection, instance_uuid: str,
                     request_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """An action and its events (newest first, as Nova lists them), or None."""
    row = (await conn.execute(sa.select(instance_actions).where(
        instance_actions.c.instance_uuid == instance_uuid,
        instance_actions.c.request_id == request_id))).mappings().first()
    if row is None:
        return None
    events = await conn.execute(
        sa.select(instance_actions_events).where(instance_actions_events.c.action_id == row["id"])
        .order_by(instance_actions_events.c.created_at.desc(),
                  instance_actions_events.c.id.desc()))
    return dict(row), [dict(e) for e in events.mappings()]
