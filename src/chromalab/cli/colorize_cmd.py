from __future__ import annotations

from pathlib import Path

import typer

from chromalab.cli.app import app, fail


def output_path(src: Path, root: Path | None, out_dir: Path, suffix: str = ".png") -> Path:
    """``out_dir/<path below root>/<stem>_color.png``; never the input itself."""
    rel = src.relative_to(root) if root is not None else Path(src.name)
    return out_dir / rel.parent / f"{rel.stem}_color{suffix}"


@app.command("colorize")
def colorize_command(
    inputs: list[Path] = typer.Argument(..., help="Photos, videos and folders (recursive)."),
    model: str = typer.Option("default", help="Shipped model name, run folder, or auto (portrait/landscape)."),
    out: Path = typer.Option(Path("colorized"), help="Output folder."),
    work_size: int = typer.Option(None, help="Longer side the network sees (default from the model)."),
    max_megapixels: float = typer.Option(100.0, help="Refuse larger images."),
    saturation: float = typer.Option(1.0, min=0.0, max=4.0, help="Chroma scale after colorizing (1 = as is)."),
    vibrance: float = typer.Option(0.0, min=-1.0, max=1.0, help="Boost weak colours more than strong ones."),
    reference: list[Path] = typer.Option(None, "--reference", help="Colour photo to take colours from "
                                         "(repeatable: one output per reference, OUT/<name>_color_ref-<ref>.png)."),
    temporal: str = typer.Option("on", help="Videos: keep colours steady along the optical flow (on|off)."),
    crf: int = typer.Option(18, min=0, max=51, help="Videos: H.264 quality (lower = better and bigger)."),
) -> None:
    """Colorize photos and videos at full resolution; writes OUT/<name>_color.png (videos: <name>_color.mp4)."""
    from rich.console import Console
    from rich.progress import Progress

    from chromalab.cli.video_cmd import colorize_videos, split_videos
    from chromalab.core.imageio import ImageError, is_grey, iter_image_files, load_rgb, save_rgb
    from chromalab.inference.load import load_colorizer
    from chromalab.inference.reference import load_reference
    from chromalab.inference.store import DEFAULT_MODEL, REFERENCE_MODEL
    from chromalab.ops.colour import adjust_colour

    if temporal not in ("on", "off"):
        fail(f"--temporal must be on or off, got {temporal!r}")
    videos, inputs = split_videos(inputs, out)
    errors: list[str] = []
    jobs: list[tuple[Path, Path]] = []
    for item in inputs:
        root = item if item.is_dir() else None
        for src in iter_image_files([item], errors):
            jobs.append((src, output_path(src, root, out)))
    for e in errors:
        typer.echo(f"error: {e}", err=True)
    if not jobs and not videos:
        fail("no images to colorize")
    if reference and model == DEFAULT_MODEL:
        model = REFERENCE_MODEL
    try:
        colorizer = load_colorizer(model, work_size=work_size)
    except (FileNotFoundError, KeyError, ValueError) as e:
        fail(str(e))
    refs: list[tuple[str, object]] = [("", None)]
    if reference:
        if not colorizer.takes_reference:
            fail(f"model {model!r} is not reference-guided; train one with `chromalab reference train`")
        try:
            refs = [(f"_ref-{r.stem}", load_reference(r, max_pixels=int(max_megapixels * 1e6))) for r in reference]
        except ImageError as e:
            fail(str(e))
    failed = len(errors)
    done = 0
    with Progress(transient=True, console=Console(stderr=True, soft_wrap=True)) as bar:
        task = bar.add_task("colorizing", total=len(jobs))
        for src, dst in jobs:
            try:
                if dst.resolve() == src.resolve():
                    raise ImageError(f"{src}: output would overwrite the input")
                rgb = load_rgb(src, max_pixels=int(max_megapixels * 1e6))
                if not is_grey(rgb):
                    bar.console.print(f"note: {src} is in colour; colorizing its grey version", style="yellow",
                                      highlight=False)
                for tag, ref in refs:
                    out_file = dst.with_name(dst.stem + tag + dst.suffix)
                    out_rgb = colorizer.colorize(rgb, reference=ref)
                    save_rgb(adjust_colour(out_rgb, saturation, vibrance), out_file)
                done += 1
            except ImageError as e:
                bar.console.print(f"error: {e}", style="red", highlight=False, soft_wrap=True)
                failed += 1
            bar.advance(task)
    if videos:
        vdone, vfailed = colorize_videos(videos, colorizer, refs, temporal=temporal == "on", crf=crf)
        done, failed = done + vdone, failed + vfailed
    typer.echo(f"{done} colorized into {out}" + (f", {failed} failed" if failed else ""), err=True)
    if failed:
        raise typer.Exit(1)
