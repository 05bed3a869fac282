"""Tests for keras_imbalance.datasets: counts against the CIFAR-LT formula written out here."""

from __future__ import annotations

import gzip
import math
import struct
from pathlib import Path

import numpy as np
import pytest

from keras_imbalance.datasets import (
    DEBIAN_FASHION_MNIST,
    FASHION_MNIST_CLASSES,
    load_digits_lt,
    load_fashion_mnist,
    load_fashion_mnist_lt,
    long_tailed_counts,
    make_detector,
    make_long_tailed,
    read_idx,
)


def _balanced(num_classes: int, per_class: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.repeat(np.arange(num_classes), per_class))
    x = rng.normal(size=(y.size, 3)).astype(np.float32)
    x[:, 0] = np.arange(y.size)  # row id, to trace the samples kept
    return x, y


def _exponential(n_max: int, num_classes: int, ratio: float) -> list[int]:
    return [math.floor(n_max * ratio ** (-i / (num_classes - 1))) for i in range(num_classes)]


@pytest.mark.parametrize(("num_classes", "ratio"), [(10, 100), (10, 10), (5, 50), (3, 1), (2, 7)])
def test_exponential_counts_follow_the_formula(num_classes, ratio):
    x, y = _balanced(num_classes, 200)
    x_lt, y_lt = make_long_tailed(x, y, ratio)
    counts = np.bincount(y_lt, minlength=num_classes).tolist()
    assert counts == _exponential(200, num_classes, ratio)
    assert counts[0] / counts[-1] == pytest.approx(ratio, rel=0.05)
    # Each kept row is an input row with its own label.
    rows = x_lt[:, 0].astype(int)
    np.testing.assert_array_equal(y[rows], y_lt)
    np.testing.assert_array_equal(x[rows], x_lt)
    assert len(np.unique(rows)) == len(rows)  # without replacement
    assert np.all(np.diff(rows) > 0)  # input order kept


def test_cifar10_lt_counts():
    # The CIFAR-10-LT class sizes at ratio 100 (Cao et al. 2019, 12406 training images).
    counts = long_tailed_counts(5000, 10, 100)
    assert counts == _exponential(5000, 10, 100)
    assert sum(counts) == 12406
    assert sum(long_tailed_counts(5000, 10, 10)) == 20431  # CIFAR-10-LT at ratio 10


def test_n_max_is_the_smallest_input_class():
    y = np.r_[np.zeros(300, int), np.ones(120, int), np.full(150, 2)]
    x = np.arange(y.size)
    _, y_lt = make_long_tailed(x, y, 4)
    assert np.bincount(y_lt).tolist() == _exponential(120, 3, 4) == [120, 60, 30]


@pytest.mark.parametrize(("num_classes", "ratio"), [(10, 10), (5, 100), (4, 3)])
def test_step_profile(num_classes, ratio):
    x, y = _balanced(num_classes, 200)
    _, y_lt = make_long_tailed(x, y, ratio, profile="step")
    tail = num_classes // 2
    expected = [200] * (num_classes - tail) + [math.floor(200 / ratio)] * tail
    assert np.bincount(y_lt, minlength=num_classes).tolist() == expected


def test_class_order_chooses_the_tail():
    # Fashion-MNIST style: make Shirt (6), Pullover (2) and Coat (4) the tail.
    x, y = _balanced(10, 100)
    order = [0, 1, 3, 5, 7, 8, 9, 6, 2, 4]
    _, y_lt = make_long_tailed(x, y, 50, class_order=order)
    counts = np.bincount(y_lt, minlength=10)
    expected = _exponential(100, 10, 50)
    assert [int(counts[c]) for c in order] == expected
    assert counts[4] == min(expected) and counts[0] == 100


def test_string_and_one_hot_labels_keep_their_encoding():
    x, y = _balanced(3, 40)
    names = np.array(["ant", "bee", "cow"])[y]
    _, names_lt = make_long_tailed(x, names, 4, class_order=["cow", "bee", "ant"])
    assert {k: int(v) for k, v in zip(*np.unique(names_lt, return_counts=True), strict=True)} == {
        "cow": 40, "bee": 20, "ant": 10
    }  # fmt: skip
    one_hot = np.eye(3, dtype=np.float32)[y]
    _, one_hot_lt = make_long_tailed(x, one_hot, 4)
    assert one_hot_lt.shape[1] == 3
    assert one_hot_lt.sum(axis=0).tolist() == [40, 20, 10]


def test_inputs_unmodified_and_seeded():
    x, y = _balanced(4, 50)
    x_copy, y_copy = x.copy(), y.copy()
    first = make_long_tailed(x, y, 10, seed=3)
    again = make_long_tailed(x, y, 10, seed=3)
    other = make_long_tailed(x, y, 10, seed=4)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(y, y_copy)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])
    first[0][:] = -1  # the result is a copy, not a view of x
    np.testing.assert_array_equal(x, x_copy)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"ratio": 0.5}, ValueError, r"ratio=0.5 is out of range"),
        ({"ratio": 10, "profile": "linear"}, ValueError, "profile='linear' is not supported"),
        ({"ratio": 10, "class_order": [0, 1, 9]}, ValueError, r"class_order has \[9\]"),
        ({"ratio": 10, "class_order": [0, 1]}, ValueError, r"misses \[2\]"),
        ({"ratio": 10, "class_order": [0, 1, 1, 2]}, ValueError, r"repeats \[1\]"),
        ({"ratio": 1000}, ValueError, "tail class with 0 samples"),
        ({"ratio": 10, "seed": -1}, ValueError, "seed=-1"),
    ],
)
def test_make_long_tailed_errors(kwargs, error, match):
    x, y = _balanced(3, 30)
    with pytest.raises(error, match=match):
        make_long_tailed(x, y, **kwargs)


def test_make_long_tailed_shape_errors():
    with pytest.raises(ValueError, match="x has 3 samples but y has 4"):
        make_long_tailed(np.zeros(3), [0, 1, 0, 1], 2)
    with pytest.raises(ValueError, match="needs 2 classes"):
        make_long_tailed(np.zeros(3), [0, 0, 0], 2)
    with pytest.raises(ValueError, match="no samples of class 1"):
        make_long_tailed(np.zeros(4), [0, 2, 0, 2], 2)


def test_make_detector():
    y = np.array([3, 5, 1, 5, 0])
    np.testing.assert_array_equal(make_detector(y, 5), [0, 1, 0, 1, 0])
    assert make_detector(y, 5).dtype == np.int64
    np.testing.assert_array_equal(make_detector(y[:, None], 5), [0, 1, 0, 1, 0])
    names = ["plane", "car", "bird", "cat", "deer", "dog"]
    np.testing.assert_array_equal(make_detector(y, "dog", class_names=names), [0, 1, 0, 1, 0])
    np.testing.assert_array_equal(make_detector(np.eye(6)[y], "cat", class_names=names),
                                  [1, 0, 0, 0, 0])  # fmt: skip
    np.testing.assert_array_equal(make_detector(["dog", "cat", "dog"], "dog"), [1, 0, 1])
    # The seed's target was the complement: 0 for dog, 1 otherwise.
    seed_target = np.array([0 if v == 5 else 1 for v in y])
    np.testing.assert_array_equal(make_detector(y, 5), 1 - seed_target)
    with pytest.raises(ValueError, match="positive='horse' is not a class"):
        make_detector(y, "horse", class_names=names)
    with pytest.raises(ValueError, match="positive=7 is not a class"):
        make_detector(y, 7)


@pytest.mark.parametrize("flatten", [False, True])
def test_load_digits_lt(flatten):
    from sklearn.datasets import load_digits

    data = load_digits_lt(ratio=10, seed=0, test_size=0.3, flatten=flatten)
    assert data.x_train.shape[1:] == ((64,) if flatten else (8, 8, 1))
    assert data.x_train.dtype == np.float32 and data.x_test.dtype == np.float32
    assert data.x_train.min() >= 0.0 and data.x_train.max() <= 1.0
    assert data.class_names == tuple(str(d) for d in range(10))
    total = np.bincount(load_digits().target)
    test_counts = data.class_counts("test")
    assert test_counts.sum() == math.ceil(0.3 * total.sum())
    assert np.all(np.abs(test_counts - 0.3 * total) <= 1)  # stratified: the original shares
    train_available = total - test_counts
    assert data.class_counts("train").tolist() == _exponential(int(train_available.min()), 10, 10)
    # Every test image is a digits image, and none is also in the training split.
    pixels = (load_digits().data / 16.0).astype(np.float32)
    keys = {row.tobytes() for row in pixels}
    train_keys = {row.tobytes() for row in data.x_train.reshape(-1, 64)}
    assert all(row.tobytes() in keys for row in data.x_test.reshape(-1, 64))
    test_rows = [row.tobytes() for row in data.x_test.reshape(-1, 64)]
    assert sum(key in train_keys for key in test_rows) <= 2  # digits holds a few duplicate images


def _write_idx(path: Path, array: np.ndarray, compress: bool) -> None:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    raw = header + array.astype(np.uint8).tobytes()
    if compress:
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(raw))
    else:
        path.write_bytes(raw)


def _tiny_fashion(folder: Path, compress: bool, per_class: int = 3):
    rng = np.random.default_rng(0)
    y_train = np.repeat(np.arange(10), per_class).astype(np.uint8)
    y_test = np.arange(10, dtype=np.uint8)
    x_train = rng.integers(0, 256, size=(y_train.size, 4, 5), dtype=np.uint8)
    x_test = rng.integers(0, 256, size=(y_test.size, 4, 5), dtype=np.uint8)
    arrays = (x_train, y_train, x_test, y_test)
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte")  # fmt: skip
    for name, array in zip(names, arrays, strict=True):
        _write_idx(folder / name, array, compress)
    return arrays


@pytest.mark.parametrize("compress", [True, False], ids=["gz", "plain"])
def test_load_fashion_mnist_from_a_folder(tmp_path, compress):
    expected = _tiny_fashion(tmp_path, compress)
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(tmp_path)
    for got, want in zip((x_train, y_train, x_test, y_test), expected, strict=True):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, want)


def test_load_fashion_mnist_lt_from_a_folder(tmp_path):
    _tiny_fashion(tmp_path, True, per_class=20)
    data = load_fashion_mnist_lt(
        ratio=10, path=tmp_path, class_order=["Shirt", "Pullover", 0, 1, 3, 5, 7, 8, 9, "Coat"]
    )
    assert data.class_names == FASHION_MNIST_CLASSES
    counts = data.class_counts("train")
    assert counts[6] == 20 and counts[2] == _exponential(20, 10, 10)[1]
    assert counts[4] == _exponential(20, 10, 10)[-1] == 2
    assert data.class_counts("test").tolist() == [1] * 10


def test_read_idx_errors(tmp_path):
    _write_idx(tmp_path / "ok", np.arange(12, dtype=np.uint8).reshape(3, 4), compress=False)
    np.testing.assert_array_equal(read_idx(tmp_path / "ok"), np.arange(12).reshape(3, 4))
    truncated = tmp_path / "truncated"
    truncated.write_bytes((tmp_path / "ok").read_bytes()[:-1])
    with pytest.raises(ValueError, match=r"declares shape \(3, 4\).*corrupt or truncated"):
        read_idx(truncated)
    wrong_magic = tmp_path / "text"
    wrong_magic.write_bytes(b"hello world")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(wrong_magic)
    bad_gzip = tmp_path / "bad.gz"
    bad_gzip.write_bytes(gzip.compress((tmp_path / "ok").read_bytes())[:-6])
    with pytest.raises(ValueError, match="corrupt gzip"):
        read_idx(bad_gzip)


def test_load_fashion_mnist_missing_files(tmp_path):
    _tiny_fashion(tmp_path, True)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match=r"lacks the Fashion-MNIST files \['t10k-labels"):
        load_fashion_mnist(tmp_path)


def test_load_fashion_mnist_mismatched_files(tmp_path):
    _tiny_fashion(tmp_path, False)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(7, np.uint8), compress=False)
    with pytest.raises(ValueError, match="do not match"):
        load_fashion_mnist(tmp_path)


@pytest.mark.skipif(
    not (DEBIAN_FASHION_MNIST / "train-images-idx3-ubyte.gz").exists(),
    reason="Debian's dataset-fashion-mnist is not installed",
)
def test_real_debian_fashion_mnist():
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    data = load_fashion_mnist_lt(ratio=100)
    assert data.class_counts("train").tolist() == _exponential(6000, 10, 100)


def test_load_arrays_npz_plain_and_split(tmp_path):
    from keras_imbalance.datasets import load_arrays

    x, y = np.arange(12.0).reshape(6, 2), np.array([0, 1, 0, 1, 0, 1])
    np.savez(tmp_path / "plain.npz", x=x, y=y)
    got_x, got_y = load_arrays(tmp_path / "plain.npz")
    np.testing.assert_array_equal(got_x, x)
    np.testing.assert_array_equal(got_y, y)
    np.savez(tmp_path / "split.npz", x_train=x, y_train=y, x_test=x[:2], y_test=y[:2])
    (train_x, _), (test_x, test_y) = load_arrays(tmp_path / "split.npz")
    np.testing.assert_array_equal(train_x, x)
    np.testing.assert_array_equal(test_y, y[:2])
    assert test_x.shape == (2, 2)


@pytest.mark.parametrize(
    ("name", "content", "kwargs", "error", "match"),
    [
        ("missing.npz", None, {}, FileNotFoundError, "does not exist"),
        ("data.txt", "1,2\n", {}, ValueError, "unsupported suffix '.txt'"),
        ("data.csv", "a,label\n1,x\n", {}, ValueError, "name its label column"),
        ("data.csv", "a,label\n1,x\n", {"label_column": "y"}, ValueError, "not a column"),
        ("data.csv", "a,label\nhello,x\n", {"label_column": "label"}, ValueError, "non-numeric"),
        ("data.csv", "a,label\n", {"label_column": "label"}, ValueError, "no data rows"),
    ],
)
def test_load_arrays_errors(tmp_path, name, content, kwargs, error, match):
    from keras_imbalance.datasets import load_arrays

    if content is not None:
        (tmp_path / name).write_text(content)
    with pytest.raises(error, match=match):
        load_arrays(tmp_path / name, **kwargs)


def test_load_arrays_npz_without_x_and_y(tmp_path):
    from keras_imbalance.datasets import load_arrays

    np.savez(tmp_path / "odd.npz", features=np.zeros(3))
    with pytest.raises(ValueError, match=r"holds the arrays \['features'\]"):
        load_arrays(tmp_path / "odd.npz")


# --- The bad-input sweep of issue 16 --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("a,b,label\n1,2,0\n1,2\n3,4,1\n", r"line 3 has 2 cells but the header has 3 columns"),
        ("a,b,label\n1,2,0\n\n3,4,1,9\n", r"line 4 has 4 cells but the header has 3 columns"),
        ("a,a,label\n1,2,0\n", r"has the column 'a' twice"),
    ],
    ids=["short-row", "long-row-after-blank", "duplicate-column"],
)
def test_load_arrays_names_the_ragged_csv_line(tmp_path, text, match):
    """A short row raised a bare TypeError; a long row lost its extra cells without a word."""
    from keras_imbalance.datasets import load_arrays

    path = tmp_path / "data.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        load_arrays(path, label_column="label")


def test_load_arrays_reads_a_rectangular_csv_with_blank_lines(tmp_path):
    from keras_imbalance.datasets import load_arrays

    path = tmp_path / "data.csv"
    path.write_text("a,b,label\n1,2,cat\n\n3,4.5,dog\n")
    x, y = load_arrays(path, label_column="label")
    np.testing.assert_array_equal(x, np.array([[1, 2], [3, 4.5]], np.float32))
    assert y.tolist() == ["cat", "dog"]


def test_load_arrays_names_a_binary_csv(tmp_path):
    from keras_imbalance.datasets import load_arrays

    path = tmp_path / "data.csv"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(ValueError, match=r"data\.csv is not a text CSV file"):
        load_arrays(path, label_column="label")
