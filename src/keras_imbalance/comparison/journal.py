"""A crash-safe, append-only journal of finished runs: ``<output>/runs.jsonl``.

``compare`` trains many (strategy, seed, hyperparameter) runs. Each finished run is appended to
the journal the moment it ends, as one JSON line written with a single ``os.write`` on an
``O_APPEND`` descriptor and then ``fsync``-ed, so Ctrl-C or ``kill -9`` loses at most the run in
flight. The first line is a header holding the configuration and its hash: re-running with the
same output folder and the same configuration resumes (finished runs are skipped), and a
different configuration is an error that names the keys that differ. A write-ahead log in
miniature.

File layout (JSON Lines, UTF-8)::

    {"config": {...}, "config_hash": "<sha256 hex>", "journal": 1}
    {"key": {"seed": 0, "strategy": "none"}, ...}
    {"key": {"seed": 1, "strategy": "none"}, ...}

Only the coordinating process writes the journal; while a :class:`Journal` is open it holds an
advisory lock (``flock``, where the platform has it), so a second process that opens the same folder
gets an error instead of training the same runs twice.

Example:
    >>> import tempfile
    >>> from keras_imbalance.comparison.journal import Journal
    >>> folder = tempfile.mkdtemp()
    >>> config = {"epochs": 5, "strategies": ["none", "balanced"]}
    >>> with Journal.open(folder, config) as journal:
    ...     journal.append({"key": {"strategy": "none", "seed": 0}, "auc": 0.75})
    >>> with Journal.open(folder, config) as journal:  # same folder, same config: resume
    ...     print(len(journal.records()), {"seed": 0, "strategy": "none"} in journal)
    1 True
"""

from __future__ import annotations

import copy
import errno
import json
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from keras_imbalance._validation import short_repr
from keras_imbalance.comparison.config_json import (
    canonical,
    config_differences,
    config_hash,
    to_json,
)
from keras_imbalance.comparison.output_folder import check_output_folder, fsync, fsync_folder

# check_output_folder and config_hash live in their own modules; they stay importable from here.
__all__ = ["JOURNAL_NAME", "JOURNAL_VERSION", "Journal", "check_output_folder", "config_hash"]

JOURNAL_NAME = "runs.jsonl"
JOURNAL_VERSION = 1

_FRESH_START = "use another output folder, or delete {path} to start over"


def _lock(descriptor: int, path: Path) -> None:
    """Take an exclusive advisory lock, or say which file another process is writing."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; the single-writer rule is then the caller's
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        raise ValueError(
            f"{str(path)!r} is open in another process or Journal (a compare run is still "
            "writing to this folder); wait for it to finish, or use another output folder"
        ) from error
    except OSError as error:
        if error.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
            raise


class Journal:
    """The append-only record of finished runs in one output folder.

    Open it with :meth:`Journal.open`; it is a context manager. Each record is a JSON object with a
    ``"key"`` entry that identifies the run (e.g. ``{"strategy": "ldam_drw", "seed": 1,
    "params": {"margin": 0.5}}``); keys compare by their canonical JSON, so dict order does not
    matter. A key can be appended once: a finished run is never trained twice.

    Example:
        >>> import tempfile
        >>> from keras_imbalance.comparison.journal import Journal
        >>> folder = tempfile.mkdtemp()
        >>> with Journal.open(folder, {"epochs": 3}) as journal:
        ...     journal.append({"key": {"seed": 0, "strategy": "none"}, "auc": 0.5})
        ...     print({"strategy": "none", "seed": 0} in journal, journal.path.name)
        True runs.jsonl
    """

    def __init__(
        self,
        path: Path,
        descriptor: int,
        config: dict[str, Any],
        records: list[dict[str, Any]],
    ) -> None:
        """Internal: use :meth:`Journal.open`."""
        self._path = path
        self._descriptor: int | None = descriptor
        self._config = config
        self._records = records
        self._keys = {self.key(record) for record in records}

    @classmethod
    def open(cls, folder: str | os.PathLike[str], config: Mapping[str, Any]) -> Journal:
        """Open (or start) the journal in ``folder`` for runs defined by ``config``.

        The folder is validated first (:func:`check_output_folder`). A missing ``runs.jsonl`` is
        created with a header line ``{"journal": 1, "config_hash": ..., "config": ...}``, fsynced
        along with its folder. An existing one is read: its header must match ``config``. A torn
        last line (it lacks the newline or does not parse, as after ``kill -9`` mid-write) is
        dropped with a warning and cut from the file before anything is appended; a bad line
        anywhere else is an error.

        Args:
            folder: the output folder.
            config: the settings that define the runs (JSON-able; see :func:`config_hash`).

        Raises:
            ValueError: the journal was written for another configuration (the message names
                the keys that differ), a line other than the last is damaged (named by number),
                or another process has the journal open.
            TypeError: a value in ``config`` is not JSON-serialisable.
            NotADirectoryError, PermissionError: see :func:`check_output_folder`.
        """
        digest = config_hash(config)  # raises the TypeError for a non-mapping
        converted = to_json(config, "config")
        base = check_output_folder(folder)
        path = base / JOURNAL_NAME
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
        descriptor = os.open(path, flags, 0o644)
        try:
            _lock(descriptor, path)
            records = _read(path, descriptor, converted, digest)
            if records is None:
                header = {"journal": JOURNAL_VERSION, "config_hash": digest, "config": converted}
                _write_line(descriptor, canonical(header))
                fsync_folder(base)
                records = []
        except BaseException:
            os.close(descriptor)
            raise
        return cls(path, descriptor, converted, records)

    @property
    def path(self) -> Path:
        """The journal file, ``<folder>/runs.jsonl``."""
        return self._path

    @property
    def config(self) -> dict[str, Any]:
        """The configuration (as JSON types) this journal was written for."""
        return copy.deepcopy(self._config)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._descriptor is None

    def records(self) -> list[dict[str, Any]]:
        """The finished-run records, in the order they were appended (copies)."""
        return copy.deepcopy(self._records)

    def key(self, record_or_key: Any) -> str:
        """The canonical JSON of a run's key; a mapping with a ``"key"`` entry counts as a record.

        Example:
            >>> import tempfile
            >>> import numpy as np
            >>> from keras_imbalance.comparison.journal import Journal
            >>> with Journal.open(tempfile.mkdtemp(), {}) as journal:
            ...     print(journal.key({"key": {"seed": 1, "strategy": "none"}}))
            ...     print(journal.key({"strategy": "none", "seed": np.int64(1)}))
            {"seed":1,"strategy":"none"}
            {"seed":1,"strategy":"none"}
        """
        if isinstance(record_or_key, Mapping) and "key" in record_or_key:
            return canonical(to_json(record_or_key["key"], "record['key']"))
        return canonical(to_json(record_or_key, "key"))

    def __contains__(self, record_or_key: object) -> bool:
        """Whether the run with this key (or this record's key) is finished."""
        return self.key(record_or_key) in self._keys

    def __len__(self) -> int:
        """The number of finished runs."""
        return len(self._records)

    def append(self, record: Mapping[str, Any]) -> None:
        """Append one finished run and flush it to disk before returning.

        The record becomes one JSON line plus ``"\\n"``, written with a single ``os.write`` on
        the ``O_APPEND`` descriptor and then ``fsync``-ed. If the write fails or is short (disk
        full), the file is cut back to its previous length and the error is raised.

        Args:
            record: a mapping with a ``"key"`` entry and any JSON-able results.

        Raises:
            ValueError: the journal is closed, the record has no ``"key"``, or its key is already
                in the journal.
            TypeError: the record is not a mapping or holds a value that is not JSON-serialisable.
        """
        if self._descriptor is None:
            raise ValueError(f"the journal {str(self._path)!r} is closed; open it again to append")
        if not isinstance(record, Mapping):
            raise TypeError(
                f"record={short_repr(record)} of type {type(record).__name__} is not a mapping; "
                'give a dict such as {"key": {"strategy": "none", "seed": 0}, "auc": 0.9}'
            )
        if "key" not in record:
            raise ValueError(
                f"record={short_repr(dict(record))} has no 'key' entry; add one that identifies "
                'the run, e.g. {"strategy": "none", "seed": 0}'
            )
        converted = to_json(record, "record")
        key = self.key(converted)
        if key in self._keys:
            raise ValueError(
                f"record['key']={key} is already in {str(self._path)!r}: a finished run is never "
                "trained twice; skip keys that are `in` the journal"
            )
        _write_line(self._descriptor, json.dumps(converted, separators=(",", ":")))
        self._records.append(converted)
        self._keys.add(key)

    def close(self) -> None:
        """Release the file and its lock; safe to call twice."""
        if self._descriptor is not None:
            descriptor, self._descriptor = self._descriptor, None
            os.close(descriptor)

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"Journal({str(self._path)!r}, runs={len(self._records)}, {state})"


def _write_line(descriptor: int, text: str) -> None:
    """One ``os.write`` of ``text + "\\n"``, then fsync; undo a failed or short write."""
    data = (text + "\n").encode("utf-8")
    size = os.fstat(descriptor).st_size
    try:
        written = os.write(descriptor, data)
        if written != len(data):
            raise OSError(
                errno.EIO, f"short write: {written} of {len(data)} bytes (is the disk full?)"
            )
        fsync(descriptor)
    except BaseException:
        # A torn line would glue the next record onto it; cut the file back to the last good line.
        os.ftruncate(descriptor, size)
        raise


def _read(path: Path, descriptor: int, config: Any, digest: str) -> list[dict[str, Any]] | None:
    """The records of an existing journal, or None when it is empty (a header must be written)."""
    data = b""
    os.lseek(descriptor, 0, os.SEEK_SET)
    while chunk := os.read(descriptor, 1 << 20):
        data += chunk
    pieces = data.split(b"\n")
    # split() leaves the bytes after the last newline in the final piece: b"" for a whole file.
    complete, tail = pieces[:-1], pieces[-1]
    parsed: list[Any] = []
    good_end = 0
    torn = tail
    for number, line in enumerate(complete, start=1):
        try:
            value = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            if number == len(complete) and not tail:
                torn = line + b"\n"  # a final line that does not parse counts as torn too
                break
            reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
            raise ValueError(
                f"{str(path)!r} line {number} is damaged ({reason}); only the last line may be "
                f"torn by a crash. Fix or remove line {number}, or {_fresh(path)}"
            ) from error
        parsed.append(value)
        good_end += len(line) + 1
    if torn:
        warnings.warn(
            f"{str(path)!r}: dropped a torn last line ({len(torn)} bytes) left by an interrupted "
            "write; that run will be trained again",
            RuntimeWarning,
            stacklevel=3,
        )
        os.ftruncate(descriptor, good_end)
        fsync(descriptor)
    if not parsed:
        return None
    _check_header(path, parsed[0], config, digest)
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, record in enumerate(parsed[1:], start=2):
        if not isinstance(record, dict) or "key" not in record:
            raise ValueError(
                f"{str(path)!r} line {number} is not a run record (a JSON object with a 'key'): "
                f"{short_repr(record)}; fix or remove line {number}, or {_fresh(path)}"
            )
        key = canonical(record["key"])
        if key in seen:
            raise ValueError(
                f"{str(path)!r} line {number} repeats the run key {key}; remove one of the two "
                f"lines, or {_fresh(path)}"
            )
        seen.add(key)
        records.append(record)
    return records


def _fresh(path: Path) -> str:
    return _FRESH_START.format(path=str(path))


def _check_header(path: Path, header: Any, config: Any, digest: str) -> None:
    """Raise unless line 1 is a version-1 header for this configuration."""
    if not isinstance(header, dict) or "journal" not in header:
        raise ValueError(
            f"{str(path)!r} line 1 is not a journal header: {short_repr(header)}; {_fresh(path)}"
        )
    if header["journal"] != JOURNAL_VERSION:
        raise ValueError(
            f"{str(path)!r} has journal version {short_repr(header['journal'])}; this "
            f"keras-imbalance reads version {JOURNAL_VERSION}: upgrade, or {_fresh(path)}"
        )
    if header.get("config_hash") == digest:
        return
    old = header.get("config")
    changes = config_differences(old, config)
    listed = "; ".join(changes) if changes else "the stored hash does not match (file edited?)"
    raise ValueError(
        f"{str(path.parent)!r} holds runs for another configuration (old vs new: {listed}); "
        f"{_fresh(path)}"
    )
