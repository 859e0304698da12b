"""The default pipeline on the face test set: verification accuracy on pairs.csv,
crowds and a photo without people.

Every image of pairs.csv is detected and aligned once; both SFace embedders (plain, and the
default: each face and its mirror image) are scored at the published threshold (nothing
fitted here) and, as LFW's protocol does, cross-validated: each pair at a threshold fitted on
pairs that share no image with it. A pair whose face was not found counts as wrong.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.vision_data import Pair, faces_dir, pairs

from pocketstack.common.settings import VisionSettings
from pocketstack.vision.pipeline import Pipeline, Vectors, decode_image, subject_of
from pocketstack.vision.pipeline.calibration import LabelledPair, cross_validated_accuracy
from pocketstack.vision.pipeline.loader import load_pipeline
from pocketstack.vision.pipeline.sface import SFACE_THRESHOLD
from pocketstack.vision.pipeline.stages import distances

LIMITS = {"max_bytes": 10 << 20, "max_pixels": 25_000_000}


def _read(path: object) -> np.ndarray:  # type: ignore[type-arg]
    with open(str(path), "rb") as handle:
        return decode_image(handle.read(), **LIMITS)


@pytest.fixture(scope="module")
def aligned(pipeline: Pipeline) -> dict[Path, np.ndarray]:  # type: ignore[type-arg]
    """Each image of pairs.csv whose subject was found, detected and aligned."""
    crops = {}
    for path in sorted({p.a for p in pairs()} | {p.b for p in pairs()}):
        image = _read(path)
        faces = pipeline.detect(image)
        if faces:
            crops[path] = pipeline.aligner.align(
                image, subject_of(faces, image.shape[1], image.shape[0])
            )
    return crops


def _labelled(crops: dict[Path, np.ndarray], vectors: Vectors) -> list[LabelledPair]:  # type: ignore[type-arg]
    found = dict(zip(crops, vectors, strict=True))

    def distance(pair: Pair) -> float:
        if pair.a in found and pair.b in found:
            return float(distances(found[pair.a][None], found[pair.b][None])[0, 0])
        return 9.0 if pair.same else -1.0  # no face: wrong at any threshold

    return [LabelledPair(str(p.a), str(p.b), p.same, distance(p)) for p in pairs()]


def _accuracies(
    pipeline: Pipeline, crops: dict[Path, np.ndarray]  # type: ignore[type-arg]
) -> tuple[float, float]:
    """At the embedder's threshold, and cross-validated."""
    labelled = _labelled(crops, pipeline.embedder.embed(list(crops.values())))
    fixed = sum((p.distance < pipeline.threshold) == p.same for p in labelled) / len(labelled)
    checked = cross_validated_accuracy(labelled, {p.a: Path(p.a).parent.name for p in labelled})
    print(f"{pipeline.embedder.name}: {fixed:.2%} of {len(labelled)} pairs at "
          f"{pipeline.threshold}, cross-validated {checked.accuracy:.2%}")
    return fixed, checked.accuracy


def test_verification_accuracy_of_plain_sface(
    aligned: dict[Path, np.ndarray]  # type: ignore[type-arg]
) -> None:
    plain = load_pipeline(VisionSettings(flip_test=False))
    assert plain.threshold == SFACE_THRESHOLD  # OpenCV Zoo's, not fitted on this set
    fixed, _ = _accuracies(plain, aligned)
    assert fixed >= 0.985


def test_verification_accuracy_with_mirrored_faces(
    pipeline: Pipeline, aligned: dict[Path, np.ndarray]  # type: ignore[type-arg]
) -> None:
    assert pipeline.embedder.name.endswith("+flip")
    assert pipeline.threshold == SFACE_THRESHOLD
    fixed, crossed = _accuracies(pipeline, aligned)
    assert fixed >= 0.985  # the acceptance, at the model's threshold
    assert crossed >= 0.99  # its LFW-style figure (plain SFace: 98.8 % both ways)


def test_every_face_of_a_crowd_is_found(pipeline: Pipeline) -> None:
    faces = pipeline.detect(_read(faces_dir() / "scenes" / "dlib_bald_guys.jpg"))
    assert len(faces) >= 20  # the set's README: "about 20-24 faces"
    for face in faces:
        assert face.score >= 0.8
        x, y, w, h = face.box
        assert all(x <= px <= x + w and y <= py <= y + h for px, py in face.landmarks[:3])


def test_dogs_are_not_faces(pipeline: Pipeline) -> None:
    assert pipeline.detect(_read(faces_dir() / "scenes" / "dlib_dogs.jpg")) == []


@pytest.mark.parametrize("name", ["fr_two_people.jpg", "fr_kit_with_rose.jpg"])
def test_two_people_are_two_faces(pipeline: Pipeline, name: str) -> None:
    assert len(pipeline.detect(_read(faces_dir() / "scenes" / name))) == 2


def test_one_photo_at_four_resolutions_is_one_person(pipeline: Pipeline) -> None:
    vectors = []
    for size in ("240p", "480p", "720p", "1080p"):
        found = pipeline.subject(_read(faces_dir() / "scenes" / f"fr_obama-{size}.jpg"))
        assert found is not None
        vectors.append(found[1][0])
    matrix = np.stack(vectors)
    assert float(distances(matrix, matrix).max()) < pipeline.threshold
