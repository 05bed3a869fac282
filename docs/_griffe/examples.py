"""A griffe extension for the API reference: the docstrings read as Markdown.

- The package's docstrings head their doctests ``Example:``. Google style reads only
  ``Examples:`` as the examples section, and ``Example:`` as an admonition of plain text, where
  Markdown would read ``[0.75, 0.25]`` as a link. The header is renamed on load, so every
  doctest renders as a code block.
- Sphinx roles (``:func:`~keras_imbalance.bias.initial_bias```) become code spans with the
  name as Sphinx shows it (``initial_bias``), instead of the raw role text.

The sources are not touched.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^(\s*)Example:[ \t]*$", flags=re.MULTILINE)
_ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|exc|obj|const):`(~?)([^`]+)`")


def _role_to_code(match: re.Match[str]) -> str:
    target = match.group(2).lstrip(".")
    return f"``{target.rsplit('.', 1)[-1] if match.group(1) else target}``"


def to_markdown(text: str) -> str:
    """The docstring ``text`` with ``Example:`` renamed and the Sphinx roles as code spans."""
    return _ROLE.sub(_role_to_code, _EXAMPLE.sub(r"\1Examples:", text))


class MarkdownDocstrings(griffe.Extension):
    """Rewrite each docstring with :func:`to_markdown` when griffe loads it."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
