"""Files persona writes for the user (reports, exports, accounts.toml): whole or not at all,
and no more readable than their words allow.

A file is written to a temporary sibling, flushed to disk, and renamed over its name only
when every byte is in: a full disk, a quota, a vanished directory or an interruption leaves
the old file (or none) and no 0-byte or truncated one. A target that is not a regular file
(/dev/stdout, a pipe, /dev/full) cannot be replaced; it is written straight through.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

from personas.errors import BadInput, PersonaError, WriteFailed

PRIVATE = 0o600  # words only the user may read: private posts, DMs, accounts.toml
PRIVATE_DIR = 0o700


@contextmanager
def replaced(path: Path, *, private: bool = False,
             fix: str = "choose another file") -> Iterator[TextIO]:
    """A text stream that becomes `path` when the block ends without an error.

    `private` files are created 0600. Others keep the mode of the file they replace, or get
    the usual 0666 less the umask. On any failure the temporary file is removed, `path` is
    as it was, and `WriteFailed` says why in one line, with `fix`.
    """
    if path.is_symlink():  # the file it points at is replaced, not the link
        path = Path(os.path.realpath(path))
    if _special(path):
        yield from _straight(path, fix)
        return
    import tempfile

    directory = path.parent
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=".part",
                                    dir=directory)
    except OSError as e:
        raise _failed(path, e, fix) from None
    try:
        os.fchmod(fd, _mode(path, private))
        with open(fd, "w", encoding="utf-8", newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException as e:
        with suppress(OSError):
            os.unlink(temp)
        if isinstance(e, OSError):
            raise _failed(path, e, fix) from None
        raise
    _sync_directory(directory)


def write_text(path: Path, text: str, *, private: bool = False,
               fix: str = "choose another file") -> None:
    with replaced(path, private=private, fix=fix) as out:
        out.write(text)


@contextmanager
def stdout_stream(fix: str = "write to a file with -o FILE") -> Iterator[TextIO]:
    """stdout, with a failure to write it (a full disk behind a redirect, /dev/full) said in
    one line. What was written cannot be taken back; the exit status says it is short."""
    try:
        yield sys.stdout
        sys.stdout.flush()
    except OSError as e:
        if e.errno == errno.EPIPE:
            raise
        forget_stdout()
        raise WriteFailed(f"cannot write to stdout: {e.strerror}; the output is incomplete: "
                          f"{fix}") from None


def _straight(path: Path, fix: str) -> Iterator[TextIO]:
    try:
        out = path.open("w", encoding="utf-8", newline="")
    except OSError as e:
        raise _failed(path, e, fix) from None
    try:
        with out:
            yield out
    except OSError as e:
        raise WriteFailed(f"cannot write {path}: {e.strerror}; the output is incomplete: "
                          f"{fix}") from None


def _special(path: Path) -> bool:
    """An existing target that is not a regular file: a device or a pipe."""
    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _mode(path: Path, private: bool) -> int:
    if private:
        return PRIVATE
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _failed(path: Path, e: OSError, fix: str) -> PersonaError:
    """Exit 2 for a path that cannot be one (no such directory, a directory): a typo. Exit
    1 for a place that cannot be written now (full, read-only, not permitted)."""
    why = e.strerror or str(e)
    if e.errno in (errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG):
        return BadInput(f"cannot write {path}: {why}; {fix}")
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        free = _free(path.parent)
        why += f" ({free} free)" if free else ""
        fix = f"free some space there, or {fix}"
    return WriteFailed(f"cannot write {path}: {why}; nothing was written: {fix}")


def _free(directory: Path) -> str | None:
    try:
        free = shutil.disk_usage(directory).free
    except OSError:
        return None
    for unit in ("bytes", "KB", "MB", "GB"):
        if free < 1024 or unit == "GB":
            return f"{free:.0f} {unit}" if unit == "bytes" else f"{free:.1f} {unit}"
        free /= 1024
    return None


def _sync_directory(directory: Path) -> None:
    """The rename itself survives a crash once the directory is flushed (where it can be)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def forget_stdout() -> None:
    """What is left in stdout's buffer would fail again at exit, with a traceback of its own:
    point stdout at nothing."""
    with suppress(OSError, ValueError):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (for the rest of the process)


def full(directory: Path, e: BaseException | None = None) -> bool:
    """Is this a full disk: the error says so (ENOSPC, a quota, SQLite's "database or disk is
    full"), or the disk holding `directory` has less than a megabyte left (SQLite reports
    a write that found no space as a "disk I/O error")?"""
    if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if e is not None and "disk is full" in str(getattr(e, "orig", None) or e).lower():
        return True
    try:
        return shutil.disk_usage(directory).free < 1024 * 1024
    except OSError:
        return False


def make_private_dir(directory: Path) -> None:
    """Create `directory` (and its parents) if missing; a directory persona creates for its
    data or configuration is the user's alone, 0700."""
    directory.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
