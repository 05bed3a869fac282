"""One training run of a comparison, the way long-tail papers train.

:mod:`.training` (compile, fit with the strategy's batches, keep the best validation epoch;
:mod:`.run_plan` what every run shares, :mod:`.epoch_score` what each epoch records),
:mod:`.models` (the default network), :mod:`.weight_decay`, :mod:`.heads` and
:mod:`.classifier_stage` (classifiers on the frozen features), :mod:`.logits` (predictions in
chunks), :mod:`.distribution` (device layouts) and :mod:`.random_state`.
"""
