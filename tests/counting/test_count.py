"""count_labels: every source gives the counts NumPy gives on the same labels."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest

from keras_imbalance.counting import ClassCounts, count_labels
from tests.conftest import has_module, needs_tensorflow

FLOWERS = {"daisy": 633, "dandelion": 898, "roses": 641, "sunflowers": 699, "tulips": 799}


def _batches(y, size=7, weights=False):
    for start in range(0, len(y), size):
        part = y[start : start + size]
        x = np.zeros((len(part), 2), np.float32)
        yield (x, part, np.ones(len(part))) if weights else (x, part)


class _Batches(keras.utils.PyDataset):
    def __init__(self, y, size=5):
        super().__init__()
        self.y, self.size = y, size

    def __len__(self):
        return -(-len(self.y) // self.size)

    def __getitem__(self, index):
        part = self.y[index * self.size : (index + 1) * self.size]
        return np.zeros((len(part), 3), np.float32), part


def _tf_dataset(y):
    import tensorflow as tf

    x = np.zeros((len(y), 2), np.float32)
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(8)


def _csv(y, tmp_path):
    path = tmp_path / "labels.csv"
    rows = [f"{i},{label}" for i, label in enumerate(np.asarray(y).tolist())]
    path.write_text("id,label\n" + "\n".join(rows) + "\n")
    return path


def _npy(y, tmp_path):
    path = tmp_path / "labels.npy"
    np.save(path, np.asarray(y))
    return path


# (source name, labels kinds it can hold, builder(y, tmp_path) -> (source, extra kwargs))
SOURCES = {
    "numpy": (("int", "str", "onehot", "multihot"), lambda y, p: (np.asarray(y), {})),
    "list": (("int", "str", "onehot", "multihot"), lambda y, p: (np.asarray(y).tolist(), {})),
    "column": (("int", "str"), lambda y, p: (np.asarray(y)[:, None], {})),
    "series": (("int", "str"), lambda y, p: (pd.Series(y), {})),
    "categorical": (("str",), lambda y, p: (pd.Categorical(y), {})),
    "dataframe": (("int", "str"), lambda y, p: (pd.DataFrame({"label": y}), {})),
    "dataframe-column": (
        ("int", "str"),
        lambda y, p: (pd.DataFrame({"id": np.arange(len(y)), "label": y}), {"column": "label"}),
    ),
    "npy": (("int", "str", "onehot", "multihot"), lambda y, p: (_npy(y, p), {})),
    "csv": (("int", "str"), lambda y, p: (_csv(y, p), {"column": "label"})),
    "csv-str-path": (("int",), lambda y, p: (str(_csv(y, p)), {"column": "label"})),
    "generator": (("int", "str", "onehot", "multihot"), lambda y, p: (_batches(y), {})),
    "generator-weights": (("int", "str"), lambda y, p: (_batches(y, weights=True), {})),
    "pydataset": (("int", "str", "onehot", "multihot"), lambda y, p: (_Batches(y), {})),
    "tf.data": (("int", "str", "onehot", "multihot"), lambda y, p: (_tf_dataset(y), {})),
}


def _labels(kind, rng):
    if kind == "int":
        y = rng.integers(0, 6, size=53)
        y[:3] = [5, 0, 0]  # the first batch holds fewer classes than the rest
        y[3:7] = 1
        return y
    if kind == "str":
        return np.asarray(["tulips", "daisy", "roses", "daisy", "sunflowers"] * 9 + ["zinnia"])
    if kind == "onehot":
        return np.eye(4, dtype=np.int64)[rng.integers(0, 4, size=41)]
    y = (rng.random((37, 5)) < 0.4).astype(np.int64)
    y[0] = [1, 1, 0, 0, 0]
    return y


def _numpy_reference(kind, y):
    """The counts, the classes and n_samples by plain NumPy."""
    if kind == "int":
        return np.bincount(y), tuple(range(y.max() + 1)), y.size
    if kind == "str":
        names, counts = np.unique(y, return_counts=True)
        return counts, tuple(names.tolist()), y.size
    if kind == "onehot":
        return y.sum(axis=0), tuple(range(y.shape[1])), int(y.sum())
    return y.sum(axis=0), tuple(range(y.shape[1])), y.shape[0]


CASES = [
    pytest.param(
        source,
        kind,
        marks=[needs_tensorflow] if source == "tf.data" else [],
        id=f"{source}-{kind}",
    )
    for source, (kinds, _) in SOURCES.items()
    for kind in kinds
]


@pytest.mark.parametrize(("source_name", "kind"), CASES)
def test_every_source_counts_like_numpy(source_name, kind, tmp_path, rng):
    y = _labels(kind, rng)
    source, kwargs = SOURCES[source_name][1](y, tmp_path)
    counted = count_labels(source, **kwargs)
    counts, classes, n_samples = _numpy_reference(kind, y)
    np.testing.assert_array_equal(counted.counts, counts)
    assert [str(c) for c in counted.classes] == [str(c) for c in classes]
    assert counted.n_samples == n_samples
    expected_mode = {"onehot": "categorical", "multihot": "multi_label"}.get(kind, "int")
    assert counted.label_mode == expected_mode


@pytest.mark.parametrize("source_name", ["numpy", "generator", "pydataset", "npy"])
def test_declared_classes_reach_every_source(source_name, tmp_path):
    y = np.array([0, 2, 2, 1, 2, 0, 2])
    source, kwargs = SOURCES[source_name][1](y, tmp_path)
    counted = count_labels(source, classes=5, **kwargs)
    np.testing.assert_array_equal(counted.counts, np.bincount(y, minlength=5))


# --- The seeds' numbers -------------------------------------------------------------------------


def test_dog_detector_counts():
    # The seed: y_train_dog = [0 if y == 5 else 1 for y in y_train] on CIFAR-10's 50 000 labels.
    y_train = np.repeat(np.arange(10), 5000)
    y_train_dog = np.where(y_train == 5, 0, 1)
    counted = count_labels(y_train_dog)
    unique, counts = np.unique(y_train_dog, return_counts=True)
    assert counted.as_dict() == dict(zip(unique.tolist(), counts.tolist(), strict=True))
    assert counted.as_dict() == {0: 5000, 1: 45000}
    assert counted.imbalance_ratio == 9.0
    assert counted.majority_baseline == 0.9


def _flowers_tree(root: Path) -> Path:
    for name, n in FLOWERS.items():
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(n):
            (folder / f"{i}.jpg").touch()
    return root


@pytest.fixture(scope="module")
def flowers(tmp_path_factory):
    return _flowers_tree(tmp_path_factory.mktemp("flower_photos"))


def test_flowers_counted_from_the_folder_tree(flowers):
    counted = count_labels(flowers)
    assert counted.as_dict() == FLOWERS
    assert counted.n_samples == 3670
    assert count_labels(str(flowers)) == counted


@needs_tensorflow
def test_flowers_counted_from_image_dataset_without_decoding(flowers):
    # The files are empty: decoding any of them would fail, so success proves nothing is read.
    dataset = keras.utils.image_dataset_from_directory(flowers, batch_size=32, verbose=False)
    counted = count_labels(dataset)
    assert counted.as_dict() == FLOWERS
    assert counted.classes == tuple(dataset.class_names)


@needs_tensorflow
@pytest.mark.parametrize("label_mode", ["int", "categorical", "binary"])
def test_image_dataset_of_undecodable_files(tmp_path, rng, label_mode):
    names = ["cats", "dogs"]
    n = {"cats": 9, "dogs": 4}
    for name in names:
        (tmp_path / name / "nested").mkdir(parents=True)
        for i in range(n[name]):
            where = tmp_path / name / ("nested" if i % 3 == 0 else "") / f"{i}.JPG"
            where.write_bytes(rng.bytes(64))
    dataset = keras.utils.image_dataset_from_directory(
        tmp_path, label_mode=label_mode, batch_size=4, verbose=False
    )
    counted = count_labels(dataset)
    assert counted.as_dict() == n
    assert counted.label_mode == ("categorical" if label_mode == "categorical" else "int")


def _png_tree(root, counts, names=None):
    from PIL import Image

    image = Image.new("RGB", (4, 4), (200, 10, 10))
    for index, n in enumerate(counts):
        folder = root / (names[index] if names else f"class_{index}")
        folder.mkdir(parents=True)
        for i in range(n):
            image.save(folder / f"{i}.png")
    return root


def _iterated_counts(dataset, num_classes):
    y = np.concatenate([np.asarray(batch[1]) for batch in dataset])
    if y.ndim == 2 and y.shape[1] == num_classes and num_classes > 1:
        y = y.argmax(axis=1)
    return np.bincount(y.astype(np.int64).ravel(), minlength=num_classes)


@needs_tensorflow
def test_validation_split_subsets_count_their_own_files(tmp_path):
    root = _png_tree(tmp_path, [11, 3, 6])
    parts = keras.utils.image_dataset_from_directory(
        root, validation_split=0.4, subset="both", seed=3, batch_size=4, verbose=False
    )
    total = np.zeros(3, np.int64)
    for dataset in parts:
        counted = count_labels(dataset)
        np.testing.assert_array_equal(counted.counts, _iterated_counts(dataset, 3))
        total += counted.counts
    assert total.tolist() == [11, 3, 6]


@needs_tensorflow
def test_mapped_image_dataset_falls_back_to_counting_the_labels(tmp_path):
    root = _png_tree(tmp_path, [5, 2])
    dataset = keras.utils.image_dataset_from_directory(root, batch_size=3, verbose=False)
    mapped = dataset.map(lambda x, y: (x / 255.0, y))
    assert not hasattr(mapped, "file_paths")
    counted = count_labels(mapped)
    np.testing.assert_array_equal(counted.counts, [5, 2])


@needs_tensorflow
def test_explicit_labels_on_int_named_folders_count_the_labels_not_the_folders(tmp_path):
    # Keras names the classes str(label) for labels=[...]: folders "0" and "1" cannot tell.
    root = _png_tree(tmp_path, [3, 1], names=["0", "1"])
    labels = [1, 0, 1, 1]  # in the sorted file order; the folders would say 3 x "0", 1 x "1"
    dataset = keras.utils.image_dataset_from_directory(
        root, labels=labels, batch_size=2, verbose=False
    )
    counted = count_labels(dataset)
    np.testing.assert_array_equal(counted.counts, np.bincount(labels))
    np.testing.assert_array_equal(counted.counts, _iterated_counts(dataset, 2))
    inferred = keras.utils.image_dataset_from_directory(root, batch_size=2, verbose=False)
    assert count_labels(inferred).as_dict() == {"0": 3, "1": 1}


@needs_tensorflow
def test_explicit_labels_on_named_folders_are_not_read_from_paths(tmp_path):
    root = _png_tree(tmp_path, [2, 2], names=["a", "b"])
    labels = [0, 0, 0, 1]
    dataset = keras.utils.image_dataset_from_directory(
        root, labels=labels, batch_size=2, verbose=False
    )
    np.testing.assert_array_equal(count_labels(dataset).counts, [3, 1])


@needs_tensorflow
def test_image_dataset_without_labels_raises(tmp_path):
    root = _png_tree(tmp_path, [2, 1])
    dataset = keras.utils.image_dataset_from_directory(
        root, labels=None, batch_size=2, verbose=False
    )
    with pytest.raises((ValueError, TypeError)):
        count_labels(dataset)


@needs_tensorflow
def test_image_dataset_classes_must_match_class_names(flowers):
    dataset = keras.utils.image_dataset_from_directory(flowers, batch_size=32, verbose=False)
    assert count_labels(dataset, classes=5).as_dict() == dict(enumerate(FLOWERS.values()))
    with pytest.raises(ValueError, match="does not match the dataset's class_names"):
        count_labels(dataset, classes=["roses", "daisy"])


@needs_tensorflow
def test_text_dataset_counts_like_its_folder(tmp_path):
    for name, n in {"neg": 4, "pos": 2}.items():
        (tmp_path / name).mkdir()
        for i in range(n):
            (tmp_path / name / f"{i}.txt").write_text(f"review {i}")
    dataset = keras.utils.text_dataset_from_directory(tmp_path, batch_size=4, verbose=False)
    counted = count_labels(dataset)
    np.testing.assert_array_equal(counted.counts, [4, 2])
    from keras_imbalance.counting import count_directory

    assert count_directory(tmp_path, extensions="text").as_dict() == {"neg": 4, "pos": 2}


@pytest.mark.skipif(not has_module("torch"), reason="needs torch installed")
def test_torch_dataloader_batches(rng):
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    y = rng.integers(0, 4, size=30)
    loader = DataLoader(TensorDataset(torch.zeros(30, 2), torch.as_tensor(y)), batch_size=8)
    np.testing.assert_array_equal(count_labels(loader).counts, np.bincount(y))


# --- Batches ------------------------------------------------------------------------------------


def test_string_batches_merge_by_name():
    batches = [(None, ["b", "b"]), (None, ["a"]), (None, ["c", "b"])]
    counted = count_labels(iter(batches))
    assert counted.as_dict() == {"a": 1, "b": 3, "c": 1}


def test_batches_mixing_ints_and_strings_raise():
    with pytest.raises(TypeError, match=r"batch 1 .* string labels but earlier batches"):
        count_labels(iter([(None, [0, 1]), (None, ["a"])]))


def test_one_hot_batches_of_different_widths_raise():
    batches = [(None, np.eye(3)), (None, np.eye(4))]
    with pytest.raises(ValueError, match="batch 1 has 4 columns"):
        count_labels(iter(batches))


def test_multi_hot_first_batch_fixes_the_mode():
    # The second batch alone would look one-hot; it is still counted as multi-hot rows.
    batches = [(None, [[1, 1, 0], [0, 0, 0]]), (None, [[0, 1, 0]])]
    counted = count_labels(iter(batches))
    assert counted.label_mode == "multi_label"
    assert counted.counts.tolist() == [1, 2, 0]
    assert counted.n_samples == 3


def test_labels_beyond_declared_classes_raise():
    with pytest.raises(ValueError, match="batch 1 contains the class index 3"):
        count_labels(iter([(None, [0, 1]), (None, [3])]), classes=3)


@pytest.mark.parametrize(
    ("batches", "error", "match"),
    [
        ([], ValueError, "yielded no batches"),
        ([np.zeros(3)], TypeError, r"batch 0 .* must be a tuple \(x, y\)"),
        ([(np.zeros(2), None)], ValueError, "has no labels"),
        ([(np.zeros(2), {"out": [0, 1]})], TypeError, "dict of labels"),
        ([(None, [0, 1]), (None, [0.5])], ValueError, "batch 1 contains the non-integral"),
    ],
)
def test_bad_batches_raise(batches, error, match):
    with pytest.raises(error, match=match):
        count_labels(iter(batches))


def test_infinite_pydataset_raises():
    class Endless(keras.utils.PyDataset):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, index):
            return np.zeros(1), np.zeros(1)

    with pytest.raises(ValueError, match="infinite"):
        count_labels(Endless())


# --- pandas, files, and other sources -----------------------------------------------------------


def test_categorical_keeps_its_categories_in_order():
    labels = pd.Categorical(["b", "a", "b"], categories=["c", "b", "a"])
    counted = count_labels(labels)
    assert counted.as_dict() == {"c": 0, "b": 2, "a": 1}
    assert count_labels(pd.Series(labels)).as_dict() == {"c": 0, "b": 2, "a": 1}
    assert count_labels(labels, classes=["a", "b", "c", "d"]).as_dict() == {
        "a": 1,
        "b": 2,
        "c": 0,
        "d": 0,
    }


@pytest.mark.parametrize(
    ("source", "kwargs", "error", "match"),
    [
        (pd.DataFrame({"a": [0], "b": [1]}), {}, ValueError, r"2 columns.*df\['b'\]"),
        (pd.DataFrame({"a": [0]}), {"column": "z"}, ValueError, "'z' is not a column.*'a'"),
        (pd.Series([0.0, np.nan]), {}, ValueError, "missing value .* position 1"),
        (pd.Series(["a", None]), {}, ValueError, "missing value .* position 1"),
        (pd.Categorical(["a", None]), {}, ValueError, "missing value .* position 1"),
        (pd.Categorical(["a"]), {"label_mode": "categorical"}, ValueError, "label_mode=None"),
        (pd.Categorical(["a", "z"]), {"classes": ["a"]}, ValueError, "'z'.*not in classes"),
        (pd.Series([0]), {"column": "a"}, ValueError, "applies to a DataFrame"),
        (np.array([0, 1]), {"column": "a"}, ValueError, "applies to a DataFrame or a .csv"),
    ],
)
def test_bad_pandas_sources_raise(source, kwargs, error, match):
    with pytest.raises(error, match=match):
        count_labels(source, **kwargs)


def test_csv_needs_a_column(tmp_path):
    path = _csv([0, 1], tmp_path)
    with pytest.raises(ValueError, match=r"needs column=.*\['id', 'label'\].*column='label'"):
        count_labels(path)
    with pytest.raises(ValueError, match=r"column='lbl' is not a column.*'id', 'label'"):
        count_labels(path, column="lbl")
    single = tmp_path / "y.csv"
    single.write_text("label\ncat\ndog\ncat\n")
    with pytest.raises(ValueError, match=r"needs column=.*\['label'\]"):
        count_labels(single)
    assert count_labels(single, column="label").as_dict() == {"cat": 2, "dog": 1}
    # An empty cell is a missing label.
    single.write_text("id,label\n0,cat\n1,\n")
    with pytest.raises(ValueError, match="empty on data row 2"):
        count_labels(single, column="label")


@pytest.mark.parametrize("use_pandas", [True, False])
def test_csv_numbers_become_class_indices(tmp_path, monkeypatch, use_pandas):
    if not use_pandas:
        monkeypatch.setitem(sys.modules, "pandas", None)
    path = tmp_path / "y.csv"
    path.write_text("label,other\n2,x\n0,y\n2.0,z\n")
    assert count_labels(path, column="label").as_dict() == {0: 1, 1: 0, 2: 2}
    path.write_text("label\n1\ncat\n1\n")  # mixed cells stay text, like pandas reads them
    assert count_labels(path, column="label").as_dict() == {"1": 2, "cat": 1}
    path.write_text("id,label\n0,dog\n1,\n")
    with pytest.raises(ValueError, match="empty on data row 2"):
        count_labels(path, column="label")


def test_npy_of_python_objects_is_refused(tmp_path):
    path = tmp_path / "y.npy"
    np.save(path, np.array(["a", 1], dtype=object), allow_pickle=True)
    with pytest.raises(
        ValueError, match=r"holds Python objects, which are never loaded.*dtype=str"
    ):
        count_labels(path)


@pytest.mark.parametrize(
    ("name", "match"),
    [("missing.npy", "does not exist"), ("labels.txt", r"\.txt file; count_labels reads")],
)
def test_bad_paths_raise(tmp_path, name, match):
    (tmp_path / "labels.txt").write_text("0\n1\n")
    with pytest.raises(ValueError, match=match):
        count_labels(tmp_path / name)


def test_directory_source_options(flowers):
    counted = count_labels(flowers, classes=["roses", "daisy"], label_mode="categorical")
    assert counted.as_dict() == {"roses": 641, "daisy": 633}
    assert counted.label_mode == "categorical"
    with pytest.raises(ValueError, match="multi_label' does not apply"):
        count_labels(flowers, label_mode="multi_label")
    with pytest.raises(TypeError, match="list of sub-folder names"):
        count_labels(flowers, classes=5)


def test_mapping_and_class_counts_pass_through():
    counted = count_labels({"dog": 5000, "not-dog": 45000})
    assert counted.as_dict() == {"dog": 5000, "not-dog": 45000}
    assert count_labels(counted) is counted


@pytest.mark.parametrize("source", [object(), 3.5, None, b"labels"])
def test_unknown_sources_raise_type_error_listing_the_sources(source):
    with pytest.raises(
        TypeError, match=r"(?s)count_labels cannot read.*tf.data.Dataset.*PyDataset"
    ):
        count_labels(source)


@pytest.mark.parametrize(
    ("y", "kwargs", "error", "match"),
    [
        ([], {}, ValueError, "is empty"),
        ([0, float("nan")], {}, ValueError, "contains nan"),
        ([0, -1], {}, ValueError, "negative class index -1"),
        ([0, 1.5], {}, ValueError, "non-integral value 1.5"),
        ([[1, 1], [0, 1]], {"label_mode": "categorical"}, ValueError, "sums to 2"),
        ([[0, 1], [1, 0, 0]], {}, ValueError, "ragged"),
        ([0, 1], {"label_mode": "binary"}, ValueError, "label_mode='binary' is not supported"),
    ],
)
def test_bad_labels_raise(y, kwargs, error, match):
    with pytest.raises(error, match=match):
        count_labels(y, **kwargs)


# --- ClassCounts --------------------------------------------------------------------------------


def test_class_counts_properties():
    counted = ClassCounts.from_counts(FLOWERS)
    counts = np.array(list(FLOWERS.values()))
    np.testing.assert_allclose(counted.proportions, counts / counts.sum(), rtol=0, atol=0)
    assert counted.imbalance_ratio == 898 / 633
    assert counted.majority_baseline == 898 / 3670
    assert counted.as_dict() == FLOWERS
    assert counted.class_names == list(FLOWERS)
    assert counted.num_classes == 5


def test_class_counts_json_round_trip():
    counted = count_labels(np.eye(3)[[0, 2, 2, 1, 2]])
    again = ClassCounts.from_json(counted.to_json())
    assert again == counted
    assert json.loads(counted.to_json())["counts"] == [1, 1, 3]
    strings = count_labels(["b", "a", "b"])
    assert ClassCounts.from_json(strings.to_json()) == strings


def test_class_counts_repr():
    text = repr(ClassCounts.from_counts({0: 5000, 1: 45000}))
    assert text == (
        "ClassCounts({0: 5000, 1: 45000}, label_mode='int', n_samples=50000, imbalance_ratio=9)"
    )
    many = repr(ClassCounts.from_counts(list(range(1, 12))))
    assert "... (11 classes)" in many


def test_multi_label_majority_baseline_is_binary_accuracy_of_the_majority(rng):
    y = (rng.random((200, 4)) < [0.1, 0.5, 0.7, 0.95]).astype(int)
    counted = count_labels(y)
    majority = (y.mean(axis=0) > 0.5).astype(int)
    accuracy = (y == majority).mean()  # what keras binary_accuracy gives for that prediction
    assert counted.majority_baseline == pytest.approx(accuracy, rel=1e-12)
    np.testing.assert_allclose(counted.proportions, y.mean(axis=0), rtol=1e-12)


def test_counts_are_read_only_and_labels_untouched():
    y = np.array([1, 0, 1])
    counted = count_labels(y)
    with pytest.raises(ValueError):
        counted.counts[0] = 7
    assert y.tolist() == [1, 0, 1]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"counts": [[1, 2]], "classes": (0,)}, "non-empty 1-D"),
        ({"counts": [1, -2], "classes": (0, 1)}, "must not be negative"),
        ({"counts": [1.5, 2], "classes": (0, 1)}, "whole numbers"),
        ({"counts": [1, 2], "classes": (0,)}, "1 entries but counts has 2"),
    ],
)
def test_class_counts_validate(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ClassCounts(**kwargs)


@needs_tensorflow
def test_tf_dataset_passes_label_mode_and_classes_to_count_dataset():
    import tensorflow as tf

    sequences = np.array([[0, 1, 1], [1, 1, 1]])  # 0/1 sequences look multi-hot unless told
    dataset = tf.data.Dataset.from_tensor_slices((np.zeros((2, 1)), sequences)).batch(1)
    assert count_labels(dataset).label_mode == "multi_label"
    counted = count_labels(dataset, label_mode="int", classes=4)
    np.testing.assert_array_equal(counted.counts, np.bincount(sequences.ravel(), minlength=4))
    assert counted.label_mode == "int"


# --- Issue 11: files that are not what they claim, NaN cells, .npz ------------------------------


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", r"is empty \(0 bytes\)"),
        (bytes(range(256)), r"is not a NumPy \.npy file"),
        (b"\x93NUMPY\x01\x00\x76\x00{'descr'", r"damaged \.npy file"),
    ],
)
def test_bad_npy_files_say_what_is_wrong(tmp_path, content, match):
    path = tmp_path / "y.npy"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match) as info:
        count_labels(path)
    assert "allow_pickle" not in str(info.value) and "pickle.load" not in str(info.value)


def test_npz_files_are_counted_like_compare_reads_them(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.zeros((4, 1)), y=np.array([0, 1, 1, 2]))
    assert count_labels(tmp_path / "d.npz").as_dict() == {0: 1, 1: 2, 2: 1}
    np.savez(tmp_path / "s.npz", x_train=np.zeros((2, 1)), y_train=np.array([1, 1]))
    assert count_labels(tmp_path / "s.npz").as_dict() == {0: 0, 1: 2}
    np.savez(tmp_path / "named.npz", labels=np.array(["a", "b", "b"]))
    assert count_labels(tmp_path / "named.npz", column="labels").as_dict() == {"a": 1, "b": 2}
    with pytest.raises(ValueError, match=r"name the label array with column="):
        count_labels(tmp_path / "named.npz")
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty \(0 bytes\)"):
        count_labels(tmp_path / "empty.npz")


@pytest.mark.parametrize("cell", ["NaN", "nan", " NaN "])
def test_a_nan_csv_cell_is_a_missing_label_not_a_class(tmp_path, cell):
    path = tmp_path / "y.csv"
    path.write_text(f"id,label\n0,cat\n1,{cell}\n2,dog\n")
    expected = rf"holds '{cell.strip()}' \(a missing value\) on data row 2"
    with pytest.raises(ValueError, match=expected):
        count_labels(path, column="label")


# --- max_classes: one stray huge label ----------------------------------------------------------


def _npz(y, tmp_path):
    path = tmp_path / "labels.npz"
    np.savez(path, y=np.asarray(y))
    return path


INT_SOURCES = {
    **{name: build for name, (kinds, build) in SOURCES.items() if "int" in kinds},
    "npz": lambda y, p: (_npz(y, p), {}),
    "dict": lambda y, p: (dict(zip(*np.unique(y, return_counts=True), strict=True)), {}),
}

INT_SOURCE_CASES = [
    pytest.param(name, marks=[needs_tensorflow] if name == "tf.data" else [], id=name)
    for name in INT_SOURCES
]


@pytest.mark.parametrize("source_name", INT_SOURCE_CASES)
def test_a_huge_label_is_refused_on_every_source_before_allocating(source_name, tmp_path):
    import tracemalloc

    y = np.array([0, 1, 10**9, 1, 0], dtype=np.int64)
    source, kwargs = INT_SOURCES[source_name](y, tmp_path)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"class index 1000000000.*max_classes=100000") as info:
            count_labels(source, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "pass a larger max_classes" in str(info.value)
    # a count per class would need 8 GB; the refusal allocates nothing of that size
    assert peak < 64 * 2**20


@pytest.mark.parametrize("source_name", INT_SOURCE_CASES)
def test_max_classes_is_honoured_and_can_be_raised_on_every_source(source_name, tmp_path):
    y = np.array([0, 1, 7, 1, 0, 7, 7], dtype=np.int64)
    source, kwargs = INT_SOURCES[source_name](y, tmp_path)
    with pytest.raises(ValueError, match=r"class index 7, which makes 8 classes, more than "):
        count_labels(source, max_classes=5, **kwargs)
    source, kwargs = INT_SOURCES[source_name](y, tmp_path)  # generators are spent: build again
    counted = count_labels(source, max_classes=8, **kwargs)
    np.testing.assert_array_equal(counted.counts, np.bincount(y))
    assert counted.classes == tuple(range(8))


def test_declared_classes_do_not_need_max_classes():
    counted = count_labels([0, 7], classes=[0, 7], max_classes=1)
    assert counted.as_dict() == {0: 1, 7: 1}


@pytest.mark.parametrize("limit", [0, -3, 2.5, True, "100"])
@pytest.mark.parametrize("source_name", ["numpy", "generator", "series"])
def test_a_bad_max_classes_is_named(limit, source_name, tmp_path):
    source, kwargs = INT_SOURCES[source_name](np.array([0, 1]), tmp_path)
    with pytest.raises(ValueError, match=r"max_classes=.* must be a positive int"):
        count_labels(source, max_classes=limit, **kwargs)


@needs_tensorflow
def test_count_dataset_takes_max_classes():
    import tensorflow as tf

    from keras_imbalance.counting import count_dataset

    dataset = tf.data.Dataset.from_tensor_slices(([[0.0]] * 3, [0, 4, 4]))
    with pytest.raises(ValueError, match=r"more than max_classes=3"):
        count_dataset(dataset, max_classes=3)
    assert count_dataset(dataset, max_classes=5).as_dict() == {0: 1, 1: 0, 2: 0, 3: 0, 4: 2}
    with pytest.raises(ValueError, match=r"max_classes=0 must be a positive int"):
        count_dataset(dataset, max_classes=0)


# --- The bad-input sweep of issue 16 --------------------------------------------------------------


def test_count_labels_refuses_an_all_zero_matrix_unless_multi_label_is_declared():
    with pytest.raises(ValueError, match=r"y is all zeros \(shape \(2, 3\)\).*label_mode="):
        count_labels(np.zeros((2, 3), int))
    counted = count_labels(np.zeros((2, 3), int), label_mode="multi_label")
    assert counted.counts.tolist() == [0, 0, 0] and counted.n_samples == 2


@pytest.mark.parametrize("classes", [("a", "a"), (1, 1), (1, "1"), ("x", "b", "x")])
def test_class_counts_refuses_duplicate_classes(classes):
    """('a', 'a') made two entries of one name: as_dict kept one count and lost the other."""
    counts = np.arange(1, len(classes) + 1)
    with pytest.raises(ValueError, match=rf"names the class {classes[-1]!r} twice"):
        ClassCounts(counts, classes)
    with pytest.raises(ValueError, match="twice"):
        ClassCounts.from_dict({"classes": list(classes), "counts": counts.tolist()})


def test_count_labels_names_a_label_too_large_for_a_class_index():
    with pytest.raises(ValueError, match=r"1e\+300, which is too large to be a class index"):
        count_labels(np.array([0.0, 1e300]))


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("{bad", ValueError, r"text='\{bad' is not valid JSON \(line 1, column 2"),
        (b"\xff\xfe\x00", ValueError, "not valid JSON|not UTF-8 text"),
        (b"\x80abc", ValueError, "not UTF-8 text|not valid JSON"),
        ({"classes": [0], "counts": [1]}, TypeError, "for a dict use ClassCounts.from_dict"),
        ("[1, 2]", TypeError, "counts data must be a dict"),
        ('{"classes": 3, "counts": [1, 2, 3]}', TypeError, "classes=3; give a list"),
        ('{"classes": [0], "counts": [1], "n_samples": "x"}', TypeError, "n_samples='x'"),
    ],
    ids=["truncated", "utf16-bom", "binary", "dict", "list", "classes-int", "n_samples-str"],
)
def test_class_counts_from_json_names_what_is_wrong(text, error, match):
    with pytest.raises(error, match=match):
        ClassCounts.from_json(text)


def test_class_counts_from_json_round_trips_text_and_bytes():
    counts = ClassCounts.from_counts({"cat": 3, "dog": 1})
    assert ClassCounts.from_json(counts.to_json()) == counts
    assert ClassCounts.from_json(counts.to_json().encode()) == counts
    data = {**counts.to_dict(), "n_samples": np.int64(4)}
    assert ClassCounts.from_dict(data) == counts


def test_count_labels_names_a_binary_file_with_a_csv_suffix(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ValueError, match=r"labels.csv' is not a text CSV file") as caught:
        count_labels(path, column="label")
    assert isinstance(caught.value.__cause__, UnicodeDecodeError)


@needs_tensorflow
def test_count_labels_refuses_a_filter_over_an_endless_stream():
    """ds.repeat().filter(...) has an unknown cardinality, and counting it never returned."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices(([[0.0]] * 6, [0, 0, 0, 1, 1, 2]))
    endless = ds.repeat().filter(lambda x, y: y < 2)
    assert int(endless.cardinality()) == int(tf.data.UNKNOWN_CARDINALITY)
    with pytest.raises(ValueError, match=r"unknown cardinality .* endless RepeatDataset"):
        count_labels(endless)
    with pytest.raises(ValueError, match="endless"):
        count_labels(endless.batch(4).prefetch(1))
    # A filter of a finite stream, or of a bounded repeat, is counted as before.
    assert count_labels(ds.filter(lambda x, y: y < 2)).as_dict() == {0: 3, 1: 2}
    bounded = ds.repeat().take(12).filter(lambda x, y: y < 2)
    assert count_labels(bounded).as_dict() == {0: 6, 1: 4}
    # assume_finite=True trusts a step that ends the stream and cardinality cannot see.
    ended = ds.repeat().enumerate().take_while(lambda i, e: i < 6).map(lambda i, e: e)
    with pytest.raises(ValueError, match="assume_finite=True"):
        count_labels(ended)
    assert count_labels(ended, assume_finite=True).as_dict() == {0: 3, 1: 2, 2: 1}
    # An infinite dataset stays refused, whatever assume_finite says.
    with pytest.raises(ValueError, match="infinite"):
        count_labels(ds.repeat(), assume_finite=True)


def test_assume_finite_is_checked_and_applies_to_tf_data_only():
    with pytest.raises(ValueError, match=r"assume_finite=True applies to a tf\.data\.Dataset"):
        count_labels([0, 1], assume_finite=True)
    with pytest.raises(TypeError, match="assume_finite must be True or False"):
        count_labels([0, 1], assume_finite="yes")


@needs_tensorflow
def test_count_labels_refuses_an_all_zero_tf_dataset_unless_multi_label_is_declared():
    ds = _tf_dataset(np.zeros((5, 3), np.int64))
    with pytest.raises(ValueError, match=r"y in dataset is all zeros \(shape \(5, 3\)\)"):
        count_labels(ds)
    counted = count_labels(ds, label_mode="multi_label")
    assert counted.counts.tolist() == [0, 0, 0] and counted.n_samples == 5
