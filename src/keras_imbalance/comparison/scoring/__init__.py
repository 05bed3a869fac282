"""How good a run's predictions are, and how sure a comparison is.

:mod:`.scores` (metrics from confusion matrices), :mod:`.ranking` (average precision, ROC AUC),
:mod:`.operating_points` (thresholds chosen on validation), :mod:`.costs`
(misclassification costs), and the paired bootstrap: :mod:`.bootstrap`, :mod:`.statistics`,
:mod:`.score_bootstrap` and :mod:`.detector_bootstrap`. Pure NumPy: nothing here trains.
"""
