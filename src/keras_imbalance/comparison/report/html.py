"""``report.html``: one self-contained page for a comparison: :func:`to_html`.

The page holds the verdict, the notes, the ranked table, the recipe to paste, the four figures
(PNG data URIs, so it opens offline and makes no network request) and the run's settings and
splits. It has no script and no external style sheet, font or image.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

from keras_imbalance.comparison.record import ComparisonRecord as Comparison
from keras_imbalance.comparison.report.figures import (
    FIGURES,
    _as_comparison,
    _pyplot,
    metric_name,
    save_figures,
)
from keras_imbalance.comparison.report.formatting import format_number as _fmt
from keras_imbalance.comparison.report.formatting import format_params, plural

_CAPTIONS = {
    "ranking.png": (
        "Ranking: the test score of each strategy with its 95% interval, in the order chosen "
        "on validation. Dashed line: plain cross-entropy (none). Grey points cannot be told "
        "apart from none."
    ),
    "per_class_recall.png": (
        "Test recall per class and strategy. Starred, boxed columns are the tail classes."
    ),
    "learning_curves.png": (
        "Validation score per epoch: mean over seeds, with the seeds' range as a band. A curve "
        "ends where its runs ended."
    ),
    "class_distribution.png": "Samples per class in the train, validation and test splits.",
}

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
       max-width: 1200px; padding: 0 1rem; color: #1f2328; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.25rem; margin-top: 2rem;
border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
.lead { color: #57606a; margin-top: 0; }
.verdict { border-left: 6px solid #1a7f37; background: #f0fff4; padding: .8rem 1rem;
           font-size: 1.05rem; }
.verdict.none { border-left-color: #8c8c8c; background: #f6f8fa; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .86rem; }
th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.scroll { overflow-x: auto; }
tr.best td { background: #e6ffec; font-weight: 600; }
tr.noise td.diff { color: #57606a; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: .8rem; overflow-x: auto;
      font-size: .85rem; }
figure { margin: 1.2rem 0; } figure img { max-width: 100%; height: auto;
border: 1px solid #eaeef2; } figcaption { color: #57606a; font-size: .9rem; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _png(figure: Any, dpi: int = 110) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _ranked_table(result: Comparison) -> list[str]:
    m = metric_name(result.metric)
    tail = ", ".join(str(result.class_names[c]) for c in result.tail_classes)
    lines = [
        '<div class="scroll"><table id="ranking">',
        "<thead><tr>"
        f'<th class="num">rank</th><th>strategy</th><th>chosen on {_e(result.chosen_on)}</th>'
        f'<th class="num">{_e(result.validation_name)} {_e(m)}</th>'
        f'<th class="num">test {_e(m)} [95%]</th>'
        '<th class="num">test Δ vs none [95%]</th>'
        f'<th class="num">test tail recall ({_e(tail)})</th></tr></thead>',
        "<tbody>",
    ]
    for row in sorted(result.rows, key=lambda r: r["rank"]):
        test = row["test"]
        interval = test.get("interval")
        test_cell = _fmt(test["mean"][result.metric])
        if interval is not None:
            test_cell += f" [{_fmt(interval['low'])}, {_fmt(interval['high'])}]"
        elif test.get("std") is not None:
            test_cell += f" ± {_fmt(test['std'][result.metric])}"
        diff = row["vs_none"]["test"]
        if diff is None:
            diff_cell = "—"
        else:
            diff_cell = (
                f"{_fmt(diff['mean'], sign=True)} [{_fmt(diff['low'], sign=True)}, "
                f"{_fmt(diff['high'], sign=True)}]"
            )
            if row.get("indistinguishable_from_none"):
                diff_cell += " ≈ none"
        classes = ["best"] if row["strategy"] == result.best else []
        if row.get("indistinguishable_from_none"):
            classes.append("noise")
        params = format_params(row["params"], empty="—")
        mark = " ✓" if row["strategy"] == result.best else ""
        recall = " / ".join(_fmt(r, 2) for r in row["tail_recall"])
        lines.append(
            f'<tr data-strategy="{_e(row["strategy"])}" class="{" ".join(classes)}">'
            f'<td class="num">{row["rank"]}</td><td>{_e(row["strategy"])}{mark}</td>'
            f"<td>{_e(params)}</td>"
            f'<td class="num">{_fmt(row["validation"]["mean"][result.metric])}</td>'
            f'<td class="num">{test_cell}</td><td class="num diff">{_e(diff_cell)}</td>'
            f'<td class="num">{_e(recall)}</td></tr>'
        )
    lines += ["</tbody></table></div>"]
    return lines


def _splits_table(result: Comparison) -> list[str]:
    splits = [s for s in ("train", "validation", "test") if s in result.splits]
    lines = [
        '<table id="splits"><thead><tr><th>class</th>'
        + "".join(f'<th class="num">{_e(s)}</th>' for s in splits)
        + "</tr></thead><tbody>"
    ]
    tail = set(result.tail_classes)
    for c, name in enumerate(result.class_names):
        star = " ★" if c in tail else ""
        lines.append(
            f"<tr><td>{_e(name)}{star}</td>"
            + "".join(f'<td class="num">{int(result.splits[s]["counts"][c])}</td>' for s in splits)
            + "</tr>"
        )
    lines.append(
        "<tr><td><b>total</b></td>"
        + "".join(f'<td class="num"><b>{sum(result.splits[s]["counts"])}</b></td>' for s in splits)
        + "</tr>"
    )
    lines.append(
        "<tr><td>source</td>"
        + "".join(f"<td>{_e(result.splits[s].get('source', ''))}</td>" for s in splits)
        + "</tr></tbody></table>"
    )
    return lines


def _settings_table(result: Comparison) -> list[str]:
    settings = dict(result.settings)
    settings.setdefault("seeds", result.seeds)
    settings["metric"] = result.metric
    lines = ['<table id="settings"><tbody>']
    for key, value in settings.items():
        if isinstance(value, dict):
            value = "; ".join(f"{k}: {v}" for k, v in value.items()) or "—"
        lines.append(f"<tr><th>{_e(key)}</th><td>{_e(value)}</td></tr>")
    lines.append("</tbody></table>")
    return lines


def to_html(
    comparison: Comparison | dict[str, Any],
    *,
    figures: bool = True,
    images: dict[str, bytes] | None = None,
) -> str:
    """The comparison as one self-contained HTML page (a string).

    Args:
        comparison: a :class:`Comparison` or its :meth:`~Comparison.to_dict` output.
        figures: embed the four figures (needs matplotlib); ``False`` leaves them out.
        images: ``{file name: PNG bytes}`` of figures already drawn (see
            :data:`~keras_imbalance.comparison.report.figures.FIGURE_FILES`), embedded instead of
            drawing them again.

    Returns:
        The page. It requests nothing from the network: the figures are PNG data URIs and the
        style is inline.

    Example:
        >>> from keras_imbalance.comparison.report.html import to_html  # doctest: +SKIP
        >>> Path("report.html").write_text(to_html(result))  # doctest: +SKIP
    """
    result = _as_comparison(comparison)
    m = metric_name(result.metric)
    epochs = result.epochs
    seeds = len(result.seeds)
    lead = (
        f"{len(result.strategies)} strategies \N{MULTIPLICATION SIGN} {plural(seeds, 'seed')}, "
        f"{plural(epochs, 'epoch')} each. {result.scheme_sentence()}"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>keras-imbalance compare report</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>keras-imbalance compare</h1>",
        f'<p class="lead">{_e(lead)}</p>',
        "<h2>Verdict</h2>",
        f'<p id="verdict" class="verdict{"" if result.best else " none"}">{_e(result.verdict)}</p>',
    ]
    if result.notes:
        parts.append('<ul id="notes">' + "".join(f"<li>{_e(n)}</li>" for n in result.notes))
        parts.append("</ul>")
    final = result.final_model_line()
    if final:
        parts.append(f'<p id="final-model"><strong>Final model.</strong> {_e(final)}</p>')
    parts.append(f"<h2>Strategies, ranked by {_e(result.validation_name)} {_e(m)}</h2>")
    parts += _ranked_table(result)
    parts.append(
        '<p class="lead">≈ none: the paired test difference from none holds 0, so the two '
        f"cannot be told apart. ✓: the best strategy, chosen on {_e(result.chosen_on)}, confirmed "
        "on test.</p>"
    )
    parts.append(f"<h2>Recipe ({_e(result.best or 'none')})</h2>")
    parts.append(
        "<p>Paste this to train your model with the chosen strategy and the values chosen on "
        "validation:</p>"
    )
    parts.append(f'<pre id="recipe"><code>{_e(result.recipe().rstrip())}</code></pre>')
    if figures:
        plt = _pyplot()
        parts.append("<h2>Figures</h2>")
        for name, draw in FIGURES.items():
            if images is not None and name in images:
                data = images[name]
            else:
                figure = draw(result)
                try:
                    data = _png(figure)
                finally:
                    plt.close(figure)
            uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
            caption = _CAPTIONS[name]
            parts.append(
                f'<figure id="{_e(Path(name).stem)}"><img src="{uri}" alt="{_e(caption)}">'
                f"<figcaption>{_e(caption)}</figcaption></figure>"
            )
    parts.append("<h2>Splits</h2>")
    parts += _splits_table(result)
    parts.append("<h2>Settings</h2>")
    parts += _settings_table(result)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(
    comparison: Comparison | dict[str, Any], directory: str | Path, *, plots: bool = True
) -> list[Path]:
    """Write ``report.html`` into ``directory`` and, with ``plots``, the four figures it shows
    (drawn once, saved as PNG files and embedded); return the paths, the page first.

    ``plots=False`` writes the page without figures (no matplotlib needed).

    Example:
        >>> from keras_imbalance.comparison.report.html import write_report  # doctest: +SKIP
        >>> write_report(result, "out")  # doctest: +SKIP
        [PosixPath('out/report.html'), PosixPath('out/ranking.png'), ...]
    """
    result = _as_comparison(comparison)
    folder = Path(directory)
    pictures = save_figures(result, folder) if plots else []
    images = {path.name: path.read_bytes() for path in pictures} if plots else None
    page = folder / "report.html"
    page.write_text(to_html(result, figures=plots, images=images), encoding="utf-8")
    return [page, *pictures]
