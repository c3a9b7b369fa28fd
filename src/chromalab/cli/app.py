"""The Typer application object that every command module adds itself to."""

import typer
import typer.core


def _flags_show_no_type() -> None:
    """Typer (0.2x) prints ``<bool>`` beside plain flags in ``--help``, which reads as "takes a value": users then
    wrote ``--overwrite true`` and ``true`` became an input file. A flag takes no value, so its help shows none
    (options with values keep their type)."""
    option = getattr(typer.core, "TyperOption", None)
    shown = getattr(option, "display_type_rich", None)
    if shown is None or getattr(shown, "flags_hidden", False):
        return

    def display_type_rich(self, ctx):
        return None if getattr(self, "is_flag", False) and self.metavar is None else shown(self, ctx)

    display_type_rich.flags_hidden = True
    option.display_type_rich = display_type_rich


_flags_show_no_type()
app = typer.Typer(name="chromalab", help="Colorize black-and-white photos; train, evaluate and compare colorizers.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


def _version(value: bool) -> None:
    if value:
        from chromalab.core.version import __version__

        typer.echo(f"chromalab {__version__}")
        raise typer.Exit()


@app.callback()
def root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and exit.")) -> None:
    """Colorize black-and-white photos; train, evaluate and compare colorizers."""


def fail(message: str, code: int = 1) -> None:
    """Print one line on stderr and exit."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def parse_sets(items: list[str] | None) -> dict[str, str]:
    """``["k=v", ...]`` → dict; a malformed item is a clear error."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"--set expects key=value, got {item!r}")
        out[key.strip()] = value.strip()
    return out
