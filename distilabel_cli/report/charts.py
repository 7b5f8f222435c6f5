"""The report's charts: matplotlib figures rendered as inline SVG (no JavaScript, no pyplot).

Each chart's SVG is deterministic (no date, ids salted by the chart's name, so two charts in
one page never share an id) and keeps its text as text (small, selectable).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import numpy as np
from cycler import cycler
from matplotlib import rc_context
from matplotlib.figure import Figure

from distilabel_cli.report.quality import Lengths
from distilabel_cli.report.ratings import Distribution, WinRates

#: Groups (models) drawn in one chart; more are left out of it (the tables list them all).
MAX_GROUPS = 8
WIDTH = 7.5
STYLE = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(
        color=["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3"]
    ),
}
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)


def _svg(figure: Figure, name: str) -> str:
    """`figure` as an `<svg>` element (no XML prologue) to inline in HTML."""
    buffer = io.StringIO()
    with rc_context({**STYLE, "svg.hashsalt": f"distil-{name}"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = _PROLOGUE.sub("", buffer.getvalue(), count=1)
    return svg.replace("<svg ", f'<svg class="chart" data-chart="{name}" role="img" ', 1)


def _figure(height: float) -> Figure:
    with rc_context(STYLE):
        return Figure(figsize=(WIDTH, height), layout="constrained")


def ratings_chart(distribution: Distribution) -> str:
    """Grouped bars: answers per rating, one colour per model."""
    with rc_context(STYLE):
        figure = _figure(2.8)
        axes = figure.add_subplot()
        groups = _top_groups(distribution.counts.sum(axis=1))
        x = np.arange(len(distribution.labels))
        width = 0.8 / max(len(groups), 1)
        for k, g in enumerate(groups):
            offset = (k - (len(groups) - 1) / 2) * width
            axes.bar(x + offset, distribution.counts[g], width, label=distribution.groups[g])
        axes.set_xticks(x, distribution.labels)
        axes.set_xlabel("rating")
        axes.set_ylabel("answers")
        if len(groups) > 1:
            axes.legend(frameon=False, fontsize=8)
        return _svg(figure, "ratings")


def wins_chart(wins: WinRates) -> str:
    """Heat map: how often the row's model beat the column's model (ties apart)."""
    with rc_context(STYLE):
        n = len(wins.models)
        figure = _figure(max(2.2, 0.45 * n + 1.2))
        axes = figure.add_subplot()
        rates = np.array(
            [[np.nan if (r := wins.rate(i, j)) is None else r for j in range(n)] for i in range(n)]
        )
        axes.imshow(rates, cmap="RdYlGn", vmin=0, vmax=1)
        for i in range(n):
            for j in range(n):
                rate = rates[i, j]
                if not np.isnan(rate):
                    colour = "white" if abs(rate - 0.5) > 0.3 else "black"
                    axes.text(j, i, f"{rate:.0%}", ha="center", va="center", color=colour)
        labels = [_short(m) for m in wins.models]
        axes.set_xticks(range(n), labels, rotation=30, ha="right")
        axes.set_yticks(range(n), labels)
        axes.set_xlabel("against")
        axes.set_ylabel("model")
        axes.spines[:].set_visible(False)
        return _svg(figure, "wins")


def lengths_chart(lengths: Lengths) -> str:
    """Overlaid histograms of answer length in characters, one per group (up to the 99th
    percentile: a few very long answers do not squash the rest)."""
    with rc_context(STYLE):
        figure = _figure(2.8)
        axes = figure.add_subplot()
        groups = _top_groups(np.array([len(v) for v in lengths.values]))
        every = np.concatenate([lengths.values[g] for g in groups])
        top = max(float(np.percentile(every, 99)), 1.0)
        bins = np.linspace(0, top, 31)
        for g in groups:
            values = np.clip(lengths.values[g], 0, top)
            axes.hist(values, bins=bins, histtype="step", linewidth=1.6, label=lengths.groups[g])
        axes.set_xlabel(f"{lengths.what} length (characters; the longest 1% in the last bin)")
        axes.set_ylabel(f"{lengths.what}s")
        if len(groups) > 1:
            axes.legend(frameon=False, fontsize=8)
        return _svg(figure, "lengths")


def margin_chart(histogram: Sequence[tuple[str, int]]) -> str:
    """Bars: binarized pairs per rating margin (chosen minus rejected)."""
    with rc_context(STYLE):
        figure = _figure(2.6)
        axes = figure.add_subplot()
        labels = [label for label, _ in histogram]
        axes.bar(range(len(labels)), [count for _, count in histogram], 0.7, color="#4c72b0")
        axes.set_xticks(range(len(labels)), labels, rotation=30 if len(labels) > 6 else 0)
        axes.set_xlabel("rating margin (chosen − rejected)")
        axes.set_ylabel("pairs")
        return _svg(figure, "margins")


def _top_groups(sizes: np.ndarray) -> list[int]:
    """The largest `MAX_GROUPS` non-empty groups, in their original order."""
    largest = np.argsort(-sizes, kind="stable")[:MAX_GROUPS]
    return sorted(int(g) for g in largest if sizes[g] > 0)


def _short(name: str, limit: int = 28) -> str:
    return name if len(name) <= limit else f"…{name[-(limit - 1) :]}"
