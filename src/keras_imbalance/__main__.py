"""``python -m keras_imbalance``: the command-line tool."""

from keras_imbalance.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
