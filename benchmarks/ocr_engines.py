"""`ruji bench ocr_engines --n 200`: the OCR engines alone (no quality checks, no rules) on the
first generator's cards — RapidOCR against a Tesseract (Debian `tesseract-ocr-chi-sim`) baseline
and, with `--compare-v4`, PP-OCRv4 — same photos, same parser, so the difference is the engine.
The production step is measured by `ruji bench ocr`."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from activities.idcard_image import decode
from activities.ocr import IdCardReader
from benchmarks.report import record
from domain.idcard_parse import OcrLine, parse_back, parse_front
from domain.identity import IdCardFields
from synthetic.idcard import make_card_pair

TARGETS = {
    "id_number_acc": ">= 0.995",
    "name_acc": ">= 0.99",
    "all_fields_acc": ">= 0.97",
    "p50_s_per_side": "<= 1.0",
}
SEED_BASE = 900_000  # away from the seeds the tests use


def tesseract_lines(rgb: np.ndarray) -> list[OcrLine]:
    """Tesseract's TSV words grouped into its own lines, with boxes, for the same parser."""
    ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    out = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", "chi_sim", "--psm", "3", "tsv"],
        input=png.tobytes(),
        capture_output=True,
        check=True,
        env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},
    ).stdout.decode()
    groups: dict[tuple[str, ...], list[list[str]]] = {}
    for row in out.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) == 12 and cols[0] == "5" and cols[11].strip():
            groups.setdefault(tuple(cols[2:5]), []).append(cols)
    lines = []
    for words in groups.values():
        left = min(int(w[6]) for w in words)
        top = min(int(w[7]) for w in words)
        right = max(int(w[6]) + int(w[8]) for w in words)
        bottom = max(int(w[7]) + int(w[9]) for w in words)
        score = min(max(float(w[10]), 0.0) for w in words) / 100
        box = ((left, top), (right, top), (right, bottom), (left, bottom))
        lines.append(OcrLine("".join(w[11] for w in words), score, box))
    return lines


def ppocr_v4_lines() -> Callable[[np.ndarray], list[OcrLine]]:
    """rapidocr-onnxruntime 1.4 (PP-OCRv4 models in its wheel), for `--compare-v4`. It is not a
    dependency (it needs the plain opencv wheel): install it by hand with
    `uv pip install --no-deps rapidocr-onnxruntime==1.4.4` to rerun the comparison."""
    from rapidocr_onnxruntime import RapidOCR

    engine = RapidOCR(intra_op_num_threads=1, use_cls=False)

    def lines(rgb: np.ndarray) -> list[OcrLine]:
        found, _ = engine(np.ascontiguousarray(rgb[:, :, ::-1]))
        return [
            OcrLine(text, float(score), tuple((float(x), float(y)) for x, y in box))
            for box, text, score in (found or [])
        ]

    return lines


Pair = tuple[IdCardFields, IdCardFields]


def read_pair(
    ocr: Callable[[np.ndarray], list[OcrLine]], front: bytes, back: bytes
) -> tuple[IdCardFields, list[float]]:
    seconds: list[float] = []
    parsed: list[IdCardFields] = []
    for data, parse in ((front, parse_front), (back, parse_back)):
        started = time.perf_counter()
        photo = decode(data)
        assert photo is not None
        parsed.append(parse(ocr(photo.rgb)).fields)
        seconds.append(time.perf_counter() - started)
    front_fields, back_fields = parsed
    merged = front_fields.model_copy(
        update=back_fields.model_dump(include={"issuer", "valid_from", "valid_until", "long_term"})
    )
    return merged, seconds


def summary(results: list[Pair], seconds: list[float]) -> dict[str, object]:
    n = len(results)
    ordered = sorted(seconds)
    return {
        "n": n,
        "id_number_acc": round(sum(g.id_number == t.id_number for g, t in results) / n, 4),
        "name_acc": round(sum(g.name == t.name for g, t in results) / n, 4),
        "all_fields_acc": round(sum(g == t for g, t in results) / n, 4),
        "p50_s_per_side": round(statistics.median(ordered), 3),
        "p95_s_per_side": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji bench ocr_engines")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--compare-v4", action="store_true", help="add rapidocr-onnxruntime 1.4")
    args = parser.parse_args(argv)
    reader = IdCardReader(store=None)  # type: ignore[arg-type]  # the bench reads bytes directly
    engines: dict[str, Callable[[np.ndarray], list[OcrLine]]] = {"rapidocr": reader.ocr_lines}
    if not args.no_baseline:
        engines["baseline"] = tesseract_lines
    if args.compare_v4:
        engines["ppocr_v4"] = ppocr_v4_lines()
    results: dict[str, list[Pair]] = {name: [] for name in engines}
    seconds: dict[str, list[float]] = {name: [] for name in engines}
    misses: list[str] = []
    # The Tesseract baseline runs as a subprocess on the other core while RapidOCR reads on this
    # one (each engine single-threaded, each side timed on its own): same cards, half the wall
    # time, so `make bench` stays under 30 minutes.
    baseline_runs = []
    with ThreadPoolExecutor(max_workers=1) as side:
        for i in range(args.n):
            pair = make_card_pair(SEED_BASE + i)
            truth = pair.identity.fields()
            if "baseline" in engines:
                job = side.submit(read_pair, tesseract_lines, pair.front_jpeg, pair.back_jpeg)
                baseline_runs.append((job, truth))
            for name, ocr in engines.items():
                if name == "baseline":
                    continue
                got, spent = read_pair(ocr, pair.front_jpeg, pair.back_jpeg)
                results[name].append((got, truth))
                seconds[name].extend(spent)
                if name == "rapidocr" and got != truth:
                    wrong = [k for k, v in truth.model_dump().items() if getattr(got, k) != v]
                    misses.append(f"seed {SEED_BASE + i}: {', '.join(wrong)}")
        for job, truth in baseline_runs:
            got, spent = job.result()
            results["baseline"].append((got, truth))
            seconds["baseline"].extend(spent)
    result = summary(results["rapidocr"], seconds["rapidocr"])
    result["engine"] = (
        "rapidocr 3 PP-OCRv6 small det+rec, det max side 960 on the printed area shrunk to "
        "30-px lines, no cls"
    )
    if not args.no_baseline:
        result["baseline"] = {
            **summary(results["baseline"], seconds["baseline"]),
            "engine": "tesseract 5 chi_sim psm 3",
        }
    if args.compare_v4:
        result["ppocr_v4"] = {
            **summary(results["ppocr_v4"], seconds["ppocr_v4"]),
            "engine": "rapidocr-onnxruntime 1.4 PP-OCRv4 mobile det+rec, no cls",
        }
    for miss in misses:
        sys.stderr.write(f"miss {miss}\n")
    record("ocr_engines", result, TARGETS)
    return 0
