"""Face recognition: pipeline latency, identification at a million faces, enroll throughput.
Prints a table (or ``--json``); not a test.

Run: ``.venv/bin/python bench/vision.py [--faces 1000000] [--parts pipeline,enroll,identify]
[--set flip_test=false --set embedder=dlib-resnet ...]`` (``--set``: any ``[vision]`` setting).

1. **Pipeline** per 640x480 image (``scenes/fr_obama-480p.jpg`` scaled to 640x480, one
   face): detect, align + embed, and the whole, p50 over ``--runs`` runs after a warm-up;
   and the verification accuracy on ``pairs.csv``: at the embedder's threshold, and
   cross-validated as LFW does it but strictly (10 folds by identity, each scored at a
   threshold fitted on pairs sharing no image with it); the threshold fitted on all pairs
   is printed too (how the flip threshold was calibrated).
2. **Identification** against ``--faces`` synthetic embeddings (random unit vectors, the
   hardest case for an approximate index: real faces cluster by person). Queries are stored
   vectors with noise (cosine ~0.7 to their origin, like another photo of an enrolled
   person). The service's IVF matcher (``--index hnsw``: the HNSW alternative, at several
   ``--ef``) is timed per query (p50, p99) and its top-1 is compared with exact search by
   matrix product (recall@1); build time and the RSS it adds.
3. **Enroll throughput**: faces/s for decode + detect + align + embed of the identity
   images, in one process and in N worker processes (each with its own models and one
   thread).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from pocketstack.common.settings import VisionSettings
from pocketstack.vision.pipeline import decode_image, subject_of
from pocketstack.vision.pipeline.calibration import (
    LabelledPair,
    cross_validated_accuracy,
    fit_threshold,
)
from pocketstack.vision.pipeline.loader import load_pipeline
from pocketstack.vision.pipeline.matchers import HnswMatcher, IvfMatcher
from pocketstack.vision.pipeline.stages import distances

LIMITS = {"max_bytes": 20 << 20, "max_pixels": 25_000_000}
FACES = Path(os.environ.get("POCKETSTACK_FACES_DIR",
                            Path(__file__).resolve().parents[2] / "shared/data/faces"))


def _ms(samples: list[float], q: float = 0.5) -> float:
    return float(np.quantile(np.array(samples), q) * 1e3)


def settings_from(assignments: list[str]) -> VisionSettings:
    """``VisionSettings`` with ``name=value`` overrides, each value read as its field's type."""
    fields = {f.name: f for f in dataclasses.fields(VisionSettings)}
    values: dict[str, Any] = {}
    for assignment in assignments:
        name, _, text = assignment.partition("=")
        kind = type(getattr(VisionSettings(), name)) if name in fields else None
        if kind is None:
            raise SystemExit(f"no [vision] setting {name!r}")
        values[name] = text.lower() in ("1", "true", "yes") if kind is bool else kind(text)
    return VisionSettings(**values)


def pipeline_latency(settings: VisionSettings, runs: int) -> dict[str, Any]:
    import cv2

    pipeline = load_pipeline(settings)
    image = decode_image((FACES / "scenes/fr_obama-480p.jpg").read_bytes(), **LIMITS)
    image = np.ascontiguousarray(cv2.resize(image, (640, 480)), dtype=np.uint8)
    for _ in range(5):
        pipeline.analyze(image)
    detect, embed, whole = [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        faces = pipeline.detect(image)
        t1 = time.perf_counter()
        pipeline.embed_faces(image, faces[:1])
        t2 = time.perf_counter()
        detect.append(t1 - t0)
        embed.append(t2 - t1)
        whole.append(t2 - t0)
    return {"detect_p50_ms": _ms(detect), "align_embed_p50_ms": _ms(embed),
            "pipeline_p50_ms": _ms(whole), "pipeline_p90_ms": _ms(whole, 0.9),
            "device": pipeline.device.device, "embedder": pipeline.embedder.name}


def verification_accuracy(settings: VisionSettings) -> dict[str, Any]:
    pipeline = load_pipeline(settings)
    with (FACES / "pairs.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    paths = sorted({r[k] for r in rows for k in ("image_a", "image_b")})
    crops, kept = [], []
    for path in paths:
        image = decode_image((FACES / path).read_bytes(), **LIMITS)
        faces = pipeline.detect(image)
        if faces:
            crops.append(pipeline.aligner.align(
                image, subject_of(faces, image.shape[1], image.shape[0])))
            kept.append(path)
    vectors = dict(zip(kept, pipeline.embedder.embed(crops), strict=True))

    def distance(a: str, b: str, same: bool) -> float:
        if a in vectors and b in vectors:
            return float(distances(vectors[a][None], vectors[b][None])[0, 0])
        return 9.0 if same else -1.0  # a face not found is a mistake in every figure

    labelled = [LabelledPair(r["image_a"], r["image_b"], r["same"] == "1",
                             distance(r["image_a"], r["image_b"], r["same"] == "1"))
                for r in rows]
    right = sum((pair.distance < pipeline.threshold) == pair.same for pair in labelled)
    checked = cross_validated_accuracy(labelled, {path: path.split("/")[1] for path in paths})
    return {"pairs": len(rows), "accuracy": right / len(rows), "threshold": pipeline.threshold,
            "cross_validated_accuracy": checked.accuracy,
            "fold_thresholds": list(checked.thresholds),
            "fitted_on_all_pairs": fit_threshold([p.distance for p in labelled],
                                                 [p.same for p in labelled])}


def _timed_queries(matcher: HnswMatcher | IvfMatcher, keys: list[str], noisy: np.ndarray,
                   exact: np.ndarray) -> dict[str, Any]:  # type: ignore[type-arg]
    times, hits = [], 0
    for q, want in zip(noisy, exact, strict=True):
        t = time.perf_counter()
        [found] = matcher.search(q[None], 1)
        times.append(time.perf_counter() - t)
        hits += found[0].key == keys[want]
    return {"p50_ms": _ms(times), "p99_ms": _ms(times, 0.99), "recall_at_1": hits / len(noisy)}


def identification(count: int, queries: int, index: str, ef_values: list[int]
                   ) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    process = psutil.Process()
    vectors = np.empty((count, 128), np.float32)
    for start in range(0, count, 100_000):  # generated in chunks: no float64 copy of it all
        block = rng.standard_normal((min(100_000, count - start), 128)).astype(np.float32)
        vectors[start : start + len(block)] = block / np.linalg.norm(block, axis=1,
                                                                     keepdims=True)
    keys = [f"{i:08x}-face" for i in range(count)]
    origin = rng.integers(0, count, queries)
    noisy = vectors[origin] + rng.standard_normal((queries, 128)).astype(np.float32) * 0.09
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    exact = np.array([int(np.argmax(vectors @ q)) for q in noisy])
    exact_times = []
    for q in noisy[:20]:
        t = time.perf_counter()
        int(np.argmax(vectors @ q))
        exact_times.append(time.perf_counter() - t)
    before = process.memory_info().rss
    t = time.perf_counter()
    matcher: HnswMatcher | IvfMatcher
    if index == "ivf":
        matcher = IvfMatcher(keys, vectors)
    else:
        matcher = HnswMatcher()
        matcher.add(keys, vectors)
    build = time.perf_counter() - t
    added = process.memory_info().rss - before
    results: dict[str, Any] = {"faces": count, "index": index, "build_s": build,
                               "index_mib_per_million": added / (1 << 20) * 1e6 / count,
                               "exact_p50_ms": _ms(exact_times), "runs": []}
    if isinstance(matcher, IvfMatcher):
        probes = int(matcher._index.nprobe)
        results["runs"].append({"setting": f"nprobe {probes} of {matcher._index.nlist}",
                                **_timed_queries(matcher, keys, noisy, exact)})
        return results
    for ef in ef_values:
        matcher._index.hnsw.efSearch = ef
        results["runs"].append({"setting": f"efSearch {ef}",
                                **_timed_queries(matcher, keys, noisy, exact)})
    return results


def _enroll_worker(settings: VisionSettings, paths: list[str]) -> int:
    pipeline = load_pipeline(dataclasses.replace(settings, threads=1))
    enrolled = 0
    for path in paths:
        image = decode_image(Path(path).read_bytes(), **LIMITS)
        enrolled += pipeline.subject(image) is not None
    return enrolled


def enroll_throughput(settings: VisionSettings, workers: int) -> dict[str, Any]:
    paths = sorted(str(p) for p in (FACES / "identities").glob("*/*") if p.is_file())
    pipeline = load_pipeline(settings)
    t = time.perf_counter()
    single = sum(pipeline.subject(decode_image(Path(p).read_bytes(), **LIMITS)) is not None
                 for p in paths)
    single_rate = single / (time.perf_counter() - t)
    chunks = [paths[i::workers] for i in range(workers)]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.starmap(_enroll_worker, [(settings, c[:2]) for c in chunks])  # models loaded
        t = time.perf_counter()
        many = sum(pool.starmap(_enroll_worker, [(settings, c) for c in chunks]))
        many_rate = many / (time.perf_counter() - t)
    return {"images": len(paths), "single_faces_per_s": single_rate, "workers": workers,
            "workers_faces_per_s": many_rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faces", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--ef", default="64,128,256")
    parser.add_argument("--index", choices=("ivf", "hnsw"), default="ivf")
    parser.add_argument("--parts", default="pipeline,enroll,identify")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a [vision] setting for the pipeline measured")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = settings_from(args.set)
    report: dict[str, Any] = {"cpus": os.cpu_count(),
                              "load_avg_at_start": os.getloadavg()[0]}
    parts = args.parts.split(",")
    if "pipeline" in parts:
        report["pipeline"] = pipeline_latency(settings, args.runs)
        report["verification"] = verification_accuracy(settings)
    if "enroll" in parts:
        report["enroll"] = enroll_throughput(settings, args.workers)
    if "identify" in parts:
        report["identify"] = identification(args.faces, args.queries, args.index,
                                            [int(v) for v in args.ef.split(",")])
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"CPUs {report['cpus']}, load average at start {report['load_avg_at_start']:.2f}")
    if "pipeline" in report:
        p, v = report["pipeline"], report["verification"]
        print(f"pipeline 640x480 ({p['device']}, {p['embedder']}): detect "
              f"{p['detect_p50_ms']:.1f} ms, align+embed {p['align_embed_p50_ms']:.1f} ms, "
              f"whole p50 {p['pipeline_p50_ms']:.1f} ms"
              f" (p90 {p['pipeline_p90_ms']:.1f})")
        print(f"verification: {v['accuracy']:.2%} of {v['pairs']} pairs at {v['threshold']}; "
              f"cross-validated {v['cross_validated_accuracy']:.2%} (fold thresholds "
              f"{min(v['fold_thresholds']):.3f}-{max(v['fold_thresholds']):.3f}); "
              f"fitted on all pairs: {v['fitted_on_all_pairs']:.3f}")
    if "enroll" in report:
        e = report["enroll"]
        print(f"enroll: {e['single_faces_per_s']:.1f} faces/s in one process, "
              f"{e['workers_faces_per_s']:.1f} faces/s with {e['workers']} workers "
              f"({e['images']} images)")
    if "identify" in report:
        i = report["identify"]
        print(f"identify among {i['faces']:,} faces ({i['index']}): build {i['build_s']:.0f} s,"
              f" +{i['index_mib_per_million']:.0f} MiB RSS per million; exact search "
              f"{i['exact_p50_ms']:.1f} ms p50")
        print(f"{'setting':>24} {'p50 ms':>8} {'p99 ms':>8} {'recall@1':>9}")
        for row in i["runs"]:
            print(f"{row['setting']:>24} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} "
                  f"{row['recall_at_1']:>9.3f}")


if __name__ == "__main__":
    main()
