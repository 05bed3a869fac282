"""The documentation runs: every page's ``pycon`` examples, in order, with their printed output.

Each page of ``docs/`` is one doctest: its ``pycon`` blocks run in order in one namespace, and
what each example prints must match the output the page shows (``NORMALIZE_WHITESPACE`` and
``ELLIPSIS``). A page that needs an optional package says so in an HTML comment,
``<!-- doctest: requires tensorflow sklearn -->``, and is skipped, with the reason, without it.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
from pathlib import Path

import pytest

from tests.conftest import has_module

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
_BLOCK = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```[ \t]*$", flags=re.DOTALL | re.MULTILINE)
_REQUIRES = re.compile(r"<!--\s*doctest:\s*requires\s+([\w\s]+?)\s*-->")
_CHECKED_BY = re.compile(r"<!--\s*checked-by:\s*(\S+)\s*-->")


def code_blocks(text: str) -> list[tuple[str, str, int]]:
    """The fenced blocks of a Markdown ``text``: ``(language, code, line)`` in page order.

    ``line`` is the 0-based line of the block's first code line, for doctest's reports.
    """
    return [
        (match.group(1), match.group(2), text.count("\n", 0, match.start(2)))
        for match in _BLOCK.finditer(text)
    ]


def pycon_blocks(text: str) -> list[tuple[str, int]]:
    """The page's ``pycon`` blocks, ``(code, line)``, in page order."""
    return [(code, line) for language, code, line in code_blocks(text) if language == "pycon"]


def required_modules(text: str) -> list[str]:
    """The optional packages a page names in ``<!-- doctest: requires ... -->``."""
    return [name for match in _REQUIRES.finditer(text) for name in match.group(1).split()]


def run_page(path: Path, text: str | None = None) -> doctest.TestResults:
    """Run the ``pycon`` examples of ``path`` in one namespace; fail on the first mismatch."""
    text = path.read_text(encoding="utf-8") if text is None else text
    missing = [name for name in required_modules(text) if not has_module(name)]
    if missing:
        pytest.skip(f"{path.name} needs {', '.join(missing)} installed")
    name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=FLAGS | doctest.REPORT_ONLY_FIRST_FAILURE)
    namespace: dict[str, object] = {"__name__": "docs"}
    report: list[str] = []
    for code, line in pycon_blocks(text):
        test = parser.get_doctest(code, namespace, name, str(path), line)
        test.globs = namespace  # get_doctest copies the globals; one namespace per page
        runner.run(test, out=report.append, clear_globs=False)
        if runner.failures:  # later blocks build on this one: stop at the first failure
            break
    results = doctest.TestResults(runner.failures, runner.tries)
    if results.failed:
        raise AssertionError(f"{name}: {results.failed} example(s) failed\n{''.join(report)}")
    return results


PAGES = sorted(DOCS.rglob("*.md"))


def test_pages_are_found_and_the_guide_has_examples() -> None:
    names = {str(page.relative_to(DOCS)) for page in PAGES}
    assert {"index.md", "guide/recipes.md", "guide/compare.md", "guide/cli.md"} <= names
    parser = doctest.DocTestParser()
    examples = sum(
        len(parser.get_examples(code))
        for page in PAGES
        for code, _ in pycon_blocks(page.read_text(encoding="utf-8"))
    )
    assert examples >= 40


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(DOCS)))
def test_no_unchecked_python_block(page: Path) -> None:
    # Python examples are pycon (run, output checked); a plain ``python`` block would go
    # unchecked, unless it stands word for word in the test file the page names in
    # ``<!-- checked-by: tests/... -->`` (a class definition reads better than a pycon session).
    text = page.read_text(encoding="utf-8")
    tests = [(ROOT / path).read_text(encoding="utf-8") for path in _CHECKED_BY.findall(text)]
    unchecked = [
        code
        for language, code, _ in code_blocks(text)
        if language == "python" and not any(stands_in(code, source) for source in tests)
    ]
    assert not unchecked, f"{page.name}: write Python examples as pycon blocks"


def stands_in(code: str, source: str) -> bool:
    """Whether a page's ``code`` stands in a test's ``source``: its opening imports as lines of
    the test, the rest word for word."""
    lines = code.strip().splitlines()
    opening = 0
    while opening < len(lines) and (not lines[opening] or lines[opening].startswith(_IMPORTS)):
        opening += 1
    test_lines = set(source.splitlines())
    body = "\n".join(lines[opening:]).strip()
    return all(line in test_lines for line in lines[:opening] if line) and body in source


_IMPORTS = ("import ", "from ")


def test_a_python_block_stands_in_its_test_only_word_for_word() -> None:
    source = "import numpy as np\n\nx = 1\ny = 2\n"
    assert stands_in("import numpy as np\n\nx = 1\ny = 2\n", source)
    assert not stands_in("import numpy as np\n\nx = 1\ny = 3\n", source)
    assert not stands_in("import pandas\n\nx = 1\n", source)


@pytest.mark.parametrize(
    "page",
    [page for page in PAGES if "```pycon" in page.read_text(encoding="utf-8")],
    ids=lambda page: str(page.relative_to(DOCS)),
)
def test_page_examples_print_what_the_page_shows(page: Path) -> None:
    results = run_page(page)
    assert results.attempted > 0


def test_a_wrong_output_fails(tmp_path: Path) -> None:
    page = tmp_path / "wrong.md"
    page.write_text("```pycon\n>>> 1 + 1\n3\n\n```\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="1 example"):
        run_page(page)


def test_a_page_that_needs_a_missing_package_is_skipped() -> None:
    text = "<!-- doctest: requires no_such_package_xyz -->\n```pycon\n>>> 1\n2\n```\n"
    with pytest.raises(pytest.skip.Exception, match="no_such_package_xyz"):
        run_page(DOCS / "index.md", text)


def test_the_api_reference_reads_example_headers_and_sphinx_roles() -> None:
    pytest.importorskip("griffe", reason="the API reference needs the docs extra")
    spec = importlib.util.spec_from_file_location("griffe_examples", DOCS / "_griffe/examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = "See :func:`~keras_imbalance.bias.initial_bias` and :class:`.Comparison`.\n\n"
    text += "    Example:\n        >>> [0.75, 0.25]\n        [0.75, 0.25]\n"
    assert module.to_markdown(text) == (
        "See ``initial_bias`` and ``Comparison``.\n\n"
        "    Examples:\n        >>> [0.75, 0.25]\n        [0.75, 0.25]\n"
    )
    assert module.to_markdown("Example: inline, not a header") == "Example: inline, not a header"
