"""The default pipeline on the face test set: verification accuracy on pairs.csv at the
model's published threshold (nothing is fitted here), crowds and a photo without people.

Every image of pairs.csv is embedded once, in batches; the accuracy is computed from the
distances and the labels in the file, counting a pair whose face was not found as wrong.
"""

from __future__ import annotations

import numpy as np
import pytest
from tests.vision_data import faces_dir, pairs

from pocketstack.vision.pipeline import Pipeline, decode_image, subject_of
from pocketstack.vision.pipeline.sface import SFACE_THRESHOLD
from pocketstack.vision.pipeline.stages import distances

LIMITS = {"max_bytes": 10 << 20, "max_pixels": 25_000_000}


def _read(path: object) -> np.ndarray:  # type: ignore[type-arg]
    with open(str(path), "rb") as handle:
        return decode_image(handle.read(), **LIMITS)


def test_verification_accuracy_on_pairs_at_the_published_threshold(pipeline: Pipeline) -> None:
    labelled = pairs()
    paths = sorted({p.a for p in labelled} | {p.b for p in labelled})
    crops, embedded = [], []
    for path in paths:
        image = _read(path)
        faces = pipeline.detect(image)
        if faces:
            subject = subject_of(faces, image.shape[1], image.shape[0])
            crops.append(pipeline.aligner.align(image, subject))
            embedded.append(path)
    vectors = dict(zip(embedded, pipeline.embedder.embed(crops), strict=True))
    assert pipeline.threshold == SFACE_THRESHOLD  # OpenCV Zoo's, not fitted on this set
    right = 0
    for pair in labelled:
        if pair.a in vectors and pair.b in vectors:
            distance = float(distances(vectors[pair.a][None], vectors[pair.b][None])[0, 0])
            right += (distance < pipeline.threshold) == pair.same
    accuracy = right / len(labelled)
    print(f"verification accuracy {accuracy:.2%} on {len(labelled)} pairs, "
          f"{len(paths) - len(embedded)} images without a face")
    assert accuracy >= 0.985


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
