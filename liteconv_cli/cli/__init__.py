"""The click command line: the only package that imports click.

Errors are converted here, in one place: a LiteconvError from the core becomes one line
``Error: ...`` on stderr and exit 1; a usage error (click's) becomes one line and exit 2.
Commands live in their own modules and are imported only when named, so ``--help`` and
``--version`` stay fast.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from gettext import gettext as _
from typing import Any, NoReturn, TextIO

import click

from .._version import __version__
from ..errors import LiteconvError

#: command name -> "module:attribute"; a new command is one line here, and one in SUMMARIES.
COMMANDS: dict[str, str] = {
    "compare": "liteconv_cli.cli.compare:compare",
    "convert": "liteconv_cli.cli.convert:convert_command",
    "network": "liteconv_cli.cli.network:network",
    "sweep": "liteconv_cli.cli.sweep:sweep",
}

#: command name -> the first paragraph of its help, which ``liteconv --help`` lists without
#: importing the command (tests/test_cli.py checks that the two agree)
SUMMARIES: dict[str, str] = {
    "compare": "Compare the cost of every convolution variant for one layer.",
    "convert": "Replace the standard convolutions of a network by a cheaper variant, and show the saving.",
    "network": "Count the params and MACs of whole networks described in YAML.",
    "sweep": "Params and MACs over a grid of width and resolution multipliers.",
}

EXIT_CODES = """\b
Exit status: 0 success, 1 a problem with the input (a spec, a file),
2 a usage error (an unknown option, a value out of range)."""


class LiteconvGroup(click.Group):
    """A click group that loads commands lazily and turns every error into one stderr line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        cmd: click.Command = getattr(importlib.import_module(module), attr)
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands from SUMMARIES, as click would from the commands, importing none."""
        stand_ins = [(name, click.Command(name, help=SUMMARIES[name])) for name in self.list_commands(ctx)]
        if stand_ins:
            limit = formatter.width - 6 - max(len(name) for name, _ in stand_ins)
            with formatter.section(_("Commands")):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in stand_ins])

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = rv if isinstance(rv, int) else 0
        except click.ClickException as e:
            click.echo(f"Error: {e.format_message()}", err=True)
            code = e.exit_code
        except LiteconvError as e:
            click.echo(f"Error: {e}", err=True)
            code = e.exit_code
        except click.exceptions.Abort:
            click.echo("Aborted.", err=True)
            code = 1
        except KeyboardInterrupt:
            code = 130
        except BrokenPipeError:
            # the reader went away (| head): stop quietly, and keep Python from complaining at exit
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            code = 0
        if standalone_mode:
            sys.exit(code)
        return code


@click.group(
    cls=LiteconvGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES,
)
@click.version_option(__version__, "-V", "--version", prog_name="liteconv", message="%(prog)s %(version)s")
def cli() -> None:
    """Exact parameter and multiply-accumulate counts for convolutions and whole CNNs.

    \b
    Examples:
      liteconv compare --cin 64 --cout 128 -k 3
      liteconv compare --cin 64 --cout 128 -k 3 --size 56 --format csv
      liteconv network configs/mobilenet_v1.yaml
      liteconv network configs/*.yaml --summary --format csv > nets.csv
      liteconv network configs/mobilenet_v2.yaml --memory --dtype int8 --chart
      liteconv network configs/resnet50.yaml --convention all
      liteconv convert configs/conv_mobilenet.yaml --to separable -o converted.yaml
      liteconv sweep configs/mobilenet_v1.yaml --width 1,0.75,0.5,0.25 --resolution 224,192,160,128

    \b
    Docs: docs/formulas.md (every formula), docs/spec.md (the YAML spec format),
    docs/conventions.md (what is counted, and why other tools differ).
    """


def main(args: list[str] | None = None) -> NoReturn:
    """The ``liteconv`` console script (and ``python -m liteconv_cli``): run the CLI and exit.

    Before exiting, every object still alive is frozen (gc.freeze), so the interpreter's last
    garbage collections skip them: a short command then exits about 9 ms (15%) sooner, and
    nothing is skipped (files are flushed and closed, atexit handlers run).
    """
    code = cli.main(args, standalone_mode=False)
    gc.freeze()
    sys.exit(code)


# ------------------------------------------------------- shared output options

FORMATS = ("table", "csv", "json", "markdown")


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--format`` and ``-o/--output`` to a command."""
    f = click.option(
        "-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
        help="Write to FILE instead of stdout (atomically: a failed run leaves no partial file).",
    )(f)
    f = click.option(
        "-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
        help="table for people, csv for spreadsheets, json for scripts, markdown for docs.",
    )(f)
    return f


@contextmanager
def open_output(path: str) -> Iterator[TextIO]:
    """stdout for '-', else a temporary file in the same folder renamed over PATH on success."""
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".liteconv-", suffix=".tmp")
    except OSError as e:
        raise LiteconvError(f"cannot write {path}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            yield f
        os.chmod(tmp, _file_mode(path))  # mkstemp makes it private (0600); give it a new file's mode
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _file_mode(path: str) -> int:
    """The permissions PATH keeps if it exists, else those open() would give a new file."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def emit(report: Any, fmt: str, output: str) -> None:
    """Write ``report`` in ``fmt`` to ``output``; colour only for a table on a terminal."""
    from ..formats import WRITERS

    with open_output(output) as out:
        # a terminal: rich draws at its width, in colour unless NO_COLOR is set (rich reads it)
        color = fmt == "table" and out is sys.stdout and out.isatty()
        WRITERS[fmt](report, out, color)
