"""Check an output folder before any work starts, and make what is written to it durable."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

__all__ = ["check_output_folder", "fsync", "fsync_folder"]


def _unwritable(folder: Path, error: OSError, problem: str, fix: str) -> PermissionError:
    """The error for a folder that cannot be written, with the operating system's reason."""
    reason = error.strerror or str(error)
    return PermissionError(f"output={str(folder)!r} {problem} ({reason}); {fix}")


def check_output_folder(path: str | os.PathLike[str]) -> Path:
    """Check that ``path`` can hold results, before any work starts; return it resolved.

    A missing folder is created (parents too). Writing is tried, not guessed from permission bits:
    a temporary file is created in the folder and removed again.

    Args:
        path: the output folder.

    Returns:
        The resolved :class:`~pathlib.Path` of the folder.

    Raises:
        NotADirectoryError: ``path`` (or one of its parents) is an existing file.
        PermissionError: the folder cannot be created, or a file cannot be created in it; the
            message gives the operating system's reason.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from keras_imbalance.comparison.output_folder import check_output_folder
        >>> base = Path(tempfile.mkdtemp())
        >>> check_output_folder(base / "results" / "run1").is_dir()
        True
    """
    folder = Path(os.fspath(path)).expanduser()
    for candidate in (folder, *folder.parents):
        if candidate.exists() and not candidate.is_dir():
            raise NotADirectoryError(
                f"output={str(folder)!r}: {str(candidate)!r} is a file, not a folder; "
                "give a folder, e.g. --output results/"
            )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _unwritable(
            folder,
            error,
            "cannot be created",
            "give a folder you can write to, e.g. --output results/",
        ) from error
    try:
        descriptor, probe = tempfile.mkstemp(prefix=".write-test-", dir=folder)
        os.close(descriptor)
        os.remove(probe)
    except OSError as error:
        raise _unwritable(
            folder,
            error,
            "is not writable",
            "give a folder you can write to, or fix its permissions",
        ) from error
    return folder.resolve()


def fsync(descriptor: int) -> None:
    """Flush a descriptor to stable storage (``F_FULLFSYNC`` on macOS, where plain fsync is not)."""
    if sys.platform == "darwin":
        import fcntl

        try:
            fcntl.fcntl(descriptor, fcntl.F_FULLFSYNC)
            return
        except OSError:
            pass
    os.fsync(descriptor)


def fsync_folder(folder: Path) -> None:
    """Make a new directory entry durable; POSIX only (Windows cannot open a folder)."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
