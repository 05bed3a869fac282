"""The crash-safe run journal: round trip, resume checks, torn lines, folder checks, kill -9."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from keras_imbalance.comparison.journal import (
    JOURNAL_NAME,
    JOURNAL_VERSION,
    Journal,
    check_output_folder,
    config_hash,
)

CONFIG = {"epochs": 3, "strategies": ["none", "balanced"], "model": {"units": 8, "lr": 0.001}}


def _record(strategy: str, seed: int, auc: float) -> dict[str, Any]:
    return {"key": {"strategy": strategy, "seed": seed, "params": {}}, "auc": auc, "epochs": 3}


RECORDS = [_record("none", 0, 0.5), _record("balanced", 0, 0.75), _record("none", 1, 0.625)]


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


# ---------------------------------------------------------------------------- round trip


def test_round_trip(tmp_path: Path) -> None:
    with Journal.open(tmp_path, CONFIG) as journal:
        assert journal.path == tmp_path.resolve() / JOURNAL_NAME
        assert journal.records() == []
        for record in RECORDS:
            journal.append(record)
        assert journal.records() == RECORDS
    assert journal.closed

    # The file: a header line, then one compact JSON line per record, each ending in "\n".
    lines = _lines(tmp_path / JOURNAL_NAME)
    assert lines[-1] == ""
    assert len(lines) == 1 + len(RECORDS) + 1
    header = json.loads(lines[0])
    assert header == {
        "journal": JOURNAL_VERSION,
        "config_hash": hashlib.sha256(
            json.dumps(CONFIG, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest(),
        "config": CONFIG,
    }
    assert [json.loads(line) for line in lines[1:-1]] == RECORDS

    with Journal.open(tmp_path, CONFIG) as journal:
        assert journal.records() == RECORDS
        assert journal.config == CONFIG
        assert len(journal) == 3
        for record in RECORDS:
            assert record in journal
            assert record["key"] in journal
        # Keys compare by canonical JSON: dict order and NumPy scalars do not matter.
        assert {"seed": np.int64(1), "params": {}, "strategy": "none"} in journal
        assert {"strategy": "none", "seed": 2, "params": {}} not in journal
        with pytest.raises(ValueError, match=r"already in .*never trained twice"):
            journal.append({"key": {"params": {}, "seed": 0, "strategy": "balanced"}, "auc": 0.1})
        journal.append(_record("balanced", 1, 0.875))
    with Journal.open(tmp_path, CONFIG) as journal:
        assert journal.records() == [*RECORDS, _record("balanced", 1, 0.875)]


def test_records_are_copies_and_numpy_values_are_written_as_python(tmp_path: Path) -> None:
    with Journal.open(tmp_path, CONFIG) as journal:
        journal.append({"key": {"seed": np.int32(4)}, "curve": np.array([0.25, 0.5])})
        journal.records()[0]["curve"].append(99)
        assert journal.records() == [{"key": {"seed": 4}, "curve": [0.25, 0.5]}]
    with Journal.open(tmp_path, CONFIG) as journal:
        assert journal.records() == [{"key": {"seed": 4}, "curve": [0.25, 0.5]}]


def test_append_errors(tmp_path: Path) -> None:
    with Journal.open(tmp_path, CONFIG) as journal:
        with pytest.raises(ValueError, match=r"has no 'key' entry; add one"):
            journal.append({"auc": 0.5})
        with pytest.raises(TypeError, match=r"record=\[1, 2\] of type list is not a mapping"):
            journal.append([1, 2])  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"record\['extra'\]\['when'\]=.* not JSON"):
            journal.append({"key": 1, "extra": {"when": object()}})
        # A failed append writes nothing.
        assert journal.records() == []
    assert _lines(tmp_path / JOURNAL_NAME)[1:] == [""]
    with pytest.raises(ValueError, match=r"is closed; open it again"):
        journal.append({"key": 1})
    journal.close()  # a second close is harmless


# ------------------------------------------------------------------------- configuration


def test_different_config_is_an_error_naming_the_keys(tmp_path: Path) -> None:
    with Journal.open(tmp_path, CONFIG) as journal:
        journal.append(RECORDS[0])
    changed = {**CONFIG, "epochs": 10, "model": {"units": 8, "lr": 0.01}, "batch": 32}
    with pytest.raises(ValueError) as caught:
        Journal.open(tmp_path, changed)
    message = str(caught.value)
    assert str(tmp_path.resolve()) in message
    assert "epochs: 3 vs 10" in message
    assert "model.lr: 0.001 vs 0.01" in message
    assert "batch: (absent) vs 32" in message
    assert "strategies" not in message and "units" not in message
    assert "use another output folder, or delete" in message and JOURNAL_NAME in message
    assert "\n" not in message  # the CLI shows the first line only
    # The failed open changed nothing.
    with Journal.open(tmp_path, CONFIG) as journal:
        assert journal.records() == [RECORDS[0]]


def test_same_config_in_another_order_resumes(tmp_path: Path) -> None:
    with Journal.open(tmp_path, CONFIG) as journal:
        journal.append(RECORDS[0])
    reordered: dict[str, Any] = {"model": {"lr": 0.001, "units": np.int64(8)}}
    reordered["strategies"] = ("none", "balanced")
    reordered["epochs"] = 3
    with Journal.open(tmp_path, reordered) as journal:
        assert journal.records() == [RECORDS[0]]


def test_header_of_another_version_is_an_error(tmp_path: Path) -> None:
    header = {"journal": 2, "config_hash": config_hash(CONFIG), "config": CONFIG}
    (tmp_path / JOURNAL_NAME).write_text(json.dumps(header) + "\n")
    with pytest.raises(ValueError, match=r"journal version 2; .* reads version 1"):
        Journal.open(tmp_path, CONFIG)
    (tmp_path / JOURNAL_NAME).write_text(json.dumps({"key": 1}) + "\n")
    with pytest.raises(ValueError, match=r"line 1 is not a journal header"):
        Journal.open(tmp_path, CONFIG)


def test_a_second_open_while_one_is_open_is_refused(tmp_path: Path) -> None:
    if sys.platform == "win32":
        pytest.skip("no flock on Windows; the single-writer rule is the caller's there")
    with Journal.open(tmp_path, CONFIG), pytest.raises(ValueError, match=r"is open in another"):
        Journal.open(tmp_path, CONFIG)
    with Journal.open(tmp_path, CONFIG) as journal:  # released on close
        assert journal.records() == []


# -------------------------------------------------------------------------- torn lines


@pytest.mark.parametrize(
    "torn",
    [b'{"key": {"strategy": "none", "se', b'{"key": 7}', b"\x00\x00\x00\x00", b"{broken}\n"],
    ids=["partial", "whole-json-no-newline", "zeros", "unparsable-with-newline"],
)
def test_torn_last_line_is_dropped_and_cut_from_the_file(tmp_path: Path, torn: bytes) -> None:
    with Journal.open(tmp_path, CONFIG) as journal:
        for record in RECORDS[:2]:
            journal.append(record)
    path = tmp_path / JOURNAL_NAME
    good = path.read_bytes()
    with path.open("ab") as handle:
        handle.write(torn)
    with pytest.warns(RuntimeWarning, match=rf"dropped a torn last line \({len(torn)} bytes\)"):
        journal = Journal.open(tmp_path, CONFIG)
    with journal:
        assert journal.records() == RECORDS[:2]
        assert path.read_bytes() == good  # cut before any append
        journal.append(RECORDS[2])
    lines = _lines(path)
    assert lines[-1] == ""
    assert [json.loads(line) for line in lines[1:-1]] == RECORDS
    with Journal.open(tmp_path, CONFIG) as journal:
        assert journal.records() == RECORDS


def test_torn_header_alone_starts_over(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_NAME
    path.write_bytes(b'{"config": {"epo')
    with pytest.warns(RuntimeWarning, match=r"torn last line"), Journal.open(tmp_path, CONFIG) as j:
        assert j.records() == []
    assert json.loads(_lines(path)[0])["config"] == CONFIG


@pytest.mark.parametrize("bad", [b"{not json", b"", b'"a string"'])
def test_damaged_middle_line_is_an_error_naming_its_number(tmp_path: Path, bad: bytes) -> None:
    with Journal.open(tmp_path, CONFIG) as journal:
        for record in RECORDS:
            journal.append(record)
    path = tmp_path / JOURNAL_NAME
    lines = path.read_bytes().split(b"\n")
    lines[2] = bad  # the second record, on line 3
    path.write_bytes(b"\n".join(lines))
    before = path.read_bytes()
    with pytest.raises(ValueError, match=r"line 3 (is damaged|is not a run record)"):
        Journal.open(tmp_path, CONFIG)
    assert path.read_bytes() == before  # nothing was cut


def test_repeated_key_in_the_file_is_an_error(tmp_path: Path) -> None:
    with Journal.open(tmp_path, CONFIG) as journal:
        journal.append(RECORDS[0])
    path = tmp_path / JOURNAL_NAME
    with path.open("a") as handle:
        handle.write(json.dumps(RECORDS[0]) + "\n")
    with pytest.raises(ValueError, match=r"line 3 repeats the run key"):
        Journal.open(tmp_path, CONFIG)


# ------------------------------------------------------------------------- output folder


def test_output_folder_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    target.write_text("{}")
    with pytest.raises(NotADirectoryError, match=r"results\.json.*is a file.*--output results/"):
        check_output_folder(target)
    with pytest.raises(NotADirectoryError, match=r"results\.json.* is a file"):
        check_output_folder(target / "inner")
    with pytest.raises(NotADirectoryError, match=r"is a file"):
        Journal.open(target, CONFIG)
    assert target.read_text() == "{}"


def test_missing_nested_folder_is_created(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b" / "c"
    assert check_output_folder(folder) == folder.resolve()
    assert folder.is_dir()
    assert list(folder.iterdir()) == []  # the write probe is removed
    with Journal.open(tmp_path / "x" / "y", CONFIG) as journal:
        assert journal.path.is_file()


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root writes through chmod 0o500 (CI runs as root); the /proc test covers that case",
)
def test_read_only_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match=r"locked.*is not writable \(Permission denied\)"):
            check_output_folder(folder)
        with pytest.raises(PermissionError, match=r"cannot be created"):
            check_output_folder(folder / "inner")
    finally:
        folder.chmod(0o700)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux's /proc")
def test_folder_even_root_cannot_write_is_refused() -> None:
    # Nobody, root included, can create a file in /proc/self or a folder below it.
    with pytest.raises(PermissionError, match=r"'/proc/self' is not writable \(.+\); give a"):
        check_output_folder("/proc/self")
    with pytest.raises(PermissionError, match=r"'/proc/self/nowhere/deeper' cannot be created"):
        check_output_folder("/proc/self/nowhere/deeper")


# ------------------------------------------------------------------------------- kill -9

CHILD = textwrap.dedent(
    """
    import sys
    from keras_imbalance.comparison.journal import Journal

    with Journal.open(sys.argv[1], {"epochs": 1}) as journal:
        for index in range(2000):
            journal.append({"key": {"run": index}, "pad": "x" * 4096})
            print(index, flush=True)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_9_loses_at_most_the_run_in_flight(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        seen = 0
        while seen < 5 and time.monotonic() < deadline:
            line = child.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            seen += 1
        child.send_signal(signal.SIGKILL)
        rest, errors = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL, errors  # it was killed, not finished
    assert seen == 5, errors
    printed = seen + len(rest.splitlines())
    assert printed < 2000

    with Journal.open(tmp_path, {"epochs": 1}) as journal:
        runs = [record["key"]["run"] for record in journal.records()]
    # Every run reported done is there, in order, once; beyond them at most the one in flight.
    assert runs[:printed] == list(range(printed))
    assert runs in (list(range(printed)), list(range(printed + 1)))


# --------------------------------------------------------------------------- config_hash


def test_config_hash_is_sha256_of_canonical_json() -> None:
    config = {"b": [1, 2.5], "a": {"y": None, "x": True}, "c": "é"}
    canonical = '{"a":{"x":true,"y":null},"b":[1,2.5],"c":"é"}'
    assert config_hash(config) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert config_hash({}) == hashlib.sha256(b"{}").hexdigest()


def test_config_hash_ignores_order_and_sees_values() -> None:
    one = {"epochs": 3, "model": {"units": 8, "lr": 0.001}, "seeds": [0, 1]}
    two = {"seeds": (0, 1), "model": {"lr": 0.001, "units": 8}, "epochs": 3}
    assert config_hash(one) == config_hash(two)
    assert config_hash(one) != config_hash({**one, "epochs": 4})
    assert config_hash(one) != config_hash({**one, "seeds": [1, 0]})  # list order matters
    assert config_hash(one) != config_hash({**one, "model": {"units": 8, "lr": 0.0010001}})
    assert config_hash({"x": 1}) != config_hash({"x": "1"})
    assert config_hash({"x": 1}) != config_hash({"x": True})


@pytest.mark.parametrize(
    ("numpy_value", "python_value"),
    [
        (np.int64(5), 5),
        (np.int8(-3), -3),
        (np.float64(0.1), 0.1),
        (np.float32(0.5), 0.5),  # exactly representable, so the same double
        (np.bool_(True), True),
        (np.array([1, 2, 3]), [1, 2, 3]),
        (np.array([[0.25], [0.5]]), [[0.25], [0.5]]),
    ],
)
def test_config_hash_numpy_values_hash_like_python(numpy_value: Any, python_value: Any) -> None:
    assert config_hash({"v": numpy_value}) == config_hash({"v": python_value})


def test_config_hash_float32_is_its_exact_double() -> None:
    # float32(0.1) is not the double 0.1: it hashes as the double it really is.
    assert config_hash({"v": np.float32(0.1)}) == config_hash({"v": float(np.float32(0.1))})
    assert config_hash({"v": np.float32(0.1)}) != config_hash({"v": 0.1})


def test_config_hash_errors_name_the_key() -> None:
    with pytest.raises(TypeError, match=r"config\['model'\]\['optimizer'\]=.*of type object"):
        config_hash({"model": {"optimizer": object()}})
    with pytest.raises(TypeError, match=r"config\['seeds'\]\[1\]=.* of type set"):
        config_hash({"seeds": [0, {1}]})
    with pytest.raises(
        TypeError, match=r"config\['folder'\]=.*(PosixPath|WindowsPath).*str\(path\)"
    ):
        config_hash({"folder": Path("results")})
    with pytest.raises(TypeError, match=r"config has the key 3 of type int; .* str\(\.\.\.\)"):
        config_hash({3: "x"})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match=r"config=\[1\] of type list is not a mapping"):
        config_hash([1])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"config\['labels'\]=array.*dtype <U1"):
        config_hash({"labels": np.array(["a", "b"])})
    with pytest.raises(TypeError, match=r"config\['model'\]"):
        Journal.open("/nonexistent-not-created", {"model": object()})
    assert not os.path.exists("/nonexistent-not-created")  # checked before the folder is made


def test_config_differences_name_each_changed_leaf() -> None:
    from keras_imbalance.comparison import config_json, output_folder

    old = config_json.to_json({"epochs": 3, "model": {"units": 8, "act": "relu"}}, "config")
    new = config_json.to_json({"epochs": np.int64(4), "model": {"units": 8, "lr": 0.1}}, "config")
    assert config_json.config_differences(old, new) == [
        "epochs: 3 vs 4",
        "model.act: 'relu' vs (absent)",
        "model.lr: (absent) vs 0.1",
    ]
    assert config_json.config_differences(old, old) == []
    # the journal's names for these stay importable from the journal module
    assert check_output_folder is output_folder.check_output_folder
    assert config_hash is config_json.config_hash
