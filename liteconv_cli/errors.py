"""The exceptions liteconv raises for problems a user can fix.

The core raises them and never prints or exits; the CLI turns them into one
``Error: ...`` line on stderr in one place (``liteconv_cli.cli.LiteconvGroup``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class LiteconvError(Exception):
    """A problem with the input that the user can fix (exit status 1)."""

    exit_code = 1


class UsageProblem(LiteconvError):
    """An option's value names nothing that exists (an unknown device, a row the network lacks,
    an input that is no shape): a usage error, exit status 2, found after the options were read."""

    exit_code = 2


class InvalidValue(LiteconvError):
    """One field of a layer has a value the formulas cannot use."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}={value} {reason}")


class SpecError(LiteconvError):
    """A network spec is malformed; the message names file, line, layer and field."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        layer: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.layer = layer
        self.message = message
        where = ""
        if file is not None:
            where = file
            if line is not None:
                where += f":{line}"
                if column is not None:
                    where += f":{column}"
            where += ": "
        if layer:
            where += f"{layer}: "
        super().__init__(where + message)


@contextmanager
def reading(path: str, what: str = "a spec file") -> Iterator[None]:
    """Turn an OSError raised while reading ``path`` into one SpecError naming the file.

    Raises SpecError: no such file, a directory (not ``what``), permission denied, or another
    OS error (its message).
    """
    try:
        yield
    except FileNotFoundError:
        raise SpecError("no such file", file=path) from None
    except IsADirectoryError:
        raise SpecError(f"is a directory, not {what}", file=path) from None
    except PermissionError:
        raise SpecError("permission denied", file=path) from None
    except OSError as e:
        raise SpecError(f"cannot read: {e.strerror or e}", file=path) from None
