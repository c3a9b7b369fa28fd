from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from chromalab.cli.app import app, fail
from chromalab.cli.progress import FileProgress, native_stderr_captured
from chromalab.core.imageio import DEFAULT_MAX_PIXELS
from chromalab.core.labnp import SATURATION_RANGE, VIBRANCE_RANGE
from chromalab.core.metadata import FORMAT_CHOICES


def check_writable_folder(out: Path, what: str = "output folder") -> None:
    """Fail with one line (exit 2) unless ``out`` is, or can be made, a folder we can write into; done before
    the model loads so a typo costs nothing."""
    import tempfile

    if out.exists() and not out.is_dir():
        fail(f"{what} {out} exists and is not a folder", code=2)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        fail(f"{what} {out} is not writable ({e.strerror or e})", code=2)


@app.command("colorize")
def colorize_command(
    inputs: list[Path] = typer.Argument(..., help="Photos, videos and folders (recursive; photos are recognised "
                                        "by content, not suffix; videos by suffix: mp4, mov, mkv, avi, webm)."),
    model: str = typer.Option("default", help="Shipped model name, run folder, or auto (portrait/landscape)."),
    out: Path = typer.Option(Path("colorized"), help="Output folder (may be the input folder: outputs are "
                             "never taken as inputs)."),
    format: str = typer.Option("same", "--format", help="Output format: same (the input's, where it holds "
                               "colour; else PNG), jpg, png, webp, tiff."),
    quality: int = typer.Option(None, min=1, max=100, help="JPEG/WebP quality (default 92)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Redo outputs that already exist (default: skip)."),
    report: Path = typer.Option(None, "--report", help="Write one JSON line per input (path, status, output, "
                                "message) to this file."),
    first_frame: bool = typer.Option(False, "--first-frame", help="Animated GIF/WebP/PNG and multi-page TIFF: "
                                     "colorize only the first frame (default: every frame)."),
    work_size: int = typer.Option(None, help="Longer side the network sees (default from the model)."),
    max_megapixels: float = typer.Option(DEFAULT_MAX_PIXELS / 1e6, help="Refuse larger images (all frames "
                                         "together); the one pixel limit."),
    saturation: float = typer.Option(1.0, min=SATURATION_RANGE[0], max=SATURATION_RANGE[1],
                                     help="Chroma scale after colorizing (1 = as is)."),
    vibrance: float = typer.Option(0.0, min=VIBRANCE_RANGE[0], max=VIBRANCE_RANGE[1],
                                   help="Boost weak colours more than strong ones."),
    runtime: str = typer.Option("auto", help="What runs the network: auto (ONNX Runtime where the model has "
                                "model.onnx and onnxruntime is installed), torch or onnx."),
    vividness: float = typer.Option(None, min=0.0, max=3.0, help="Boldness of the model's colours (1 = as "
                                    "trained; default: the model's own, see its MODEL_CARD.md)."),
    reference: list[Path] = typer.Option(None, "--reference", help="Colour photo to take colours from "
                                         "(repeatable: one output per reference, OUT/<name>_color_ref-<ref>.<ext>)."),
    temporal: str = typer.Option("on", help="Videos: keep colours steady along the optical flow (on|off)."),
    crf: int = typer.Option(18, min=0, max=51, help="Videos: H.264 quality (lower = better and bigger)."),
) -> None:
    """Colorize photos at full resolution into OUT/<name>_color.<ext>, keeping format and metadata; videos into
    OUT/<name>_color.mp4 (frames, timestamps and audio kept).

    Photos and videos follow the same rules: existing outputs are skipped (--overwrite redoes them); two
    inputs never share an output; every input is counted as colorized, skipped, not an image, or failed (a
    --report row each); bad files get one line each and the rest go on (exit 1 if any failed).
    """
    from chromalab.core.extras import require
    from chromalab.core.imageio import ImageError
    from chromalab.inference.batch import (
        COLORIZED,
        FAILED,
        FD2_LOCK,
        NOT_IMAGE,
        SKIPPED,
        BatchSettings,
        Outcome,
        find_inputs,
        plan,
        run_jobs,
        summary,
    )
    from chromalab.inference.load import load_colorizer
    from chromalab.inference.store import model_for

    for item in inputs:  # `--overwrite true`: flags take no value, so "true" arrived as an input
        if item.name.lower() in ("true", "false", "yes", "no") and not item.exists():
            fail(f"{item}: no such file; flags take no value (write --overwrite, not --overwrite {item})", code=2)
    if format not in FORMAT_CHOICES:
        fail(f"--format must be one of {', '.join(FORMAT_CHOICES)}, got {format!r}", code=2)
    check_writable_folder(out)
    if report is not None:
        if report.is_dir():
            fail(f"--report {report} is a folder; give a file name", code=2)
        check_writable_folder(report.parent if str(report.parent) else Path("."), "report folder")
    if temporal not in ("on", "off"):
        fail(f"--temporal must be on or off, got {temporal!r}", code=2)
    errors: list[str] = []
    jobs = plan(find_inputs(inputs, out, errors), out, format, capture=native_stderr_captured)
    outcomes = [Outcome(e.split(": ", 1)[0], FAILED, None, e) for e in errors]
    for e in errors:
        typer.echo(f"error: {e}", err=True)
    if not jobs:
        fail("no files to colorize")
    model = model_for(model, bool(reference))
    if reference:
        require("torch", "reference-guided colorizing (--reference)")
    try:
        colorizer = load_colorizer(model, work_size=work_size, runtime=runtime, vividness=vividness)
    except (FileNotFoundError, KeyError, ValueError) as e:
        fail(str(e))
    max_pixels = int(max_megapixels * 1e6)
    settings = BatchSettings(overwrite=overwrite, first_frame=first_frame, max_pixels=max_pixels,
                             saturation=saturation, vibrance=vibrance, quality=quality,
                             temporal=temporal == "on", crf=crf)
    if colorizer.takes_reference and not reference:  # without one it only guesses (washed-out colour)
        fail(f"model {model!r} is reference-guided: give a colour photo to take colours from with --reference PHOTO")
    if reference:
        if not colorizer.takes_reference:
            fail(f"model {model!r} is not reference-guided; train one with `chromalab reference train`")
        from chromalab.inference.reference import load_reference

        try:
            settings.references = [(f"_ref-{r.stem}", load_reference(r, max_pixels=max_pixels)) for r in reference]
        except ImageError as e:
            fail(str(e))
    report_file = report.open("w") if report is not None else None
    named = {j.src for j in jobs if j.root is None}
    try:
        for o in outcomes:
            _write_row(report_file, o)
        with FileProgress(len(jobs)) as progress:
            # photos two in flight: one's decoding/encoding overlaps another's colorizing; what C decoders
            # print to fd 2 is captured around each decode/encode and put in that file's line. A video runs
            # alone and reports its frames as it goes.
            results = run_jobs(colorizer, jobs, settings, capture=native_stderr_captured, frames=progress.frames)
            for job in jobs:  # (a Ctrl-C inside ``next`` ends the generator: its running jobs are waited for)
                with FD2_LOCK:
                    progress.start(job.src)
                _, outcome = next(results)
                if outcome.status == NOT_IMAGE and job.src in named:
                    outcome.status = FAILED
                outcomes.append(outcome)
                _write_row(report_file, outcome)  # as each input finishes
                with FD2_LOCK:
                    progress.done(outcome)
                    sys.stderr.flush()
    except KeyboardInterrupt:
        typer.echo("interrupted: no partial output left behind", err=True)
        interrupted = True
    else:
        interrupted = False
    finally:  # the summary line, also after Ctrl-C: every input finished so far is counted and in the report
        if report_file is not None:
            report_file.close()
        counts = summary(outcomes)
        typer.echo(f"{counts[COLORIZED]} colorized, {counts[SKIPPED]} skipped (exists), {counts[NOT_IMAGE]} not "
                   f"images, {counts[FAILED]} failed → {out}" + (f"; report: {report}" if report else ""), err=True)
    if interrupted:
        raise typer.Exit(130)
    if counts[FAILED]:
        raise typer.Exit(1)


def _write_row(f, outcome) -> None:
    if f is not None:
        f.write(json.dumps(outcome.row()) + "\n")
        f.flush()
