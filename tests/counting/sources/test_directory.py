"""count_directory: Keras's class-folder rules, checked against Keras's own file index."""

from __future__ import annotations

import os
import sys
import types
from typing import ClassVar

import numpy as np
import pytest
from keras.src.utils.dataset_utils import index_directory
from keras.src.utils.image_dataset_utils import ALLOWLIST_FORMATS

from keras_imbalance.counting import IMAGE_EXTENSIONS, count_directory
from keras_imbalance.counting.sources import directory


def _touch(root, *names):
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()


def _keras_counts(root, follow_links=False, formats=ALLOWLIST_FORMATS, class_names=None):
    _, labels, names = index_directory(
        str(root),
        "inferred",
        formats=formats,
        class_names=class_names,
        shuffle=False,
        follow_links=follow_links,
        verbose=False,
    )
    return dict(zip(names, np.bincount(labels, minlength=len(names)).tolist(), strict=True))


@pytest.fixture
def tree(tmp_path):
    _touch(
        tmp_path,
        "roses/a.jpg",
        "roses/b.JPEG",
        "roses/c.png",
        "roses/deep/er/d.gif",
        "roses/e.bmp",
        "roses/notes.txt",
        "roses/no_extension",
        "roses/.hidden.jpg",  # Keras counts hidden files inside class folders
        "roses/.cache/f.jpg",  # and walks hidden folders inside them
        "daisy/a.jpg",
        "daisy/b.webp",
        ".git/objects.jpg",  # a hidden folder at the top is no class
        "root_file.jpg",  # files in the root are ignored
        "empty_class/readme.md",
    )
    return tmp_path


def test_the_extensions_are_keras_allowlist():
    assert IMAGE_EXTENSIONS == ALLOWLIST_FORMATS


def test_counts_match_keras_index_directory(tree):
    counted = count_directory(tree)
    assert counted.as_dict() == _keras_counts(tree)
    assert counted.as_dict() == {"daisy": 1, "empty_class": 0, "roses": 7}
    assert counted.label_mode == "int"


def test_extensions_presets_and_lists(tree):
    assert count_directory(tree, extensions="text").as_dict() == {
        "daisy": 0,
        "empty_class": 0,
        "roses": 1,
    }
    assert count_directory(tree, extensions="text").as_dict() == _keras_counts(
        tree, formats=(".txt",)
    )
    webp = count_directory(tree, extensions=["webp", ".JPG"])
    assert webp.as_dict() == {"daisy": 2, "empty_class": 0, "roses": 3}
    assert count_directory(tree, extensions=".md").as_dict()["empty_class"] == 1


def test_classes_choose_and_order_the_folders(tree):
    counted = count_directory(tree, classes=["roses", "daisy"])
    assert list(counted.as_dict().items()) == [("roses", 7), ("daisy", 1)]
    assert counted.as_dict() == _keras_counts(tree, class_names=["roses", "daisy"])


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
@pytest.mark.parametrize("follow_links", [False, True])
def test_symbolic_links_follow_keras(tmp_path, follow_links):
    _touch(tmp_path, "data/cats/a.jpg", "elsewhere/more/b.jpg", "elsewhere/more/c.jpg")
    _touch(tmp_path, "outside/dogs/d.jpg", "outside/dogs/e.jpg")
    os.symlink(tmp_path / "elsewhere/more", tmp_path / "data/cats/linked")
    os.symlink(tmp_path / "outside/dogs", tmp_path / "data/dogs")  # a linked class folder
    root = tmp_path / "data"
    counted = count_directory(root, follow_links=follow_links)
    assert counted.as_dict() == _keras_counts(root, follow_links=follow_links)
    assert counted.as_dict() == {"cats": 3 if follow_links else 1, "dogs": 2}


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_symlink_cycle_terminates_and_counts_each_file_once(tmp_path):
    _touch(tmp_path, "cats/a.jpg", "cats/sub/b.jpg", "dogs/c.jpg")
    os.symlink(tmp_path / "cats", tmp_path / "cats/sub/loop")  # cats/sub/loop -> cats
    os.symlink(tmp_path / "cats/sub", tmp_path / "dogs/friends")  # not a cycle: walked
    counted = count_directory(tmp_path, follow_links=True)
    # dogs: c.jpg, friends/b.jpg, friends/loop/a.jpg; friends/loop/sub is cats/sub again, which
    # dogs already counted. Issue 11: it was counted again, so b.jpg counted three times.
    assert counted.as_dict() == {"cats": 2, "dogs": 3}
    assert count_directory(tmp_path).as_dict() == {"cats": 2, "dogs": 1}


def test_broken_symlink_counts_as_keras_counts_it(tmp_path):
    _touch(tmp_path, "cats/a.jpg")
    os.symlink(tmp_path / "nowhere.jpg", tmp_path / "cats/broken.jpg")
    assert count_directory(tmp_path).as_dict() == _keras_counts(tmp_path) == {"cats": 2}


def test_random_tree_matches_keras(tmp_path, rng):
    names = ["alpha", "Beta", "gamma", "_delta"]
    extensions = [".jpg", ".PNG", ".txt", ".jpeg", ".gif", ""]
    for i in range(300):
        folder = names[rng.integers(len(names))]
        depth = "/".join(f"d{rng.integers(3)}" for _ in range(rng.integers(3)))
        name = f"{folder}/{depth}/f{i}{extensions[rng.integers(len(extensions))]}"
        _touch(tmp_path, name.replace("//", "/"))
    assert count_directory(tmp_path).as_dict() == _keras_counts(tmp_path)


@pytest.mark.parametrize(
    ("setup", "kwargs", "error", "match"),
    [
        (lambda root: root / "missing", {}, ValueError, "does not exist"),
        (lambda root: _file(root), {}, ValueError, "is a file, not a folder"),
        (lambda root: root, {}, ValueError, "has no class sub-folders"),
        (lambda root: _only_files(root), {}, ValueError, "has no class sub-folders"),
        (lambda root: _empty_classes(root), {}, ValueError, "no files with the extensions"),
        (lambda root: _empty_classes(root), {"classes": ["zebra"]}, ValueError, "not sub-folders"),
        (lambda root: _empty_classes(root), {"classes": "cats"}, TypeError, "list of sub-folder"),
        (lambda root: _empty_classes(root), {"classes": ["a", "a"]}, ValueError, "duplicates"),
        (lambda root: _empty_classes(root), {"extensions": "jpg"}, ValueError, "neither a preset"),
        (lambda root: _empty_classes(root), {"extensions": []}, ValueError, "non-empty list"),
        (lambda root: _empty_classes(root), {"extensions": [3]}, ValueError, "contains 3"),
        (lambda root: _empty_classes(root), {"follow_links": "yes"}, TypeError, "True or False"),
        (lambda root: _empty_classes(root), {"progress": 1}, TypeError, "None, True or False"),
    ],
)
def test_bad_folders_raise_clear_errors(tmp_path, setup, kwargs, error, match):
    with pytest.raises(error, match=match):
        count_directory(setup(tmp_path), **kwargs)


def _file(root):
    _touch(root, "labels.jpg")
    return root / "labels.jpg"


def _only_files(root):
    _touch(root, "a.jpg", "b.jpg", ".hidden/c.jpg")
    return root


def _empty_classes(root):
    _touch(root, "a/readme.md", "b/notes.txt")
    return root


class _FakeBar:
    made: ClassVar[list[_FakeBar]] = []

    def __init__(self, **kwargs):
        self.kwargs, self.total, self.closed = kwargs, 0, False
        _FakeBar.made.append(self)

    def update(self, n):
        self.total += n

    def set_postfix_str(self, text, refresh=True):
        self.postfix = text

    def close(self):
        self.closed = True


@pytest.fixture
def fake_tqdm(monkeypatch):
    module = types.ModuleType("tqdm.auto")
    module.tqdm = _FakeBar
    monkeypatch.setitem(sys.modules, "tqdm", types.ModuleType("tqdm"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", module)
    _FakeBar.made = []
    return _FakeBar


def test_progress_bar_counts_every_file_to_stderr(tree, fake_tqdm):
    count_directory(tree, progress=True)
    (bar,) = fake_tqdm.made
    assert bar.total == 8
    assert bar.closed
    assert bar.kwargs["file"] is sys.stderr


def test_progress_bar_appears_only_for_slow_scans(tree, fake_tqdm, monkeypatch):
    count_directory(tree)
    assert fake_tqdm.made == []  # a small tree ends before the delay
    monkeypatch.setattr(directory, "PROGRESS_DELAY", 0.0)
    count_directory(tree, progress=False)
    assert fake_tqdm.made == []
    count_directory(tree)
    assert len(fake_tqdm.made) == 1


def test_progress_true_without_tqdm_says_how_to_install(tree, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with pytest.raises(ImportError, match="pip install tqdm"):
        count_directory(tree, progress=True)
    assert count_directory(tree).n_samples == 8  # progress=None quietly goes without


def test_class_folders_takes_classes_by_keyword_and_warns_when_positional(tmp_path):
    from keras_imbalance.counting import class_folders

    _touch(tmp_path, "cats/a.jpg", "dogs/b.jpg", "owls/c.jpg")
    with pytest.deprecated_call(match=r"pass classes=\.\.\. by keyword"):
        old = class_folders(tmp_path, ["owls", "cats"])
    new = class_folders(tmp_path, classes=["owls", "cats"])
    assert old == new == (str(tmp_path), ["owls", "cats"])
    # without classes, the sub-folders in Keras's (sorted) order
    assert class_folders(tmp_path)[1] == sorted(os.listdir(tmp_path)) == ["cats", "dogs", "owls"]
