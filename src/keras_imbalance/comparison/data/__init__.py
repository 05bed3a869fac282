"""What a comparison reads, and how it is split.

:mod:`.splits` (train / validation / test of arrays; :mod:`.stratify` the shared draw),
:mod:`.stream_splits` and :mod:`.streams` (``tf.data`` and ``PyDataset``), :mod:`.images`
(image folders, streamed; :mod:`.image_cache` and :mod:`.pixel_rows` decode them once),
:mod:`.folds` (stratified K folds, and when ``compare`` uses them), :mod:`.augment` and
:mod:`.augment_layer` (the same augmentation for every strategy).
"""
