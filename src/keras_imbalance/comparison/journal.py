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
import hashlib
import json
import os
import sys
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from keras_imbalance._validation import short_repr

__all__ = ["JOURNAL_NAME", "JOURNAL_VERSION", "Journal", "check_output_folder", "config_hash"]

JOURNAL_NAME = "runs.jsonl"
JOURNAL_VERSION = 1

_FRESH_START = "use another output folder, or delete {path} to start over"


def _to_json(value: Any, where: str) -> Any:
    """``value`` as plain JSON types (NumPy scalars, arrays become Python); ``where`` names it."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)  # an int subclass (IntEnum) would otherwise be written by its name
    if isinstance(value, float):
        return float(value)
    if isinstance(value, np.generic) and isinstance(value, np.bool_ | np.number):
        return _to_json(value.item(), where)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise TypeError(
                f"{where}={short_repr(value)} is not JSON-serialisable (dtype {value.dtype}); "
                "give numbers, strings, lists or dicts"
            )
        return _to_json(value.tolist(), where)
    if isinstance(value, Mapping):
        converted = {}
        for name, item in value.items():
            if not isinstance(name, str):
                raise TypeError(
                    f"{where} has the key {short_repr(name)} of type {type(name).__name__}; "
                    "JSON keys must be strings, so convert it with str(...)"
                )
            converted[name] = _to_json(item, f"{where}[{name!r}]")
        return converted
    if isinstance(value, list | tuple):
        return [_to_json(item, f"{where}[{index}]") for index, item in enumerate(value)]
    raise TypeError(
        f"{where}={short_repr(value)} of type {type(value).__name__} is not JSON-serialisable; "
        "give numbers, strings, lists or dicts (e.g. str(path) for a path)"
    )


def _canonical(value: Any) -> str:
    """Canonical JSON of already-converted ``value``: sorted keys, no spaces, ``json``'s floats."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def config_hash(config: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``config``.

    Canonical JSON: keys sorted, compact separators (``","`` and ``":"``), NumPy scalars and arrays
    converted to Python numbers and lists, tuples written as lists, floats exactly as :mod:`json`
    writes them (the shortest repr that reads back to the same double). So dict order does not
    matter and ``np.int64(5)`` hashes like ``5``.

    Args:
        config: a mapping with string keys and JSON-able values.

    Returns:
        64 hex characters.

    Raises:
        TypeError: ``config`` is not a mapping, or a value is not JSON-serialisable (the error
            names its key, e.g. ``config['model']['optimizer']``).

    Example:
        >>> from keras_imbalance.comparison.journal import config_hash
        >>> config_hash({"a": 1, "b": [0.5, 2]}) == config_hash({"b": (0.5, 2), "a": 1})
        True
        >>> config_hash({})
        '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
    """
    if not isinstance(config, Mapping):
        raise TypeError(
            f"config={short_repr(config)} of type {type(config).__name__} is not a mapping; "
            "give a dict of the settings that define the runs"
        )
    text = _canonical(_to_json(config, "config"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
        >>> from keras_imbalance.comparison.journal import check_output_folder
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
        reason = error.strerror or str(error)
        raise PermissionError(
            f"output={str(folder)!r} cannot be created ({reason}); "
            "give a folder you can write to, e.g. --output results/"
        ) from error
    try:
        descriptor, probe = tempfile.mkstemp(prefix=".write-test-", dir=folder)
        os.close(descriptor)
        os.remove(probe)
    except OSError as error:
        reason = error.strerror or str(error)
        raise PermissionError(
            f"output={str(folder)!r} is not writable ({reason}); "
            "give a folder you can write to, or fix its permissions"
        ) from error
    return folder.resolve()


def _fsync(descriptor: int) -> None:
    """Flush a descriptor to stable storage (``F_FULLFSYNC`` on macOS, where plain fsync is not)."""
    if sys.platform == "darwin":
        import fcntl

        try:
            fcntl.fcntl(descriptor, fcntl.F_FULLFSYNC)
            return
        except OSError:
            pass
    os.fsync(descriptor)


def _fsync_folder(folder: Path) -> None:
    """Make a new directory entry durable; POSIX only (Windows cannot open a folder)."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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


def _differences(old: Any, new: Any, where: str = "") -> list[str]:
    """``"key: old vs new"`` for each leaf where two converted configs differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        lines = []
        for name in sorted(set(old) | set(new)):
            inner = f"{where}.{name}" if where else name
            if name not in old:
                lines.append(f"{inner}: (absent) vs {short_repr(new[name], 40)}")
            elif name not in new:
                lines.append(f"{inner}: {short_repr(old[name], 40)} vs (absent)")
            else:
                lines.extend(_differences(old[name], new[name], inner))
        return lines
    if _canonical(old) != _canonical(new):
        return [f"{where or 'config'}: {short_repr(old, 40)} vs {short_repr(new, 40)}"]
    return []


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
        converted = _to_json(config, "config")
        base = check_output_folder(folder)
        path = base / JOURNAL_NAME
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
        descriptor = os.open(path, flags, 0o644)
        try:
            _lock(descriptor, path)
            records = _read(path, descriptor, converted, digest)
            if records is None:
                header = {"journal": JOURNAL_VERSION, "config_hash": digest, "config": converted}
                _write_line(descriptor, _canonical(header))
                _fsync_folder(base)
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
            >>> from keras_imbalance.comparison.journal import Journal
            >>> with Journal.open(tempfile.mkdtemp(), {}) as journal:
            ...     print(journal.key({"key": {"seed": 1, "strategy": "none"}}))
            ...     print(journal.key({"strategy": "none", "seed": np.int64(1)}))
            {"seed":1,"strategy":"none"}
            {"seed":1,"strategy":"none"}
        """
        if isinstance(record_or_key, Mapping) and "key" in record_or_key:
            return _canonical(_to_json(record_or_key["key"], "record['key']"))
        return _canonical(_to_json(record_or_key, "key"))

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
        converted = _to_json(record, "record")
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
        _fsync(descriptor)
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
        _fsync(descriptor)
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
        key = _canonical(record["key"])
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
    changes = _differences(old, config)
    listed = "; ".join(changes) if changes else "the stored hash does not match (file edited?)"
    raise ValueError(
        f"{str(path.parent)!r} holds runs for another configuration (old vs new: {listed}); "
        f"{_fresh(path)}"
    )
