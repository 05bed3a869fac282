"""The README is a front page that cannot rot: its quick start runs and prints what it shows.

The rest of the documentation lives in ``docs/`` (checked by ``tests/test_docs.py``); the README
keeps the two commands CI reads, the pitch, the quick start and links that must resolve.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import has_module
from tests.test_docs import code_blocks, pycon_blocks, run_page

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def readme() -> str:
    return README.read_text(encoding="utf-8")


def test_the_first_lines_name_the_main_job_and_the_test_command() -> None:
    lines = readme().splitlines()
    assert lines[0] == "# keras-imbalance"
    assert lines[2].startswith("- Main job: `make main`")
    # .ci/run extracts this command with sed and runs it: the format must not change.
    found = re.findall(r"^- Tests: `([^`]*)`", readme(), flags=re.MULTILINE)
    assert found == ["make test"]
    assert lines[3].startswith("- Tests: `make test`")


def test_the_quick_start_is_checked_python() -> None:
    languages = [language for language, _, _ in code_blocks(readme())]
    assert "python" not in languages, "write README examples as pycon blocks (output checked)"
    assert len(pycon_blocks(readme())) == 1


@pytest.mark.skipif(not has_module("sklearn"), reason="the quick start's report needs sklearn")
def test_the_quick_start_prints_what_it_shows() -> None:
    results = run_page(README)
    assert results.attempted >= 10


def test_every_relative_link_resolves() -> None:
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme())
    relative = [link for link in links if "://" not in link]
    assert len(relative) >= 10
    missing = [link for link in relative if not (ROOT / link).exists()]
    assert missing == []
