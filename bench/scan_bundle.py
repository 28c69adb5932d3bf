"""A paper's scans made into one PDF (services/scan_bundle.build_bundle): a 30-page scan set.

Why: a clerk drops a scanner's pages for a paper into the scan inbox (or the dossier) and waits for
its PDF; a 30-page set is a thick dossier's paper. The set is made here the way scanners write A4:
a third colour JPEG at 200 dpi, a third greyscale PNG at 300 dpi, a third one multi-page bilevel TIFF
(CCITT G4) at 300 dpi; pages carry lines of "words", a little sensor noise, and every third page went in
askew (1–3°), so straightening has work to do.

Measured: seconds per bundle (median of `--runs`), pages per second, input and output bytes. Baseline in
the same run: Pillow's own multi-page PDF save of the same pages (`save_all=True`), which decodes and
re-encodes every page (JPEG again, the rest as Pillow chooses) and does not straighten. Also the cost of
straightening per page (services/deskew.py): `tilt_correction` (finding the angle) and `straightened`
(finding it and turning the page when askew), per kind of page.

    .venv/bin/python bench/scan_bundle.py               # 30 pages, 3 runs
    .venv/bin/python bench/scan_bundle.py --pages 3 --runs 1   # smoke
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
from pathlib import Path
from typing import Any

from _common import emit, log, machine, summarize_ms, timed_ms, work_dir
from PIL import Image, ImageDraw, ImageSequence, features

from counter_app.services.deskew import straightened, tilt_correction
from counter_app.services.scan_bundle import build_bundle, page_count

TARGET_PAGES_PER_SECOND = 2.0  # 30 pages in 15 s, done in the background while the clerk goes on
A4_MM = (210, 297)
ASKEW_DEGREES = (1.5, -2.0, 2.5, -1.0, 3.0)
KINDS = ("jpeg_colour_200dpi", "png_grey_300dpi", "tiff_g4_300dpi")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pages", type=int, default=30, help="pages in the scan set, split over the three kinds (default 30)")
    p.add_argument("--runs", type=int, default=3, help="timed bundles and baseline saves (default 3)")
    p.add_argument("--seed", type=int, default=2026, help="seed of the page contents")
    p.add_argument("--data-dir", help="write the scan set and the PDFs here and keep them")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory and print its path")
    return p.parse_args(argv)


# -- the scan set ------------------------------------------------------------------------------------


def _a4_pixels(dpi: int) -> tuple[int, int]:
    return tuple(round(mm / 25.4 * dpi) for mm in A4_MM)  # type: ignore[return-value]


def printed_page(dpi: int, rng: random.Random, noise: bool) -> Image.Image:
    """A grey A4 page at `dpi`: margins, lines of word-sized dark blocks, scanner noise on the paper."""
    width, height = _a4_pixels(dpi)
    scale = dpi / 150
    if noise:
        page = Image.effect_noise((width, height), 8).point(lambda v: min(255, v + 112))
    else:
        page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    for top in range(int(150 * scale), int(1600 * scale), int(42 * scale)):
        left = int(120 * scale)
        while left < 1100 * scale:
            word = int(rng.randint(20, 90) * scale)
            draw.rectangle([left, top, min(left + word, int(1120 * scale)), top + int(16 * scale)], fill=30)
            left += word + int(14 * scale)
    return page


def _askew(page: Image.Image, n: int) -> Image.Image:
    """Every third page went through the feeder askew; the scanner still writes an A4-sized image."""
    if n % 3 != 1:
        return page
    fill: Any = 255 if page.mode in ("L", "1") else (250, 248, 240)
    return page.rotate(ASKEW_DEGREES[n % len(ASKEW_DEGREES)], resample=Image.Resampling.BICUBIC, fillcolor=fill)


def make_scan_set(folder: Path, pages: int, seed: int) -> tuple[list[Path], list[tuple[str, bool]]]:
    """The files in scanning order, and each page's (kind, askew)."""
    rng = random.Random(seed)
    counts = [pages // 3 + (1 if i < pages % 3 else 0) for i in range(3)]
    files: list[Path] = []
    described: list[tuple[str, bool]] = []
    n = 0
    for i in range(counts[0]):
        grey = printed_page(200, rng, noise=True)
        colour = Image.merge("RGB", (grey, grey.point(lambda v: v * 99 // 100), grey.point(lambda v: v * 96 // 100)))
        path = folder / f"scan-{i + 1:03d}.jpg"
        _askew(colour, n).save(path, format="JPEG", quality=85, dpi=(200, 200))
        files.append(path)
        described.append((KINDS[0], n % 3 == 1))
        n += 1
    for i in range(counts[1]):
        path = folder / f"scan-{counts[0] + i + 1:03d}.png"
        _askew(printed_page(300, rng, noise=True), n).save(path, format="PNG", dpi=(300, 300))
        files.append(path)
        described.append((KINDS[1], n % 3 == 1))
        n += 1
    if counts[2]:
        frames = []
        for _ in range(counts[2]):
            frames.append(_askew(printed_page(300, rng, noise=False), n).point(lambda v: 255 if v > 127 else 0)
                          .convert("1", dither=Image.Dither.NONE))
            described.append((KINDS[2], n % 3 == 1))
            n += 1
        path = folder / "scan-tiff-g4.tif"
        frames[0].save(path, save_all=True, append_images=frames[1:], compression="group4", dpi=(300, 300))
        files.append(path)
    return files, described


def loaded_pages(files: list[Path]) -> list[Image.Image]:
    """Every page decoded, in order (one per frame of a multi-page TIFF)."""
    pages = []
    for path in files:
        with Image.open(path) as image:
            pages += [frame.copy() for frame in ImageSequence.Iterator(image)]
    return pages


# -- measures ----------------------------------------------------------------------------------------


def pillow_pdf(files: list[Path]) -> bytes:
    """The baseline: Pillow decodes every page and writes them all with its own PDF plugin."""
    pages = loaded_pages(files)
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=300.0)
    return out.getvalue()


def _timed_seconds(call: Any, runs: int) -> tuple[list[float], Any]:
    samples, result = [], None
    for _ in range(runs):
        ms, result = timed_ms(call)
        samples.append(ms / 1000)
    return samples, result


def deskew_costs(pages: list[Image.Image], described: list[tuple[str, bool]]) -> dict[str, Any]:
    """Per kind of page, askew or not: ms to find the angle, and ms to find it and turn the page."""
    groups: dict[str, dict[str, list[float]]] = {}
    angles: dict[str, list[float]] = {}
    for page, (kind, askew) in zip(pages, described, strict=True):
        key = f"{kind}_{'askew' if askew else 'straight'}"
        measure_ms, angle = timed_ms(lambda page=page: tilt_correction(page))
        turn_ms, _ = timed_ms(lambda page=page: straightened(page))
        group = groups.setdefault(key, {"tilt_correction": [], "straightened": []})
        group["tilt_correction"].append(measure_ms)
        group["straightened"].append(turn_ms)
        angles.setdefault(key, []).append(angle)
    every = [ms for group in groups.values() for ms in group["straightened"]]
    return {
        "per_page": {key: {"tilt_correction_ms": summarize_ms(g["tilt_correction"]),
                           "straightened_ms": summarize_ms(g["straightened"]), "angles_found": angles[key]}
                     for key, g in groups.items()},
        "all_pages_straightened_ms": summarize_ms(every),
        "sum_straightened_seconds": round(sum(every) / 1000, 3),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with work_dir(args.data_dir, args.keep, "bench-scan-") as folder:
        log(f"writing a {args.pages}-page scan set in {folder}")
        files, described = make_scan_set(folder, args.pages, args.seed)
        input_bytes = sum(p.stat().st_size for p in files)

        build_bundle(files[:1])  # warm up: imports, codecs
        log(f"timing build_bundle, {args.runs} runs")
        bundle_s, bundle = _timed_seconds(lambda: build_bundle(files), args.runs)
        log(f"baseline: Pillow's multi-page PDF save, {args.runs} runs")
        pillow_s, pillow = _timed_seconds(lambda: pillow_pdf(files), args.runs)
        if args.data_dir or args.keep:
            (folder / "bundle.pdf").write_bytes(bundle.data)
            (folder / "pillow.pdf").write_bytes(pillow)
        log("timing the straightening of each page")
        decode_ms, pages = timed_ms(lambda: loaded_pages(files))
        deskew = deskew_costs(pages, described)

    seconds = statistics.median(bundle_s)
    base_seconds = statistics.median(pillow_s)
    pages_per_second = bundle.pages / seconds
    result = {
        "benchmark": "scan_bundle",
        "pages": args.pages,
        "runs": args.runs,
        "scan_set": {
            "files": len(files),
            "pages_by_kind": {kind: sum(1 for k, _ in described if k == kind) for kind in KINDS},
            "askew_pages": sum(1 for _, askew in described if askew),
            "input_bytes": input_bytes,
            "decode_all_pages_ms": round(decode_ms, 1),
        },
        "build_bundle": {
            "seconds_median": round(seconds, 3),
            "seconds_runs": [round(s, 3) for s in bundle_s],
            "pages_per_second": round(pages_per_second, 2),
            "output_bytes": len(bundle.data),
            "output_pages": bundle.pages,
            "output_bytes_per_page": len(bundle.data) // max(1, bundle.pages),
            "deskew_share_of_bundle": round(deskew["sum_straightened_seconds"] / seconds, 2),
        },
        "baseline": {
            "method": "Pillow: decode every page, Image.save(format='PDF', save_all=True) (re-encodes, no straightening)",
            "seconds_median": round(base_seconds, 3),
            "seconds_runs": [round(s, 3) for s in pillow_s],
            "pages_per_second": round(bundle.pages / base_seconds, 2),
            "output_bytes": len(pillow),
            "output_pages": page_count(pillow),
            "bundle_time_ratio": round(seconds / base_seconds, 2),
            "bundle_bytes_ratio": round(len(bundle.data) / len(pillow), 3),
        },
        "deskew": deskew,
        "target": {"pages_per_second": TARGET_PAGES_PER_SECOND},
        "meets_target": pages_per_second >= TARGET_PAGES_PER_SECOND and bundle.pages == args.pages,
        "notes": "wall clock, files in the OS cache; build_bundle reads, decodes, straightens, caps at A4 "
        "300 dpi and re-encodes images (PNG for grey, JPEG q88 for photos, G4 for bilevel) then merges with pikepdf",
        "machine": {**machine(), "pillow": Image.__version__, "libtiff": features.version("libtiff"),
                    "libjpeg": features.version("jpg")},
    }
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
