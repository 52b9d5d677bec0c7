"""Where a command's output goes, and how a file is written without harm.

``-o PATH`` is resolved once (:func:`destination`):

- ``-``: stdout.
- ``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N``, ``/proc/self/fd/N``: that descriptor, written
  through (a copy of it: the shell's offset and append mode are kept, nothing is truncated).
- anything else under ``/dev`` or ``/proc``, or an existing path that is not a regular file
  (a character device such as ``/dev/null``, a FIFO): opened and written through, as ``>`` does.
  Never replaced: renaming a file over ``/dev/null`` would break it for the whole machine.
- a regular file or a new path: written to a temporary file in the same folder, which replaces
  the target (``os.replace``) only when the whole run succeeds. A symlink is followed: its
  target is replaced and the link kept.

Within a run (:func:`run`, which the CLI wraps around every command) the rename waits until the
exit status is known: a run that ends with a non-zero status, an exception, Ctrl-C, SIGTERM or
SIGHUP removes its temporary files and leaves every existing output as it was. Outside a run
(a library call), the file is replaced when the ``with`` block ends without an exception.

Every failure to write (a full disk, a closed stdout, a missing folder) raises
:class:`OutputError`, one line for the user; a reader that went away raises BrokenPipeError.
"""


import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import NamedTuple, TextIO

from .errors import LiteconvError


class OutputError(LiteconvError):
    """The output cannot be written (exit status 1): a full disk, a closed stdout, no such folder."""


class OutputIsInput(LiteconvError):
    """``-o`` names a file the command reads (exit status 2, a usage error): refused before writing."""

    exit_code = 2


class Destination(NamedTuple):
    """How an ``-o`` path is written: ``kind`` is stdout, fd, through or atomic."""

    kind: str
    #: the path as the user gave it, for messages
    name: str
    #: for atomic: the real path replaced (symlinks followed); for through: the path opened
    path: str = ""
    #: for fd: the descriptor written through
    fd: int = -1


#: descriptors named by path: /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N
_FD_PATTERN = r"^/(?:dev/(?:fd/(\d+)|(stdout)|(stderr))|proc/self/fd/(\d+))$"  # compiled when -o names a path
#: folders whose entries are devices or views of descriptors: written through, never replaced
_SPECIAL = ("/dev/", "/proc/")


def _fd_of(path: str) -> int | None:
    m = re.match(_FD_PATTERN, path)
    if m is None:
        return None
    fd, out, err, proc_fd = m.groups()
    return 1 if out else 2 if err else int(fd or proc_fd)


def destination(name: str) -> Destination:
    """Resolve ``-o NAME`` (see the module's docstring). Raises OutputError for a folder."""
    if name == "-":
        return Destination("stdout", name)
    path = os.path.abspath(name)
    # follow the symlinks of the last component one by one: a link to /dev/stdout is a descriptor
    for _ in range(40):
        fd = _fd_of(path)
        if fd is not None:
            return Destination("fd", name, path, fd)
        if path.startswith(_SPECIAL):
            break
        try:
            link = os.readlink(path)
        except OSError:  # not a link, or missing
            break
        path = os.path.normpath(os.path.join(os.path.dirname(path), link))
    real = os.path.realpath(path)  # links among the folders, and a dangling link's target
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        return Destination("through" if real.startswith(_SPECIAL) else "atomic", name, real)
    except OSError as e:
        raise OutputError(f"cannot write {name}: {e.strerror}") from None
    if stat.S_ISDIR(mode):
        raise OutputError(f"cannot write {name}: it is a folder")
    if stat.S_ISREG(mode) and not real.startswith(_SPECIAL):
        return Destination("atomic", name, real)
    return Destination("through", name, real)


def check_not_input(name: str, inputs: Iterable[str]) -> None:
    """Raise OutputIsInput if ``-o NAME`` is one of ``inputs`` (paths, ``-`` = stdin): the same
    file by device and inode (os.path.samestat), however it is spelled or linked."""
    if name == "-":
        return
    try:
        out = os.stat(name)
    except OSError:
        return  # a new file is no input
    if not stat.S_ISREG(out.st_mode):
        return  # a device or a FIFO is written through: reading one is no conflict to refuse
    for path in inputs:
        try:
            st = os.fstat(sys.stdin.fileno()) if path == "-" else os.stat(path)
        except (OSError, ValueError, AttributeError):
            continue
        if os.path.samestat(st, out):
            shown = "stdin" if path == "-" else path
            raise OutputIsInput(f"-o {name} is the input {shown}: write the output to another file")


# ------------------------------------------------------------------ a run: rename on success only

class _Run:
    """Temporary files waiting for the run's exit status, and the signal handlers replaced."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, str, str]] = []  # (temporary, target, name)
        self.handlers: dict[int, object] = {}


_run: _Run | None = None

def _signals() -> tuple[int, ...]:
    """The signals that remove the temporary files before the process ends (SIGINT raises
    KeyboardInterrupt already); imported here, as a run without a file never needs them."""
    import signal

    return tuple(getattr(signal, s) for s in ("SIGTERM", "SIGHUP") if hasattr(signal, s))


class Terminated(BaseException):
    """Raised by the SIGTERM/SIGHUP handler while a temporary file exists, to unwind and clean up."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated(signum)


def _catch_signals(state: _Run) -> None:
    if state.handlers:
        return
    import signal

    for s in _signals():
        try:
            state.handlers[s] = signal.signal(s, _raise_terminated)
        except ValueError:  # not the main thread: leave the signals alone
            state.handlers.clear()
            return


def _release_signals(state: _Run) -> None:
    if not state.handlers:
        return
    import signal

    for s, handler in state.handlers.items():
        signal.signal(s, handler)  # type: ignore[arg-type]
    state.handlers.clear()


@contextmanager
def run() -> Iterator[_Run]:
    """Wrap a command: outputs written in it are renamed into place by :func:`finish` only."""
    global _run
    outer, _run = _run, _Run()
    try:
        yield _run
    finally:
        state, _run = _run, outer
        _discard(state)  # whatever finish() did not commit
        _release_signals(state)


def finish(state: _Run, ok: bool) -> list[str]:
    """End a run: rename every temporary file into place if ``ok``, else remove them all.

    Returns the names of outputs left as they were (``ok`` false), for a message. Raises
    OutputError when a rename fails (the other temporary files are removed).
    """
    if not ok:
        names = [name for _, _, name in state.pending]
        _discard(state)
        return names
    if not state.pending:
        return []
    import signal

    mask = getattr(signal, "pthread_sigmask", None)
    signals = _signals()
    if mask is not None and signals:  # a signal now would leave some files renamed, some not
        mask(signal.SIG_BLOCK, signals)
    try:
        while state.pending:
            tmp, target, name = state.pending[0]
            try:
                os.replace(tmp, target)
            except OSError as e:
                raise OutputError(f"cannot write {name}: {e.strerror}") from None
            state.pending.pop(0)
    finally:
        _discard(state)
        _release_signals(state)  # a signal held back by the mask now acts as it would have
        if mask is not None and signals:
            mask(signal.SIG_UNBLOCK, signals)
    return []


def _discard(state: _Run) -> None:
    for tmp, _, _ in state.pending:
        with suppress(OSError):
            os.unlink(tmp)
    state.pending.clear()


# ------------------------------------------------------------------ opening an output


@contextmanager
def open_output(name: str, inputs: Iterable[str] = ()) -> Iterator[TextIO]:
    """A text stream for ``-o NAME`` (``-`` is stdout), written as the module's docstring says.

    Files are UTF-8 with ``\\n`` line ends. ``inputs`` are the paths the command reads: naming
    one of them raises OutputIsInput before anything is written. Raises OutputError when the
    output cannot be written (the message names it and the reason); BrokenPipeError passes.
    """
    check_not_input(name, inputs)
    dest = destination(name)
    if dest.kind == "stdout":
        with _writing("stdout", stdout=True):
            if sys.stdout is None:
                raise OutputError("cannot write to stdout: it is closed")
            yield sys.stdout
            sys.stdout.flush()
        return
    if dest.kind in ("fd", "through"):
        with _writing(name, stdout=dest.fd == 1):
            if dest.kind == "fd":
                fd = os.dup(dest.fd)
                f = os.fdopen(fd, "w", encoding="utf-8", newline="")
            else:
                f = open(dest.path, "w", encoding="utf-8", newline="")  # noqa: SIM115
            with f:
                yield f
        return
    yield from _atomic(dest)


def _atomic(dest: Destination) -> Iterator[TextIO]:
    import tempfile

    state = _run
    if state is not None:
        _catch_signals(state)
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dest.path), prefix=".liteconv-", suffix=".tmp")
    except OSError as e:
        raise OutputError(f"cannot write {dest.name}: {e.strerror}") from None
    handlers: _Run | None = None
    if state is None:  # a library call: catch the signals for the time of the write only
        handlers = _Run()
        _catch_signals(handlers)
    try:
        with _writing(dest.name):
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                yield f
                f.flush()
                os.fsync(f.fileno())
            _copy_mode(dest.path, tmp)
        if state is not None:
            state.pending.append((tmp, dest.path, dest.name))
        else:
            try:
                os.replace(tmp, dest.path)
            except OSError as e:
                raise OutputError(f"cannot write {dest.name}: {e.strerror}") from None
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        if handlers is not None:
            _release_signals(handlers)


def _copy_mode(target: str, tmp: str) -> None:
    """Give the temporary file the permissions (and owner, when allowed) the target keeps if it
    exists, else those open() gives a new file (mkstemp makes it private, 0600)."""
    try:
        st = os.stat(target)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        return
    os.chmod(tmp, st.st_mode & 0o7777)
    if hasattr(os, "chown") and (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
        with suppress(OSError):
            os.chown(tmp, st.st_uid, st.st_gid)
            os.chmod(tmp, st.st_mode & 0o7777)  # chown clears set-id bits


@contextmanager
def _writing(name: str, stdout: bool = False) -> Iterator[None]:
    """Turn an OSError while writing into OutputError; a broken pipe passes unchanged.

    After a failed write to stdout, stdout is pointed at /dev/null so that Python's own flush
    at exit does not fail a second time with a traceback.
    """
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as e:
        if stdout:
            silence_stdout()
        where = "to stdout" if name == "stdout" else name
        raise OutputError(f"cannot write {where}: {e.strerror or e}") from None


def silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null: what is still buffered for stdout goes nowhere."""
    with suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
