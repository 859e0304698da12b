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
from tests.unit.vision.scoring import (
    aligned_subjects,
    fixed_accuracy,
    labelled_pairs,
    read_image,
)
from tests.vision_data import faces_dir

from pocketstack.common.settings import VisionSettings
from pocketstack.vision.pipeline import Image, Pipeline
from pocketstack.vision.pipeline.calibration import cross_validated_accuracy
from pocketstack.vision.pipeline.loader import load_pipeline
from pocketstack.vision.pipeline.sface import SFACE_THRESHOLD
from pocketstack.vision.pipeline.stages import distances


@pytest.fixture(scope="module")
def aligned(pipeline: Pipeline) -> dict[Path, Image]:
    return aligned_subjects(pipeline)


def _accuracies(pipeline: Pipeline, crops: dict[Path, Image]) -> tuple[float, float]:
    """At the embedder's threshold, and cross-validated."""
    labelled = labelled_pairs(crops, pipeline.embedder.embed(list(crops.values())))
    fixed = fixed_accuracy(labelled, pipeline.threshold)
    checked = cross_validated_accuracy(labelled, {p.a: Path(p.a).parent.name for p in labelled})
    print(f"{pipeline.embedder.name}: {fixed:.2%} of {len(labelled)} pairs at "
          f"{pipeline.threshold}, cross-validated {checked.accuracy:.2%}")
    return fixed, checked.accuracy


def test_verification_accuracy_of_plain_sface(aligned: dict[Path, Image]) -> None:
    plain = load_pipeline(VisionSettings(flip_test=False))
    assert plain.threshold == SFACE_THRESHOLD  # OpenCV Zoo's, not fitted on this set
    fixed, _ = _accuracies(plain, aligned)
    assert fixed >= 0.985


def test_verification_accuracy_with_mirrored_faces(
    pipeline: Pipeline, aligned: dict[Path, Image]
) -> None:
    assert pipeline.embedder.name.endswith("+flip")
    assert pipeline.threshold == SFACE_THRESHOLD
    fixed, crossed = _accuracies(pipeline, aligned)
    assert fixed >= 0.985  # the acceptance, at the model's threshold
    assert crossed >= 0.99  # its LFW-style figure (plain SFace: 98.8 % both ways)


def test_every_face_of_a_crowd_is_found(pipeline: Pipeline) -> None:
    faces = pipeline.detect(read_image(faces_dir() / "scenes" / "dlib_bald_guys.jpg"))
    assert len(faces) >= 20  # the set's README: "about 20-24 faces"
    for face in faces:
        assert face.score >= 0.8
        x, y, w, h = face.box
        assert all(x <= px <= x + w and y <= py <= y + h for px, py in face.landmarks[:3])


@pytest.mark.parametrize("stages", ["pipeline", "dlib_pipeline"])
def test_dogs_are_not_faces(stages: str, request: pytest.FixtureRequest) -> None:
    detector: Pipeline = request.getfixturevalue(stages)
    assert detector.detect(read_image(faces_dir() / "scenes" / "dlib_dogs.jpg")) == []


@pytest.mark.parametrize("stages", ["pipeline", "dlib_pipeline"])
@pytest.mark.parametrize("name", ["fr_two_people.jpg", "fr_kit_with_rose.jpg"])
def test_two_people_are_two_faces(stages: str, name: str, request: pytest.FixtureRequest) -> None:
    detector: Pipeline = request.getfixturevalue(stages)
    assert len(detector.detect(read_image(faces_dir() / "scenes" / name))) == 2


def test_one_photo_at_four_resolutions_is_one_person(pipeline: Pipeline) -> None:
    vectors = []
    for size in ("240p", "480p", "720p", "1080p"):
        found = pipeline.subject(read_image(faces_dir() / "scenes" / f"fr_obama-{size}.jpg"))
        assert found is not None
        vectors.append(found[1][0])
    matrix = np.stack(vectors)
    assert float(distances(matrix, matrix).max()) < pipeline.threshold
