"""Thresholds fitted from labelled distances, and cross-validation that never scores a pair
at a threshold fitted on one of its images."""

from __future__ import annotations

import pytest

from pocketstack.vision.pipeline.calibration import (
    LabelledPair,
    cross_validated_accuracy,
    fit_threshold,
)


def test_the_threshold_splits_same_from_different_in_the_middle_of_the_gap() -> None:
    assert fit_threshold([0.2, 0.4, 0.9, 1.1], [True, True, False, False]) == pytest.approx(0.65)


def test_of_equally_good_thresholds_the_median_is_taken() -> None:
    # one mistake at 0.6 (1.0 is a same pair) and at 1.1 (0.8 is a different one)
    distances = [0.2, 0.4, 0.8, 1.0, 1.2, 1.4]
    same = [True, True, False, True, False, False]
    assert fit_threshold(distances, same) == pytest.approx(0.85)


@pytest.mark.parametrize("same", [[True, True], [False, False]])
def test_one_kind_of_pair_cannot_be_fitted(same: list[bool]) -> None:
    with pytest.raises(ValueError, match="both same and different"):
        fit_threshold([0.3, 0.5], same)


def _person(name: str, images: int) -> list[str]:
    return [f"{name}/{i}" for i in range(images)]


def test_cross_validation_scores_every_pair_once_on_thresholds_fitted_elsewhere() -> None:
    # Ten people whose same-person distances sit at 0.5, different-person ones at 1.5,
    # except "odd": its own pairs are far apart (1.4). A fit that saw odd's pairs would
    # move its threshold up and call them right; cross-validated, they stay wrong.
    people = {name: _person(name, 3) for name in ("odd", *[f"p{i}" for i in range(9)])}
    pairs = []
    for name, images in people.items():
        distance = 1.4 if name == "odd" else 0.5
        pairs += [LabelledPair(images[0], images[1], True, distance),
                  LabelledPair(images[1], images[2], True, distance)]
    names = sorted(people)
    for first, second in zip(names, names[1:] + names[:1], strict=True):
        pairs.append(LabelledPair(people[first][2], people[second][0], False, 1.5))
    identity = {image: name for name, images in people.items() for image in images}

    checked = cross_validated_accuracy(pairs, identity, folds=10)

    assert len(checked.thresholds) == 10
    assert checked.thresholds[0] < 1.4  # odd's fold ("odd" sorts first): fitted without it
    assert max(checked.thresholds) > 1.4  # the other folds saw odd's pairs
    assert checked.accuracy == pytest.approx((len(pairs) - 2) / len(pairs))
    everything = fit_threshold([p.distance for p in pairs], [p.same for p in pairs])
    assert everything > 1.4  # fitted on the scored pairs, odd's would have passed
