"""Count the classes of any label source: :func:`count_labels` and :class:`ClassCounts`.

:mod:`~keras_imbalance.counting.class_counts` holds :class:`ClassCounts` and the accepted forms of
counts; :mod:`~keras_imbalance.counting.count` dispatches a source to its reader in
:mod:`keras_imbalance.counting.sources` (pandas, files, directories, iterables, ``tf.data``).
"""

from __future__ import annotations

from keras_imbalance.counting.class_counts import (
    ClassCounts,
    CountsLike,
    as_counts,
    as_prior,
    counts_from_labels,
)
from keras_imbalance.counting.count import SOURCES, count_labels
from keras_imbalance.counting.sources.directory import (
    AUDIO_EXTENSIONS,
    EXTENSION_PRESETS,
    IMAGE_EXTENSIONS,
    TEXT_EXTENSIONS,
    ExtensionsLike,
    class_folders,
    count_directory,
)
from keras_imbalance.counting.sources.numpy_files import NpzArchive, read_npy
from keras_imbalance.counting.sources.tfdata import count_dataset, is_batched

__all__ = [
    "AUDIO_EXTENSIONS",
    "ClassCounts",
    "CountsLike",
    "EXTENSION_PRESETS",
    "ExtensionsLike",
    "IMAGE_EXTENSIONS",
    "NpzArchive",
    "SOURCES",
    "TEXT_EXTENSIONS",
    "as_counts",
    "as_prior",
    "class_folders",
    "count_dataset",
    "count_directory",
    "count_labels",
    "counts_from_labels",
    "is_batched",
    "read_npy",
]
