"""The ``keras-imbalance`` command line: ``inspect``, ``weights`` and ``compare``."""

from keras_imbalance.cli.main import UserError, build_parser, main

__all__ = ["UserError", "build_parser", "main"]
