"""report.html: self-contained, holds the verdict, table, recipe, figures and settings; renders in
headless Chromium."""

from __future__ import annotations

import base64
import html
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from keras_imbalance.comparison import Comparison
from keras_imbalance.comparison.report.figures import FIGURE_FILES
from keras_imbalance.comparison.report.html import to_html
from tests.comparison.report.test_figures import small_comparison, synthetic

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class _Collect(HTMLParser):
    """Every tag with its attributes, and the text of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> _Collect:
    parser = _Collect()
    parser.feed(page)
    return parser


@pytest.fixture(scope="module")
def page() -> str:
    return to_html(small_comparison())


def test_page_makes_no_network_request(page: str) -> None:
    assert "http://" not in page and "https://" not in page
    assert "url(" not in page and "@import" not in page  # no fetch from the style either
    for tag, attrs in parse(page).tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith("data:image/png;base64,"), (tag, name, value[:40])
        assert tag not in ("script", "link", "iframe", "object", "embed")


def test_page_holds_verdict_notes_table_recipe_settings(page: str) -> None:
    result = Comparison.from_dict(small_comparison())
    text = html.unescape("".join(parse(page).text))
    assert result.verdict in text
    for note in result.notes:
        assert note in text
    assert result.recipe().rstrip() in text  # the recipe, unchanged, to paste
    recipe = re.search(r'<pre id="recipe"><code>(.*?)</code></pre>', page, re.S)
    assert recipe is not None and html.unescape(recipe.group(1)) == result.recipe().rstrip()
    rows = re.findall(r'<tr data-strategy="([^"]+)"', page)
    assert rows == [r["strategy"] for r in sorted(result.rows, key=lambda r: r["rank"])]
    for row in result.rows:
        mean = row["test"]["mean"][result.metric]
        assert f"{round(mean, 3) + 0.0:.3f}" in text
    for key in ("epochs", "batch_size", "learning_rate", "schedule"):
        assert f"<th>{key}</th><td>{html.escape(str(result.settings[key]))}</td>" in page
    for split in ("train", "validation", "test"):
        assert str(sum(result.splits[split]["counts"])) in text


def test_page_embeds_the_four_figures_as_png(page: str) -> None:
    images = [attrs["src"] for tag, attrs in parse(page).tags if tag == "img"]
    assert len(images) == len(FIGURE_FILES)
    for uri in images:
        assert uri is not None
        data = base64.b64decode(uri.split(",", 1)[1])
        assert data[:8] == b"\x89PNG\r\n\x1a\n"


def test_page_escapes_what_it_quotes() -> None:
    results = synthetic()
    results["verdict"] = "<script>alert(1)</script> & more"
    page = to_html(results, figures=False)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page


def test_page_reads_right_with_one_epoch_and_one_seed() -> None:
    results = synthetic(epochs=1)
    results["seeds"] = [0]
    page = to_html(results, figures=False)
    assert "1 seed, 1 epoch each" in page


def test_page_embeds_given_images_without_drawing() -> None:
    images = {name: b"\x89PNG-" + name.encode() for name in FIGURE_FILES}
    page = to_html(synthetic(), images=images)
    for data in images.values():
        assert base64.b64encode(data).decode("ascii") in page


def test_save_embeds_the_pngs_it_writes(tmp_path: Path) -> None:
    Comparison.from_dict(synthetic(n_classes=4)).save(tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    for name in FIGURE_FILES:
        assert base64.b64encode((tmp_path / name).read_bytes()).decode("ascii") in page


def test_save_writes_the_page(tmp_path: Path) -> None:
    written = Comparison.from_dict(synthetic()).save(tmp_path, plots=False)
    assert tmp_path / "report.html" in written
    assert "synthetic verdict" in (tmp_path / "report.html").read_text(encoding="utf-8")


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install chromium; make install tries it)",
)
def test_page_renders_in_headless_chromium(page: str, tmp_path: Path) -> None:
    from PIL import Image

    file = tmp_path / "report.html"
    file.write_text(page, encoding="utf-8")
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run(
        [*flags, "--dump-dom", file.as_uri()], capture_output=True, text=True, timeout=120
    ).stdout
    result = Comparison.from_dict(small_comparison())
    assert "<table" in dom  # the browser built the page, not just echoed a file
    for row in result.rows:
        assert f'data-strategy="{row["strategy"]}"' in dom
    verdict = re.search(r'<p id="verdict"[^>]*>(.*?)</p>', dom, re.S)
    assert verdict is not None and html.unescape(verdict.group(1)) == result.verdict
    assert dom.count("<img") == len(FIGURE_FILES)

    shot = tmp_path / "shot.png"
    subprocess.run(
        [*flags, f"--screenshot={shot}", "--window-size=1200,2000", file.as_uri()],
        capture_output=True,
        timeout=120,
    )
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (2000, 1200)
    assert pixels.std() > 10  # not blank: text, table lines, the verdict box
    assert (pixels < 100).mean() > 0.005  # some dark ink (text) on the page
