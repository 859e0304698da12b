"""The default aligner: a similarity transform (rotation, uniform scale, shift) that puts the
five landmarks where the embedder was trained to see them, fitted by least squares (Umeyama,
1991), then one affine warp to 112 x 112."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from pocketstack.vision.pipeline.stages import Face, Image

__all__ = ["REFERENCE_112", "SimilarityAligner", "similarity_transform"]

# Where eyes, nose tip and mouth corners sit in a 112 x 112 training crop (ArcFace/SFace).
REFERENCE_112 = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ]
)

Matrix = npt.NDArray[np.float64]


def similarity_transform(source: Matrix, target: Matrix) -> Matrix:
    """The 2 x 3 matrix of the similarity mapping ``source`` points closest onto ``target``."""
    src_mean, dst_mean = source.mean(axis=0), target.mean(axis=0)
    src, dst = source - src_mean, target - dst_mean
    u, s, vt = np.linalg.svd(dst.T @ src / len(source))
    sign = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[1, 1] = -1.0  # a reflection is not a similarity: flip the weakest axis
    rotation = u @ sign @ vt
    variance = float(src.var(axis=0).sum())
    scale = float((s * np.diag(sign)).sum()) / variance if variance > 0 else 1.0
    matrix = np.zeros((2, 3))
    matrix[:, :2] = scale * rotation
    matrix[:, 2] = dst_mean - scale * rotation @ src_mean
    return matrix


class SimilarityAligner:
    size = (112, 112)

    def align(self, image: Image, face: Face) -> Image:
        matrix = similarity_transform(np.array(face.landmarks, dtype=np.float64), REFERENCE_112)
        aligned = cv2.warpAffine(image, matrix, self.size, flags=cv2.INTER_LINEAR)
        return np.asarray(aligned, dtype=np.uint8)
