"""``compare(..., label_mode="multi_label")``: remedies for multi-hot labels, side by side.

:mod:`.compare` (the entry) over :mod:`.data` and :mod:`.splits` (iterative stratification),
:mod:`.remedies` and :mod:`.training` (one loss each, one run), :mod:`.metrics` (per-label
thresholds chosen on validation), :mod:`.cv` (choose out of fold), :mod:`.bootstrap` and
:mod:`.verdict` (choose on validation, report on test), :mod:`.refit`, :mod:`.result` and
:mod:`.figures`.
"""
