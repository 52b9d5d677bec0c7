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
from contextlib import contextmanager
from gettext import gettext as _
from typing import Any, NoReturn, TextIO

import click

from .._version import __version__
from ..errors import LiteconvError

#: command name -> "module:attribute"; a new command is one line here, and one in SUMMARIES.
COMMANDS: dict[str, str] = {
    "compare": "liteconv_cli.cli.compare:compare",
    "convert": "liteconv_cli.cli.convert:convert_command",
    "models": "liteconv_cli.cli.models:models",
    "import": "liteconv_cli.cli.import_cmd:import_command",
    "network": "liteconv_cli.cli.network:network",
    "show": "liteconv_cli.cli.show:show",
    "fit": "liteconv_cli.cli.fit:fit",
    "sweep": "liteconv_cli.cli.sweep:sweep",
}

#: command name -> the first paragraph of its help, which ``liteconv --help`` lists without
#: importing the command (tests/test_cli.py checks that the two agree)
SUMMARIES: dict[str, str] = {
    "compare": "Compare the cost of every convolution variant for one layer.",
    "convert": "Replace the standard convolutions of a network by a cheaper variant, and show the saving.",
    "models": "List the built-in networks: name, family, input, params, MACs and source.",
    "import": "Write a model file (ONNX, Keras) as an editable YAML spec.",
    "network": "Count the params and MACs of whole networks: built-in names, YAML specs, ONNX or Keras files.",
    "show": "Print the YAML spec of a built-in network, to copy and edit.",
    "fit": "Find the largest width, resolution or depth that meets a budget of MACs, params, memory or latency.",
    "sweep": "Params and MACs over a grid of width and resolution multipliers.",
}

#: what click >= 8.2 raises for a group called with no arguments (8.1 prints the help itself)
_NO_ARGS_IS_HELP: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())

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
        """Run the command, turn every error into one ``Error:`` line and an exit status, and only
        then put its output files in place (liteconv_cli/output.py): a run that ends with a
        non-zero status, Ctrl-C, SIGTERM or SIGHUP leaves every existing output as it was."""
        from ..output import Terminated, finish, run

        signum = 0
        try:
            with run() as outputs:
                code = self._status(args, prog_name, complete_var, **extra)
                try:
                    kept = finish(outputs, code == 0)
                except LiteconvError as e:
                    click.echo(f"Error: {e}", err=True)
                    code, kept = e.exit_code, []
                if kept and code != 130:
                    click.echo(f"Error: {', '.join(kept)} not written: the run failed (exit status {code})",
                               err=True)
        except Terminated as e:  # SIGTERM or SIGHUP while a temporary file existed: it is gone now
            signum, code = e.signum, 128 + e.signum
        except KeyboardInterrupt:
            code = 130
        if signum:  # end as the signal would have ended us
            import signal

            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        if standalone_mode:
            sys.exit(code)
        return code

    def _status(self, args: Any, prog_name: str | None, complete_var: str | None, **extra: Any) -> int:
        """Run click's main; the exit status, each error printed as one line (Terminated passes)."""
        from ..output import silence_stdout

        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            return rv if isinstance(rv, int) else 0
        except _NO_ARGS_IS_HELP as e:  # `liteconv` alone: its help, as click shows it (click >= 8.2)
            e.show()
            return int(e.exit_code)
        except click.ClickException as e:
            click.echo(f"Error: {e.format_message()}", err=True)
            return e.exit_code
        except LiteconvError as e:
            click.echo(f"Error: {e}", err=True)
            return e.exit_code
        except click.exceptions.Abort as e:
            click.echo("Aborted.", err=True)
            # click turns Ctrl-C into Abort: exit as shells expect of an interrupted program
            return 130 if isinstance(e.__cause__, KeyboardInterrupt) else 1
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:
            # the reader went away (| head): stop quietly with status 1, as click itself does for
            # a broken pipe inside a command, and keep Python from complaining when it flushes
            # stdout at exit
            silence_stdout()
            return 1


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
      liteconv network mobilenet_v1
      liteconv network mobilenet_v1 mobilenet_v2 resnet50 --summary --format csv > nets.csv
      liteconv network mobilenet_v2 --memory --dtype int8 --chart
      liteconv network resnet50 --convention all
      liteconv network unet r3d_18 m5 --summary          # graphs, 3-D and 1-D networks
      liteconv network r3d_18 --input 3x8x112x112        # any input, any rank
      liteconv network resnet18 --training --optimizer adam
      liteconv network mobilenet_v2 --device rpi4 --format html -o report.html
      liteconv fit mobilenet_v2 --macs 300M
      liteconv models resnet
      liteconv convert conv_mobilenet --to separable -o converted.yaml
      liteconv sweep mobilenet_v1 --width-mult 1,0.75,0.5,0.25 --resolution 224,192,160,128

    \b
    Docs: docs/formulas.md (every formula), docs/spec.md (the YAML spec format),
    docs/conventions.md (what is counted, and why other tools differ), docs/analyses.md
    (training, receptive field, roofline), docs/importers.md (ONNX and Keras).
    """


def main(args: list[str] | None = None) -> NoReturn:
    """The ``liteconv`` console script (and ``python -m liteconv_cli``): run the CLI and exit.

    The cyclic garbage collector is off while the command runs: a command makes trees of records
    and YAML nodes without cycles, which reference counting frees, and the collector would
    re-scan every object kept (a thousand walked networks) at each collection: half of the time
    of `network` on 1,000 specs. Before exiting, every object still alive is frozen (gc.freeze),
    so the interpreter's last garbage collections skip them: a short command then exits about
    9 ms (15%) sooner, and nothing is skipped (files are flushed and closed, atexit handlers run).
    """
    gc.disable()
    code = cli.main(args, standalone_mode=False)
    gc.freeze()
    sys.exit(code)


# ------------------------------------------------------- shared output options

FORMATS = ("table", "csv", "json", "markdown", "html")


#: the format a file's extension asks for, when --format is not given
FORMAT_OF_EXTENSION = {".csv": "csv", ".json": "json", ".md": "markdown", ".markdown": "markdown", ".html": "html",
                       ".htm": "html"}


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--format`` and ``-o/--output`` to a command; without --format, ``-o report.csv``
    (.json, .md, .html) writes that format, and anything else a table."""
    import functools

    command = f

    @functools.wraps(command)
    def resolved(*args: Any, fmt: str | None, output: str, **kwargs: Any) -> Any:
        if fmt is None:
            fmt = FORMAT_OF_EXTENSION.get(os.path.splitext(output)[1].lower(), "table") if output != "-" else "table"
        return command(*args, fmt=fmt, output=output, **kwargs)

    f = resolved
    f = click.option(
        "-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
        help="Write to FILE instead of stdout. A file is replaced only when the whole run succeeds "
             "(a failed run leaves it as it was); a device, FIFO or /dev/stdout is written through.",
    )(f)
    f = click.option(
        "-f", "--format", "fmt", type=click.Choice(FORMATS), default=None,
        help="table for people, csv for spreadsheets, json for scripts, markdown for docs, html for a report. "
             "Default: from -o FILE's extension (.csv, .json, .md, .html), else table.",
    )(f)
    return f


def _inputs() -> list[str]:
    """What the running command may read: every text value of its parameters but -o (a spec, a
    built-in's FILE#member, a --device file, ...), and each FILE of a FILE#member. A value that
    names no file is passed over by the check (open_output compares files by identity)."""
    ctx = click.get_current_context(silent=True)
    paths: list[str] = []
    if ctx is None:
        return paths
    for param in ctx.command.params:
        if param.name == "output":
            continue
        value = ctx.params.get(param.name or "")
        values = [value] if isinstance(value, str) else list(value) if isinstance(value, list | tuple) else []
        for v in values:
            if isinstance(v, str):
                paths.append(v)
                if "#" in v:
                    paths.append(v.split("#", 1)[0])
    return paths


@contextmanager
def open_output(path: str) -> Iterator[TextIO]:
    """A text stream for ``-o PATH`` (``-``: stdout): see liteconv_cli/output.py.

    A regular file is written to a temporary file, renamed over PATH when the command ends with
    status 0; devices, FIFOs and /dev/stdout are written through. Naming an input of the
    command is refused (exit 2) before anything is written; a failure to write is one Error line.
    """
    from .. import output

    with output.open_output(path, _inputs()) as out:
        yield out


def emit(report: Any, fmt: str, output: str) -> None:
    """Write ``report`` in ``fmt`` to ``output``; colour only for a table on a terminal.

    Raises LiteconvError when stdout's encoding cannot write a csv or markdown cell (tables
    for people replace what it cannot write, and draw ASCII boxes).
    """
    from ..formats import WRITERS, check_encodable

    with open_output(output) as out:
        # a terminal: rich draws at its width, in colour unless NO_COLOR is set (rich reads it)
        color = fmt == "table" and out is sys.stdout and out.isatty()
        with check_encodable(out):
            WRITERS[fmt](report, out, color)
