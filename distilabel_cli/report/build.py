"""Assemble the report of one dataset and write it as one self-contained HTML file."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from distilabel_cli import __version__
from distilabel_cli.errors import DistilError
from distilabel_cli.report import charts
from distilabel_cli.report.examples import (
    NOTE_COLUMNS,
    Example,
    answers_column,
    best_and_worst,
    pair_examples,
    problem_examples,
    rated_examples,
)
from distilabel_cli.report.quality import (
    Lengths,
    ParseProblems,
    Reason,
    answer_lengths,
    failures_by_reason,
    pair_lengths,
    parse_problems,
)
from distilabel_cli.report.ratings import (
    Distribution,
    ModelColumn,
    RatedAnswers,
    WinRates,
    is_binarized,
    margins,
    pair_answers,
    rated_answers,
    rating_distribution,
    row_means,
    win_rates,
)
from distilabel_cli.report.source import ReportSource, default_target, load_source
from distilabel_cli.report.summary import Summary, run_summary

TEMPLATE = "report.html.jinja2"


@dataclass
class Report:
    """Everything the page shows; a section whose value is empty is left out."""

    title: str
    path: str
    summary: Summary
    failures: list[Reason] = field(default_factory=list)
    #: (group, rated answers, mean rating, answers without a rating) per model.
    ratings: list[tuple[str, int, float | None, int]] = field(default_factory=list)
    rating_column: str | None = None
    wins: WinRates | None = None
    lengths: list[tuple[str, int, float, float, float, int]] = field(default_factory=list)
    length_groups: str = "model"
    #: What the lengths measure: answer, instruction, response.
    length_of: str = "answer"
    problems: ParseProblems | None = None
    problem_examples: dict[str, list[Example]] = field(default_factory=dict)
    best: list[Example] = field(default_factory=list)
    worst: list[Example] = field(default_factory=list)
    binarized: dict[str, Any] | None = None
    #: Chart name -> inline SVG.
    charts: dict[str, str] = field(default_factory=dict)
    version: str = __version__


def build_report(source: ReportSource) -> Report:
    """Compute every section the data supports."""
    table = source.table
    report = Report(source.title, str(source.path), run_summary(source))
    report.failures = failures_by_reason(table)
    if is_binarized(table):
        _binarized_sections(report, source)
        return report
    models = ModelColumn.of(table)
    answers = rated_answers(table, models)
    if answers is not None and answers.rated.any():
        _rating_sections(report, answers, source.rating_scale)
        scores = row_means(answers)
        best, worst = best_and_worst(scores)
        labeller = (source.spec.get("labeller") or {}).get("task") or {}
        column = answers_column(table, source.task or {}, labeller)
        report.best = rated_examples(table, best, scores, column, _note_columns(source))
        report.worst = rated_examples(table, worst, scores, column, _note_columns(source))
    _length_section(report, answer_lengths(table, models), "model")
    problems = parse_problems(table, answers)
    if problems.any:
        report.problems = problems
        if problems.generation_rows:
            report.problem_examples["generation"] = problem_examples(
                table, problems.generation_rows, judge=False
            )
        for kind, rows in problems.judge_rows.items():
            report.problem_examples[kind] = problem_examples(table, rows, judge=True)
    return report


def _note_columns(source: ReportSource) -> tuple[str, ...]:
    """Row-level judge outputs to show: the usual names, plus a custom task's text outputs."""
    outputs = (source.task or {}).get("outputs")
    custom = tuple(outputs) if isinstance(outputs, dict) else ()
    return tuple(dict.fromkeys([*NOTE_COLUMNS, *custom]))


def _rating_sections(report: Report, answers: RatedAnswers, scale: tuple[int, int] | None) -> None:
    distribution = rating_distribution(answers, scale)
    report.rating_column = answers.column
    report.ratings = _rating_lines(answers, distribution)
    report.charts["ratings"] = charts.ratings_chart(distribution)
    report.wins = win_rates(answers)
    if report.wins is not None:
        report.charts["wins"] = charts.wins_chart(report.wins)


def _rating_lines(
    answers: RatedAnswers, distribution: Distribution
) -> list[tuple[str, int, float | None, int]]:
    rated = answers.rated
    lines = []
    for g, name in enumerate(distribution.groups):
        mine = rated & (answers.groups == g)
        mean = float(answers.ratings[mine].mean()) if mine.any() else None
        lines.append((name, int(mine.sum()), mean, int(distribution.missing[g])))
    return lines


def _length_section(report: Report, lengths: Lengths | None, groups: str) -> None:
    if lengths is None:
        return
    report.length_groups = groups
    report.length_of = lengths.what
    report.lengths = [
        (
            name,
            len(values),
            float(np.median(values)),
            float(np.percentile(values, 90)),
            float(values.max()),
            int((values == 0).sum()),
        )
        for name, values in zip(lengths.groups, lengths.values, strict=True)
    ]
    report.charts["lengths"] = charts.lengths_chart(lengths)


def _binarized_sections(report: Report, source: ReportSource) -> None:
    from distilabel_cli.dataset.binarize.core import margin_histogram

    table = source.table
    margin = margins(table)
    histogram = margin_histogram(margin)
    report.binarized = {
        "pairs": table.num_rows,
        "ties": int((margin == 0).sum()),
        "mean_margin": float(margin.mean()) if len(margin) else None,
        "histogram": histogram,
    }
    if histogram:
        report.charts["margins"] = charts.margin_chart(histogram)
    by_role = pair_answers(table, by_model=False)
    assert by_role is not None
    if by_role.rated.any():
        distribution = rating_distribution(by_role, source.rating_scale)
        report.rating_column = "rating_chosen / rating_rejected"
        report.ratings = _rating_lines(by_role, distribution)
        report.charts["ratings"] = charts.ratings_chart(distribution)
    by_model = pair_answers(table, by_model=True)
    report.wins = win_rates(by_model) if by_model is not None else None
    if report.wins is not None:
        report.charts["wins"] = charts.wins_chart(report.wins)
    _length_section(report, pair_lengths(table), "role")
    pair_margins = by_role.ratings[0::2] - by_role.ratings[1::2]
    widest, narrowest = best_and_worst(pair_margins)
    report.best = pair_examples(table, widest, pair_margins)
    report.worst = pair_examples(table, narrowest, pair_margins)


def render(report: Report) -> str:
    """The report as one HTML page (CSS and charts inline; text escaped by autoescape)."""
    import jinja2
    from markupsafe import Markup

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["num"] = _number
    environment.filters["pct"] = lambda v: "—" if v is None else f"{v:.0%}"
    charts_markup = {name: Markup(svg) for name, svg in report.charts.items()}
    return environment.get_template(TEMPLATE).render(report=report, charts=charts_markup)


def _number(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    return f"{float(value):,.{digits}f}".rstrip("0").rstrip(".")


def write_report(folder: Path, target: Path | None = None) -> Path:
    """Write the HTML report of a dataset (a saved folder, a checkpoint folder or a .jsonl /
    .parquet file) to `target` (default: `FOLDER/report.html`); returns the file written."""
    folder = Path(folder)
    source = load_source(folder)
    target = Path(target) if target is not None else default_target(folder)
    if target.is_dir():
        target = target / "report.html"
    html = render(build_report(source))
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.write_text(html, encoding="utf-8")
        staging.replace(target)  # a reader never sees half a report
    except OSError as exc:
        raise DistilError(f"cannot write the report to {target}: {exc.strerror or exc}") from None
    finally:
        staging.unlink(missing_ok=True)
    return target
