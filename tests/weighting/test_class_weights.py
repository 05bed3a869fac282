"""class_weights against scikit-learn, NumPy formulas and the seeds' printed numbers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils.class_weight import compute_class_weight

from keras_imbalance.counting import ClassCounts
from keras_imbalance.weighting import ClassWeights, check_class_weight, class_weights

SEED_LOG_COUNTS = {0: 2813, 1: 78, 2: 2814, 3: 78, 4: 7914, 5: 248, 6: 7914, 7: 248}
FLOWERS = {0: 633, 1: 898, 2: 641, 3: 699, 4: 799}

int_labels = st.lists(st.integers(0, 12), min_size=1, max_size=200).map(np.asarray)
text_labels = st.lists(st.sampled_from(["cat", "dog", "emu", "yak", "Zebra"]), min_size=1)


def _present(y):
    # sklearn weighs np.unique(y); our int classes run 0..max, so compare on a dense relabelling.
    return np.unique(y, return_inverse=True)[1]


@settings(max_examples=80, deadline=None)
@given(int_labels)
def test_balanced_equals_sklearn_on_int_labels(y):
    y = _present(y)
    ours = class_weights(y).to_array()
    theirs = compute_class_weight("balanced", classes=np.unique(y), y=y)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(np.dot(ours, np.bincount(y)), y.size, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(text_labels)
def test_balanced_equals_sklearn_on_string_labels(y):
    weights = class_weights(y)
    classes = np.unique(y)
    theirs = compute_class_weight("balanced", classes=classes, y=np.asarray(y))
    np.testing.assert_allclose(weights.to_array(), theirs, rtol=1e-12)
    assert weights.class_names == classes.tolist()
    counts = np.array([y.count(c) for c in classes])
    np.testing.assert_allclose(np.dot(weights.to_array(), counts), len(y), rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 10_000), min_size=1, max_size=20))
def test_strategies_follow_their_numpy_formulas(counts):
    n = np.asarray(counts, dtype=np.float64)
    total = n.sum()
    expected = {
        "balanced": total / (n.size * n),
        "inverse": 1 / n,
        "sqrt_inverse": 1 / np.sqrt(n),
        "max_ratio": n.max() / n,
        "log": np.maximum(1.0, np.log(0.15 * total / n)),
    }
    for strategy, formula in expected.items():
        got = class_weights(counts_dict(counts), strategy).to_array()
        np.testing.assert_allclose(got, formula, rtol=1e-12, err_msg=strategy)


def counts_dict(counts):
    return dict(enumerate(counts))


@pytest.mark.parametrize("beta", [0.9, 0.99, 0.999, 0.9999])
def test_effective_number_follows_cui_et_al(beta):
    n = np.array([5000.0, 2000.0, 500.0, 50.0, 5.0])
    effective = (1 - beta**n) / (1 - beta)  # Cui et al. 2019, eq. 3
    weights = 1 / effective
    weights = weights / weights.sum() * n.size  # normalised to sum to C, as the paper does
    got = class_weights(counts_dict(n.astype(int).tolist()), "effective_number", beta=beta)
    np.testing.assert_allclose(got.to_array(), weights, rtol=1e-10)
    assert math.isclose(sum(got.values()), n.size, rel_tol=1e-12)


def test_seed_create_class_weight_mu_015():
    weights = class_weights(SEED_LOG_COUNTS, "log", mu=0.15)
    assert dict(weights) == {
        0: 1.0,
        1: 3.749820767859636,
        2: 1.0,
        3: 3.749820767859636,
        4: 1.0,
        5: 2.5931008483842453,
        6: 1.0,
        7: 2.5931008483842453,
    }


def test_seed_get_class_weight_mu_auto():
    weights = class_weights({0: 5, 1: 78, 2: 2814, 3: 7914}, "log", mu="auto")
    assert dict(weights) == {
        0: 7.366950709511269,
        1: 4.619679795255778,
        2: 1.034026384271035,
        3: 1.0,
    }
    assert dict(class_weights(FLOWERS, "log", mu="auto")) == dict.fromkeys(range(5), 1.0)


def test_seed_dog_detector_balanced():
    y = np.array([0] * 5000 + [1] * 45000)
    weights = class_weights(y)
    np.testing.assert_allclose(weights.to_array(), [50000 / (2 * 5000), 50000 / (2 * 45000)])
    sklearn = compute_class_weight("balanced", classes=np.unique(y), y=y)
    np.testing.assert_allclose(weights.to_array(), sklearn, rtol=1e-12)
    # The seed's hand weights {0: 5, 1: 0.5} give the same ratio of 9 between the classes.
    assert weights[0] / weights[1] == pytest.approx(5 / 0.5 * 0.9, rel=1e-12)


@pytest.mark.parametrize(
    ("normalize", "check"),
    [
        ("mean", lambda w, n: np.dot(w, n) / n.sum()),
        ("sum", lambda w, n: w.sum() / w.size),
        ("max", lambda w, n: w.max()),
    ],
)
def test_normalize_makes_its_quantity_one(normalize, check):
    n = np.array(list(SEED_LOG_COUNTS.values()))
    weights = class_weights(SEED_LOG_COUNTS, "inverse", normalize=normalize).to_array()
    assert check(weights, n) == pytest.approx(1.0, rel=1e-12)
    raw = 1 / n
    np.testing.assert_allclose(weights / weights[0], raw / raw[0], rtol=1e-12)


def test_clip_bounds_the_weights():
    weights = class_weights(SEED_LOG_COUNTS, "max_ratio", clip=(1.0, 20.0)).to_array()
    n = np.array(list(SEED_LOG_COUNTS.values()), dtype=float)
    np.testing.assert_allclose(weights, np.clip(n.max() / n, 1.0, 20.0), rtol=1e-12)


def test_manual_dict_and_list_strategies():
    counts = {"daisy": 1, "roses": 2}
    by_name = class_weights(counts, {"daisy": 2.0, "roses": 1.0})
    assert dict(by_name) == {0: 2.0, 1: 1.0}
    assert by_name.strategy == "manual"
    assert dict(class_weights([0, 1, 1], [3, 0.5])) == {0: 3.0, 1: 0.5}


def test_zero_count_class_error_names_the_class():
    with pytest.raises(ValueError, match="class 'roses' \\(index 1\\) has no samples"):
        class_weights(ClassCounts.from_counts({"daisy": 3, "roses": 0}))
    with pytest.raises(ValueError, match="class 2 \\(index 2\\) has no samples"):
        class_weights([0, 1, 3])


def test_class_weights_save_and_load(tmp_path):
    weights = class_weights(["a", "b", "b"])
    path = tmp_path / "weights.json"
    weights.save(path)
    again = ClassWeights.load(path)
    assert again == weights
    assert all(type(k) is int for k in again)
    assert again.class_names == ["a", "b"]
    assert again.strategy == "balanced"
    assert [p.name for p in tmp_path.iterdir()] == ["weights.json"]  # no temporary left over
    path.write_text(json.dumps({"0": 1.5, "1": 0.5}))
    assert dict(ClassWeights.load(path)) == {0: 1.5, 1: 0.5}


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "weights.json"
    class_weights([0, 1]).save(path)
    before = path.read_text()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", broken)
    with pytest.raises(OSError, match="disk full"):
        class_weights([0, 0, 1]).save(path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["weights.json"]


def test_load_rejects_bad_json(tmp_path):
    path = tmp_path / "w.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        ClassWeights.load(path)
    path.write_text("3")
    with pytest.raises(ValueError, match="holds int"):
        ClassWeights.load(path)


@pytest.mark.parametrize(
    ("weights", "kwargs", "error", "match"),
    [
        ({0: 1.0}, {}, ValueError, "no weight for class 1"),
        ({0: 1.0, 1: 1.0, 5: 1.0}, {}, ValueError, "key 5, which is not a class"),
        ({"cat": 1.0, 1: 1.0}, {}, ValueError, "key 'cat'"),
        ({0: 1.0, "0": 2.0, 1: 1.0}, {}, ValueError, "gives class 0 twice"),
        ({0: -1.0, 1: 1.0}, {}, ValueError, "class 0 is -1.0; weights must be finite and >= 0"),
        ({0: float("inf"), 1: 1.0}, {}, ValueError, "finite"),
        ({0: "1", 1: 1.0}, {}, TypeError, "weights must be numbers"),
        ([1.0, 2.0, 3.0], {}, ValueError, "3 weights but there are 2 classes"),
        ([[1.0, 2.0]], {}, ValueError, "must be 1-D"),
        ("1,2", {}, TypeError, "a dict"),
        ([1.0, 2.0], {"class_names": ["a"]}, ValueError, "1 entries but num_classes=2"),
    ],
)
def test_check_class_weight_errors(weights, kwargs, error, match):
    with pytest.raises(error, match=match):
        check_class_weight(weights, 2, **kwargs)


def test_check_class_weight_fixes_json_keys():
    assert check_class_weight({"1": 2, "0": 1}, 2) == {0: 1.0, 1: 2.0}
    assert check_class_weight(np.array([0.5, 2.0]), 2) == {0: 0.5, 1: 2.0}


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"strategy": "bogus"}, ValueError, "strategy='bogus' is not supported"),
        ({"strategy": "log", "mu": 0}, ValueError, "mu=0 is out of range"),
        ({"strategy": "effective_number", "beta": 1.0}, ValueError, "beta=1.0 is out of range"),
        ({"normalize": "median"}, ValueError, "normalize='median' is not supported"),
        ({"clip": (2.0, 1.0)}, ValueError, "low > high"),
        ({"clip": 3}, ValueError, "must be a pair"),
    ],
)
def test_class_weights_option_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        class_weights([0, 1, 1], **kwargs)


def test_weights_are_plain_python_for_keras():
    weights = class_weights(np.array([0, 1, 1, 2, 2, 2]))
    assert all(type(k) is int and type(v) is float for k, v in weights.items())


def test_repr_keeps_floats_looking_like_floats():
    # The seeds print {0: 5, 1: 0.5}-style dicts; ours must not show a float weight as an int.
    assert repr(ClassWeights([0.5, 5.0])) == "ClassWeights({0: 0.5, 1: 5.0}, strategy='manual')"


# --- Issue 11: save honours the umask, fsyncs, names the target; dict keys keep their index ------


def test_save_honours_the_umask_and_keeps_an_existing_mode(tmp_path):
    import os
    import stat

    weights = ClassWeights([1.0, 2.0])
    old = os.umask(0o022)
    try:
        weights.save(tmp_path / "w.json")
        assert stat.S_IMODE((tmp_path / "w.json").stat().st_mode) == 0o644  # 0666 & ~0022
        os.umask(0o077)
        weights.save(tmp_path / "private.json")
        assert stat.S_IMODE((tmp_path / "private.json").stat().st_mode) == 0o600
        (tmp_path / "w.json").chmod(0o640)
        weights.save(tmp_path / "w.json")  # replacing keeps the file's own mode
        assert stat.S_IMODE((tmp_path / "w.json").stat().st_mode) == 0o640
    finally:
        os.umask(old)
    assert ClassWeights.load(tmp_path / "w.json") == weights
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_save_fsyncs_the_file_before_the_rename(tmp_path, monkeypatch):
    import os

    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(
        os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b))[1]
    )
    ClassWeights([1.0, 2.0]).save(tmp_path / "w.json")
    assert calls[:2] == ["fsync", "replace"]


def test_save_errors_name_the_target_not_the_temporary_file(tmp_path, monkeypatch):
    import os

    def broken(source, target):
        raise OSError(28, "No space left on device", source)

    monkeypatch.setattr(os, "replace", broken)
    target = tmp_path / "w.json"
    with pytest.raises(OSError, match=r"cannot save class weights to .*w\.json: No space") as info:
        ClassWeights([1.0, 2.0]).save(target)
    assert "/." not in str(info.value)
    with pytest.raises(IsADirectoryError, match="is a directory; give a file path"):
        ClassWeights([1.0, 2.0]).save(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"the folder .* does not exist"):
        ClassWeights([1.0, 2.0]).save(tmp_path / "missing" / "w.json")


def test_save_in_a_read_only_folder_overwrites_a_writable_target(tmp_path, monkeypatch):
    """No rename is possible there; an existing writable file is rewritten in place."""
    import tempfile

    target = tmp_path / "w.json"
    target.write_text("{}")

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    ClassWeights([1.0, 3.0]).save(target)
    assert ClassWeights.load(target).to_array().tolist() == [1.0, 3.0]
    with pytest.raises(PermissionError, match=r"cannot save class weights to .*new\.json"):
        ClassWeights([1.0, 3.0]).save(tmp_path / "new.json")


def test_count_dicts_keep_integer_keys_as_class_indices():
    """class_weights({1: 10, 2: 20}) returned keys 0 and 1, so fit weighed the wrong classes."""
    with pytest.raises(ValueError, match=r"class 0 \(index 0\) has no samples"):
        class_weights({1: 10, 2: 20})
    manual = class_weights({1: 10, 2: 20}, {0: 0.0, 1: 3.0, 2: 1.5})
    assert dict(manual) == {0: 0.0, 1: 3.0, 2: 1.5}
    # The same as the labels those counts come from.
    labels = np.repeat([1, 2], [10, 20])
    assert dict(class_weights(labels, {0: 0.0, 1: 3.0, 2: 1.5})) == dict(manual)


def test_count_dicts_honour_classes_and_label_mode():
    weights = class_weights({0: 10, 1: 30}, classes=["0", "1", "2"], strategy={0: 1, 1: 2, 2: 3})
    assert weights.to_array().tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match=r"class 2 \(index 2\) has no samples"):
        class_weights({0: 10, 1: 30}, classes=3)
    with pytest.raises(ValueError, match="counts has the key 7, which is not in classes"):
        class_weights({0: 10, 7: 30}, classes=3)
    with pytest.raises(ValueError, match=r"label_mode='multi_label' needs the number of samples"):
        class_weights({0: 10, 1: 30}, label_mode="multi_label")
    reference = compute_class_weight(
        "balanced", classes=np.arange(3), y=np.repeat([0, 1, 2], [10, 30, 20])
    )
    np.testing.assert_allclose(
        class_weights({2: 20, 0: 10, 1: 30}, classes=3).to_array(), reference
    )


def test_check_class_weight_names_the_first_gap_without_listing_every_class():
    # 10**9 classes: listing the missing ones would take gigabytes
    with pytest.raises(ValueError, match=r"no weight for class 1 \(999999998 classes missing\)"):
        check_class_weight({0: 1.0, 2: 1.0}, 10**9)


# --- The bad-input sweep of issue 16 --------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("strategy", 5, "has strategy=5; give the name of the strategy"),
        ("strategy", "", "has strategy=''"),
        ("strategy", None, "has strategy=None"),
        ("class_names", "ab", "has class_names='ab'; give a list"),
        ("class_names", [1.5, 2], r"has class_names=\[1.5, 2\]"),
        ("weights", 3, "has weights=3; give a"),
        ("extra", 1, r"unknown field\(s\) \['extra'\]"),
    ],
)
def test_load_checks_every_field(tmp_path, field, value, match):
    """ClassWeights.load took "strategy": 5 and carried it along."""
    path = tmp_path / "w.json"
    data = {"weights": {"0": 1.0, "1": 2.0}, "class_names": ["a", "b"], "strategy": "manual"}
    data[field] = value
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=match):
        ClassWeights.load(path)


def test_load_reads_what_save_wrote_and_a_custom_strategy_name(tmp_path):
    path = tmp_path / "w.json"
    saved = ClassWeights([0.5, 5.0], class_names=["cat", "dog"], strategy="my_own")
    saved.save(path)
    loaded = ClassWeights.load(path)
    assert loaded == saved and loaded.strategy == "my_own" and loaded.class_names == ["cat", "dog"]


def test_load_names_a_binary_file_and_a_bytes_argument(tmp_path):
    path = tmp_path / "w.json"
    path.write_bytes(b"\x80\x81" + bytes(range(256)))
    with pytest.raises(ValueError, match=r"w\.json is not a text file") as caught:
        ClassWeights.load(path)
    assert isinstance(caught.value.__cause__, UnicodeDecodeError)
    with pytest.raises(TypeError, match=r"path=b'\{\"0\": 1.0\}' must be the path of a JSON"):
        ClassWeights.load(b'{"0": 1.0}')  # type: ignore[arg-type]


@pytest.mark.parametrize("strategy", [5, None, ""])
def test_class_weights_checks_its_strategy_name(strategy):
    with pytest.raises(TypeError, match=rf"strategy={strategy!r} must name what made the weights"):
        ClassWeights([1.0, 2.0], strategy=strategy)
