"""Library messages in command-line words: ``label_column=`` becomes ``--label-column``.

The library's errors name its Python keywords; the command line shows the flag that sets the same
value. :data:`FLAG_NAMES` maps the keywords, and a short table rewrites the advice that names
an argument no flag sets (``pass validation_data=``).
"""

from __future__ import annotations

import re

__all__ = ["FLAG_NAMES", "as_flags"]

# Python keywords in library messages, and the flags that set them on the command line.
FLAG_NAMES = {
    "label_column": "--label-column",
    "label_mode": "--label-mode",
    "column": "--column",
    "max_classes": "--max-classes",
    "image_size": "--image-size",
    "strategy": "--strategy",
    "normalize": "--normalize",
    "clip": "--clip",
    "mu": "--mu",
    "beta": "--beta",
    "source": "SOURCE",
    # compare's keywords, for the messages only the library can give (they depend on the data)
    "tail_classes": "--tail-classes",
    "positive": "--detector",
    "ratio": "--ratio",
    "validation_size": "--validation-size",
    "test_size": "--test-size",
    "seeds": "--seeds",
    "output": "--output",
    "model": "--model",
    "tensorboard_dir": "--tensorboard",
    "refit": "--refit",
    "cache_dir": "--cache-dir",
    "halving": "--halving",
    "costs": "--costs",
    "min_precision": "--min-precision",
}

# Library advice that names an argument with no flag, and what to say on the command line.
_NO_FLAG = [
    (
        re.compile(r"For labels like -1/1 pass classes=\[-1, 1\]"),
        "Save labels like -1/1 as text (np.asarray(y, dtype=str)) or as 0..C-1",
    ),
    (re.compile(r"raise classes or fix the labels"), "fix the labels"),
    (re.compile(r"pass a larger max_classes"), "pass a larger --max-classes"),
    (re.compile(r"pass skip_corrupt=True \(--skip-corrupt\)"), "pass --skip-corrupt"),
    (
        re.compile(r"pass validation_data= and a separate test set"),
        "give a .npz with its own test split (x_train, y_train, x_test, y_test)",
    ),
    (re.compile(r" or pass class_names="), ""),
    (re.compile(r"grids\['(\w+)'\]\['(\w+)'\]="), r"--grid \1.\2="),
    (re.compile(r"grids\['(\w+)'\]\['(\w+)'\]"), r"--grid \1.\2"),
    (re.compile(r"or path=None to download them"), "or drop --data-path to download them"),
    (
        re.compile(r"grids\['(\w+)'\] has knob '(\w+)', which \w+ does not take"),
        r"--grid \1.\2 names a knob that \1 does not take",
    ),
    (re.compile(r"drop it from grids"), "drop that --grid"),
    (re.compile(r"compare it too or"), "add it to --strategies or"),
    (re.compile(r"^grids names"), "--grid names"),
]


def as_flags(message: str) -> str:
    """A library message in command-line terms: ``label_column=`` becomes ``--label-column``.

    Example:
        >>> as_flags("tail_classes=20 is out of range")
        '--tail-classes 20 is out of range'
        >>> as_flags("grids['focal']['gamma']=-1.0 is out of range")
        '--grid focal.gamma=-1.0 is out of range'
    """
    for pattern, replacement in _NO_FLAG:
        message = pattern.sub(replacement, message)
    for keyword, flag in FLAG_NAMES.items():
        message = re.sub(rf"(?<![\w.-]){keyword}=(?=[^\s,;)])", f"{flag} ", message)
        message = re.sub(rf"(?<![\w.-]){keyword}=", flag, message)
    return message
