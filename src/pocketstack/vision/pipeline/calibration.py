"""A verification threshold from labelled pairs, and accuracy that never scores its own fit.

:func:`fit_threshold` picks the distance that makes the fewest mistakes on labelled pairs
(the middle of the best interval). :func:`cross_validated_accuracy` is the LFW protocol made
strict: the pairs are split in folds by the identity of their first image; each fold is
scored at a threshold fitted only on pairs that share no image with any pair of the fold.
Pure functions over distances: the models are not needed here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["CrossValidation", "LabelledPair", "cross_validated_accuracy", "fit_threshold"]


@dataclasses.dataclass(frozen=True, slots=True)
class LabelledPair:
    a: str  # an image (its path)
    b: str
    same: bool
    distance: float  # between the two images' embeddings


@dataclasses.dataclass(frozen=True, slots=True)
class CrossValidation:
    accuracy: float
    thresholds: tuple[float, ...]  # the one fitted for each fold


def fit_threshold(distances: npt.ArrayLike, same: npt.ArrayLike) -> float:
    """The threshold (same person below it) with the fewest errors on these pairs; of a
    run of equally good ones, the median."""
    found = np.asarray(distances, dtype=np.float64)
    labels = np.asarray(same, dtype=bool)
    if found.size < 2 or labels.all() or not labels.any():
        raise ValueError("fitting a threshold needs both same and different pairs")
    ordered = np.unique(found)
    candidates = (ordered[1:] + ordered[:-1]) / 2
    errors = ((found[None, :] < candidates[:, None]) != labels[None, :]).sum(axis=1)
    return float(np.median(candidates[errors == errors.min()]))


def cross_validated_accuracy(
    pairs: Sequence[LabelledPair], identity_of: dict[str, str], folds: int = 10
) -> CrossValidation:
    """Accuracy over every pair, each scored at a threshold fitted on other images only.

    ``identity_of`` names each image's person; identities are dealt to folds in name order.
    """
    people = sorted({identity_of[pair.a] for pair in pairs})
    fold_of = {person: index % folds for index, person in enumerate(people)}
    right, thresholds = 0, []
    for fold in range(min(folds, len(people))):
        scored = [pair for pair in pairs if fold_of[identity_of[pair.a]] == fold]
        seen = {image for pair in scored for image in (pair.a, pair.b)}
        fitted = [pair for pair in pairs if pair.a not in seen and pair.b not in seen]
        threshold = fit_threshold(
            [pair.distance for pair in fitted], [pair.same for pair in fitted]
        )
        thresholds.append(threshold)
        right += sum((pair.distance < threshold) == pair.same for pair in scored)
    return CrossValidation(right / len(pairs), tuple(thresholds))
