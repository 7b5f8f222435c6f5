"""What went wrong and how long answers are, column-wise: failed requests by reason, answers
that could not be parsed, judge answers cut short, and answer lengths per model."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distilabel_cli.columns import (
    GENERATION_ERRORS,
    GENERATIONS,
    LABELLING_ERROR,
    METADATA,
    RAW_GENERATIONS,
    RAW_LABELLING,
)
from distilabel_cli.report.flat import FlatList, is_list, is_text, numbers
from distilabel_cli.report.ratings import ModelColumn, RatedAnswers, answer_models

#: Reasons listed per stage; the rest are summed up as one line.
TOP_REASONS = 10
#: Generator output columns whose items are parsed from the raw answers.
PARSED_GENERATION_COLUMNS = (GENERATIONS, "instructions")


@dataclass
class Reason:
    """Failed items of one stage that share an error message."""

    stage: str
    reason: str
    count: int


def failures_by_reason(table: pa.Table) -> list[Reason]:
    """Items each stage failed (`distil_metadata` errors), counted by message, most first."""
    if METADATA not in table.column_names:
        return []
    metadata = table.column(METADATA)
    if not pa.types.is_struct(metadata.type):
        return []
    names = {metadata.type.field(i).name for i in range(metadata.type.num_fields)}
    reasons: list[Reason] = []
    if GENERATION_ERRORS in names:
        errors = pc.struct_field(metadata, GENERATION_ERRORS)
        if is_list(errors.type):
            reasons += _counted("generation", pc.list_flatten(errors))
    if LABELLING_ERROR in names:
        reasons += _counted("labelling", pc.struct_field(metadata, LABELLING_ERROR))
    return reasons


def _counted(stage: str, errors: pa.ChunkedArray) -> list[Reason]:
    errors = errors.drop_null()
    if not len(errors):
        return []
    counts = pc.value_counts(errors)
    if isinstance(counts, pa.ChunkedArray):
        counts = counts.combine_chunks()
    pairs = sorted(
        zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True),
        key=lambda pair: (-pair[1], str(pair[0])),
    )
    reasons = [Reason(stage, str(text), int(n)) for text, n in pairs[:TOP_REASONS]]
    rest = sum(n for _, n in pairs[TOP_REASONS:])
    if rest:
        reasons.append(Reason(stage, f"{len(pairs) - TOP_REASONS} other reasons", rest))
    return reasons


@dataclass
class ParseProblems:
    """Answers the LLM gave that distil could not (fully) read, with example rows."""

    #: Generator answers whose parsed item is None (e.g. no instruction found).
    generations_unparsed: int = 0
    generation_rows: list[int] = field(default_factory=list)
    #: Judge answers of which nothing could be read.
    judge_unparsed: int = 0
    #: Judge answers cut short: unterminated JSON, or only the first responses rated.
    judge_truncated: int = 0
    #: Judge answers that rated some responses but not others (not at the end).
    judge_partial: int = 0
    judge_rows: dict[str, list[int]] = field(default_factory=dict)

    @property
    def any(self) -> bool:
        return bool(
            self.generations_unparsed
            or self.judge_unparsed
            or self.judge_truncated
            or self.judge_partial
        )


def parse_problems(
    table: pa.Table, answers: RatedAnswers | None, examples: int = 3
) -> ParseProblems:
    """Count unreadable generator and judge answers and pick a few rows of each kind."""
    problems = ParseProblems()
    parsed = next((c for c in PARSED_GENERATION_COLUMNS if _aligned_list(table, c)), None)
    if parsed is not None and _aligned_list(table, RAW_GENERATIONS):
        raw = FlatList.of(table.column(RAW_GENERATIONS))
        items = FlatList.of(table.column(parsed))
        if np.array_equal(raw.lengths, items.lengths):
            failed = pc.is_valid(raw.values).to_numpy(zero_copy_only=False) & pc.is_null(
                items.values
            ).to_numpy(zero_copy_only=False)
            problems.generations_unparsed = int(failed.sum())
            problems.generation_rows = _first_rows(raw.rows[failed], examples)
    if answers is not None and RAW_LABELLING in table.column_names:
        _judge_problems(table, answers, problems, examples)
    return problems


def _aligned_list(table: pa.Table, name: str) -> bool:
    return name in table.column_names and is_list(table.schema.field(name).type)


def _judge_problems(
    table: pa.Table, answers: RatedAnswers, problems: ParseProblems, examples: int
) -> None:
    raw = table.column(RAW_LABELLING)
    if not is_text(raw.type):
        return
    answered = pc.is_valid(raw).to_numpy(zero_copy_only=False)
    expected = _expected(table, answers)
    first, lengths = answers.row_bounds()
    rated = answers.rated & expected
    read = np.bincount(answers.rows[rated], minlength=answers.num_rows)
    wanted = np.bincount(answers.rows[expected], minlength=answers.num_rows)
    # rank of each expected slot in its row; when the rated ones are the first `read` of
    # them, the judge rated the first responses and stopped early
    before = np.cumsum(expected) - expected
    rank = before - np.repeat(before[np.minimum(first, max(len(before) - 1, 0))], lengths)
    last_read = np.full(answers.num_rows, -1)
    np.maximum.at(last_read, answers.rows[rated], rank[rated])
    leading = last_read + 1 == read
    # matched in place: trimming first copied every judge answer (1M rows: hundreds of MB)
    opened = pc.match_substring_regex(raw, r"^\s*[\[{]")
    closed = pc.match_substring_regex(raw, r"[\]}]\s*$")
    unterminated = pc.fill_null(pc.and_(opened, pc.invert(closed)), False)
    unterminated = unterminated.to_numpy(zero_copy_only=False)
    short = answered & (wanted > 0) & (read < wanted)
    truncated = short & (unterminated | ((read > 0) & leading))
    unparsed = short & ~truncated & (read == 0)
    partial = short & ~truncated & (read > 0)
    problems.judge_truncated = int(truncated.sum())
    problems.judge_unparsed = int(unparsed.sum())
    problems.judge_partial = int(partial.sum())
    problems.judge_rows = {
        kind: _first_rows(np.flatnonzero(mask), examples)
        for kind, mask in (("unparsed", unparsed), ("truncated", truncated), ("partial", partial))
        if mask.any()
    }


def _expected(table: pa.Table, answers: RatedAnswers) -> np.ndarray:
    """Which rating slots the judge should fill: those whose answer is not None."""
    if answers.column != "rating" or not _aligned_list(table, GENERATIONS):
        return np.ones(len(answers.rows), dtype=bool)
    generations = FlatList.of(table.column(GENERATIONS))
    first, lengths = answers.row_bounds()
    slots = np.arange(len(answers.rows)) - np.repeat(first, lengths)
    index, present = generations.aligned(answers.rows, slots)
    valid = pc.is_valid(generations.values).to_numpy(zero_copy_only=False)
    return present & (valid[index] if len(valid) else present)


def _first_rows(rows: np.ndarray, count: int) -> list[int]:
    return [int(r) for r in np.unique(rows)[:count]]


@dataclass
class Lengths:
    """Characters per answer, for each group (model, or chosen/rejected)."""

    groups: list[str]
    values: list[np.ndarray]
    #: What was measured: answer, instruction, response.
    what: str = "answer"


def answer_lengths(table: pa.Table, models: ModelColumn | None = None) -> Lengths | None:
    """Length of every generated answer (or instruction), grouped by its model (None answers
    left out); a generation that holds several instructions counts each."""
    column = next((c for c in PARSED_GENERATION_COLUMNS if _aligned_list(table, c)), None)
    if column is None:
        return None
    flat = FlatList.of(table.column(column))
    rows, positions = flat.rows, flat.positions
    values = flat.values
    if is_list(values.type):  # several instructions per generation
        inner = FlatList.of(values)
        rows, positions, values = rows[inner.rows], positions[inner.rows], inner.values
    if not is_text(values.type) or not len(values):
        return None
    chars = numbers(pc.utf8_length(values))
    groups, names = answer_models(table, rows, positions, models)
    return _grouped(chars, groups, names, "answer" if column == GENERATIONS else "instruction")


def pair_lengths(table: pa.Table) -> Lengths | None:
    """Length of the chosen and of the rejected response of each binarized pair."""
    values = [_last_message(table, name) for name in ("chosen", "rejected")]
    if any(v is None for v in values):
        return None
    kept = [v[~np.isnan(v)] for v in values]  # type: ignore[index]
    return Lengths(["chosen", "rejected"], kept, "response")


def _last_message(table: pa.Table, name: str) -> np.ndarray | None:
    """Characters of the last message's content in each row's conversation."""
    if not _aligned_list(table, name):
        return None
    flat = FlatList.of(table.column(name))
    if not pa.types.is_struct(flat.values.type) or flat.values.type.get_field_index("content") < 0:
        return None
    content = pc.struct_field(flat.values, "content")
    chars = numbers(pc.utf8_length(content))
    last = flat.first + flat.lengths - 1
    return np.where(flat.lengths > 0, chars[np.maximum(last, 0)] if len(chars) else np.nan, np.nan)


def _grouped(values: np.ndarray, groups: np.ndarray, names: list[str], what: str) -> Lengths | None:
    keep = ~np.isnan(values)
    values, groups = values[keep], groups[keep]
    order = np.argsort(groups, kind="stable")
    split = np.split(values[order], np.cumsum(np.bincount(groups, minlength=len(names)))[:-1])
    kept = [(name, part) for name, part in zip(names, split, strict=True) if len(part)]
    if not kept:
        return None
    return Lengths([name for name, _ in kept], [part for _, part in kept], what)
