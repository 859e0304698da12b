"""``pocketstack face ...``: the face recognition API from the command line.

Credentials come from ``OS_AUTH_URL``/``OS_USERNAME``/``OS_PASSWORD``/``OS_PROJECT_NAME``
when set, else from the ``clouds.yaml`` that ``pocketstack up`` writes in the data dir; the
service is found beside identity (``.../identity`` -> ``.../face``) unless ``--url`` says.
``bulk-enroll`` takes a folder of ``<Person_Name>/*.jpg`` and shows a progress bar while
the service's enroll jobs run.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from pocketstack.common.client import ServiceError
from pocketstack.common.credentials import NoCredentials, load_credentials, service_url
from pocketstack.identity.client import PasswordTokenSource
from pocketstack.vision.client import VisionClient

__all__ = ["face"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")
_T = TypeVar("_T")

_DATA_DIR = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="POCKETSTACK_DATA_DIR",
    default=None, help="Where clouds.yaml is (default ~/.local/share/pocketstack).")
_URL = click.option("--url", default=None, help="The face service (default: beside identity).")


@asynccontextmanager
async def _client(data_dir: Path | None, url: str | None) -> AsyncIterator[VisionClient]:
    try:
        found = load_credentials(data_dir, dict(os.environ))
    except NoCredentials as error:
        raise click.ClickException(str(error)) from None
    tokens = PasswordTokenSource(found.auth_url, found.username, found.password, found.project)
    client = VisionClient(url or service_url(found.auth_url, "/face"), tokens=tokens,
                          timeout=120)
    try:
        yield client
    finally:
        await client.close()
        await tokens.close()


def _run(data_dir: Path | None, url: str | None,
         work: Callable[[VisionClient], Awaitable[_T]]) -> _T:
    async def go() -> _T:
        async with _client(data_dir, url) as client:
            return await work(client)

    try:
        return asyncio.run(go())
    except ServiceError as error:
        body = error.body.get("error", error.body) if isinstance(error.body, dict) else error.body
        message = body.get("message", body) if isinstance(body, dict) else body
        raise click.ClickException(f"HTTP {error.status}: {message}") from None


def _print_json(body: Any) -> None:
    click.echo(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode())


@click.group()
def face() -> None:
    """Face recognition: galleries of known people, enroll, identify, verify."""


@face.group()
def gallery() -> None:
    """Galleries of the project."""


@gallery.command("create")
@click.argument("name")
@click.option("--threshold", type=float, default=None,
              help="Distance under which a match is the same person (default: the model's).")
@click.option("--description", default=None)
@_DATA_DIR
@_URL
def gallery_create(name: str, threshold: float | None, description: str | None,
                   data_dir: Path | None, url: str | None) -> None:
    made = _run(data_dir, url, lambda c: c.create_gallery(
        name, threshold=threshold, description=description))
    _print_json(made)


@gallery.command("list")
@_DATA_DIR
@_URL
def gallery_list(data_dir: Path | None, url: str | None) -> None:
    found = _run(data_dir, url, lambda c: c.galleries())
    table = Table("id", "name", "faces", "threshold", "model")
    for row in found:
        table.add_row(row["id"], row["name"], str(row["faces"]), str(row["threshold"]),
                      row["model"])
    Console().print(table)


@face.group()
def person() -> None:
    """People of a gallery."""


@person.command("create")
@click.argument("gallery_ref")
@click.argument("name")
@click.option("--meta", multiple=True, help="key=value metadata (repeatable).")
@_DATA_DIR
@_URL
def person_create(gallery_ref: str, name: str, meta: tuple[str, ...], data_dir: Path | None,
                  url: str | None) -> None:
    metadata = dict(item.split("=", 1) for item in meta if "=" in item)

    async def work(client: VisionClient) -> dict[str, Any]:
        found = await client.find_gallery(gallery_ref)
        return await client.create_person(found["id"], name, metadata)

    _print_json(_run(data_dir, url, work))


@face.command()
@click.argument("gallery_ref")
@click.argument("person_id")
@click.argument("images", nargs=-1, required=True,
                type=click.Path(dir_okay=False, exists=True, path_type=Path))
@_DATA_DIR
@_URL
def enroll(gallery_ref: str, person_id: str, images: tuple[Path, ...], data_dir: Path | None,
           url: str | None) -> None:
    """Enroll IMAGES (all or none) as faces of PERSON_ID."""
    data = [p.read_bytes() for p in images]

    async def work(client: VisionClient) -> list[dict[str, Any]]:
        found = await client.find_gallery(gallery_ref)
        return await client.enroll(found["id"], person_id, data)

    _print_json(_run(data_dir, url, work))


def people_in(folder: Path) -> list[tuple[str, list[Path]]]:
    """``<folder>/<Person_Name>/<images>``, sorted, people without images left out."""
    found = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        images = sorted(p for p in sub.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if images:
            found.append((sub.name, images))
    return found


@face.command("bulk-enroll")
@click.argument("gallery_ref")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--batch", default=50, show_default=True, help="People per enroll job.")
@_DATA_DIR
@_URL
def bulk_enroll(gallery_ref: str, folder: Path, batch: int, data_dir: Path | None,
                url: str | None) -> None:
    """Enroll FOLDER/<Person_Name>/*.jpg, one new person per sub-folder."""
    people = people_in(folder)

    async def work(client: VisionClient) -> tuple[int, int, list[str]]:
        gid = (await client.find_gallery(gallery_ref))["id"]
        enrolled, failed, errors = 0, 0, []
        columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns) as progress:
            task = progress.add_task("enrolling", total=len(people))
            for start in range(0, len(people), batch):
                chunk = people[start : start + batch]
                job = await client.bulk_enroll(gid, [
                    {"name": name, "images": [p.read_bytes() for p in paths]}
                    for name, paths in chunk])
                while job["status"] not in ("COMPLETE", "ERROR"):
                    await asyncio.sleep(0.25)
                    job = await client.enroll_job(gid, job["id"])
                    progress.update(task, completed=start + job["enrolled"] + job["failed"])
                enrolled += job["enrolled"]
                failed += job["failed"]
                errors += [f"{i['name']}: {i['error']}" for i in job["items"]
                           if i["status"] == "failed"]
                progress.update(task, completed=start + len(chunk))
        return enrolled, failed, errors

    enrolled, failed, errors = _run(data_dir, url, work)
    for line in errors:
        click.echo(f"failed {line}", err=True)
    click.echo(f"{enrolled} people enrolled, {failed} failed")


@face.command()
@click.argument("gallery_ref")
@click.argument("image", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--limit", default=3, show_default=True, help="Candidates per face.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole answer.")
@_DATA_DIR
@_URL
def identify(gallery_ref: str, image: Path, limit: int, as_json: bool, data_dir: Path | None,
             url: str | None) -> None:
    """Who is in IMAGE (each face: the nearest known person, or unknown)."""
    data = image.read_bytes()

    async def work(client: VisionClient) -> dict[str, Any]:
        found = await client.find_gallery(gallery_ref)
        return await client.identify(found["id"], data, limit)

    answer = _run(data_dir, url, work)
    if as_json:
        _print_json(answer)
        return
    table = Table("face (x, y, w, h)", "person", "distance")
    for found_face in answer["faces"]:
        box = found_face["box"]
        where = f"{box['x']:.0f}, {box['y']:.0f}, {box['width']:.0f}, {box['height']:.0f}"
        known = found_face["person"]
        nearest = found_face["candidates"][0] if found_face["candidates"] else None
        table.add_row(where, known["name"] if known else "unknown",
                      f"{nearest['distance']:.3f}" if nearest else "-")
    Console().print(table)


@face.command()
@click.argument("image_a", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.argument("image_b", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@_DATA_DIR
@_URL
def verify(image_a: Path, image_b: Path, data_dir: Path | None, url: str | None) -> None:
    """Are the faces of IMAGE_A and IMAGE_B the same person? (exit 1 when not)"""
    answer = _run(data_dir, url, lambda c: c.verify(image_a.read_bytes(), image_b.read_bytes()))
    verdict = "same person" if answer["same_person"] else "different people"
    click.echo(f"{verdict} (distance {answer['distance']:.3f}, "
               f"threshold {answer['threshold']})")
    if not answer["same_person"]:
        raise SystemExit(1)


@face.command()
@click.argument("image", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@_DATA_DIR
@_URL
def detect(image: Path, data_dir: Path | None, url: str | None) -> None:
    """The faces in IMAGE: boxes, landmarks, scores."""
    _print_json(_run(data_dir, url, lambda c: c.detect(image.read_bytes())))
