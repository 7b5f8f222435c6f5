"""Example rows for the report: the best and worst rated, and rows that show a problem.

Only the few chosen rows are turned into Python values (`cells_of`), never the dataset.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from distilabel_cli.columns import GENERATION_MODEL, GENERATIONS, RAW_GENERATIONS, RAW_LABELLING

#: Longer texts are cut to this many characters (the report stays small).
MAX_TEXT = 2000
PROMPT_COLUMNS = ("input", "prompt", "instruction")
#: Row-level judge outputs shown under a row (text columns).
NOTE_COLUMNS = ("rationale", "critique", "reason", "feedback", "explanation")


@dataclass
class Answer:
    text: str
    model: str | None = None
    rating: float | None = None
    note: str | None = None
    label: str | None = None


@dataclass
class Example:
    """One row as the report shows it."""

    row: int
    prompt: str
    score: float | None = None
    answers: list[Answer] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)


def cells_of(table: pa.Table, rows: list[int]) -> list[dict[str, Any]]:
    """The cells of a few rows as Python values (zero-copy slices: no column is gathered)."""
    return [cells for row in rows for cells in table.slice(row, 1).to_pylist()]


def best_and_worst(scores: np.ndarray, count: int = 3) -> tuple[list[int], list[int]]:
    """Rows with the highest and the lowest score (NaN: left out), first rows on ties."""
    rows = np.flatnonzero(~np.isnan(scores))
    values = scores[rows]
    best = rows[np.lexsort((rows, -values))][:count].tolist()
    worst = [r for r in rows[np.lexsort((rows, values))].tolist() if r not in best][:count]
    return best, worst


def clip(value: Any, limit: int = MAX_TEXT) -> str:
    """Any cell as readable text, cut to `limit` characters."""
    text = as_text(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(m, dict) and "content" in m for m in value):
        return "\n\n".join(f"[{m.get('role', '?')}] {m.get('content') or ''}" for m in value)
    if isinstance(value, list) and all(isinstance(v, str) or v is None for v in value):
        return "\n".join(v or "" for v in value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _prompt_column(table: pa.Table) -> str | None:
    return next((c for c in PROMPT_COLUMNS if c in table.column_names), None)


def rated_examples(
    table: pa.Table,
    rows: list[int],
    scores: np.ndarray,
    answers_column: str | None,
    note_columns: tuple[str, ...] = NOTE_COLUMNS,
) -> list[Example]:
    """Rows with their prompt, each answer (model, rating, its rationale) and the judge's notes."""
    wanted = [
        c
        for c in (_prompt_column(table), answers_column, GENERATION_MODEL, "rating", "areas")
        if c is not None and c in table.column_names
    ]
    notes = [c for c in note_columns if c in table.column_names and c not in wanted]
    picked = cells_of(table.select([*dict.fromkeys([*wanted, *notes])]), rows)
    examples = []
    for row, cells in zip(rows, picked, strict=True):
        score = scores[row]
        example = Example(
            row, clip(cells.get(_prompt_column(table) or "")), None if np.isnan(score) else score
        )
        example.answers = _answers(cells, answers_column)
        example.notes = [(name, clip(cells[name])) for name in notes if _is_note(cells[name])]
        examples.append(example)
    return examples


def _is_note(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _answers(cells: dict[str, Any], column: str | None) -> list[Answer]:
    texts = cells.get(column) if column else None
    if texts is None:
        return []
    if not isinstance(texts, list):
        texts = [texts]
    models = _items(cells.get(GENERATION_MODEL), len(texts))
    ratings = _items(cells.get("rating"), len(texts))
    rationales = _items(cells.get("rationale"), len(texts))
    areas = _items(cells.get("areas"), len(texts))
    answers = []
    for k, text in enumerate(texts):
        note = rationales[k] if isinstance(rationales[k], str) else None
        if note is None and areas[k] is not None:
            note = _areas_text(areas[k])
        rating = ratings[k] if isinstance(ratings[k], int | float) else None
        answers.append(Answer(clip(text), models[k], rating, clip(note) if note else None))
    if "score" in cells and len(answers) == 1 and isinstance(cells["score"], int | float):
        answers[0].rating = cells["score"]
    return answers


def _areas_text(areas: Any) -> str:
    """UltraJudge's `{area: {"rating": r, "rationale": text}}` as one line per area."""
    if not isinstance(areas, dict):
        return as_text(areas)
    lines = []
    for area, verdict in areas.items():
        if isinstance(verdict, dict):
            rating = verdict.get("rating")
            lines.append(
                f"{area}: {'—' if rating is None else f'{rating:g}'}. "
                f"{verdict.get('rationale') or ''}".rstrip()
            )
        else:
            lines.append(f"{area}: {as_text(verdict)}")
    return "\n".join(lines)


def _items(value: Any, count: int) -> list[Any]:
    """A per-answer list of `count` items (a scalar is one value for a one-answer row)."""
    if isinstance(value, list):
        return [*value[:count], *[None] * (count - len(value))]
    return [value if count == 1 else None, *[None] * (count - 1)][:count]


def pair_examples(table: pa.Table, rows: list[int], margins: np.ndarray) -> list[Example]:
    """Binarized pairs: prompt, then the chosen and the rejected response."""
    columns = [c for c in table.column_names if c.startswith(("chosen", "rejected", "rating_"))]
    prompt = _prompt_column(table)
    picked = table.select([*([prompt] if prompt else []), *columns])
    examples = []
    for row, cells in zip(rows, cells_of(picked, rows), strict=True):
        example = Example(row, clip(cells.get(prompt or "")), float(margins[row]))
        for role in ("chosen", "rejected"):
            conversation = cells.get(role)
            text = conversation[-1].get("content") if conversation else None
            example.answers.append(
                Answer(
                    clip(text),
                    cells.get(f"{role}_model"),
                    cells.get(f"rating_{role}"),
                    clip(cells[f"{role}_rationale"]) if cells.get(f"{role}_rationale") else None,
                    role,
                )
            )
        examples.append(example)
    return examples


def problem_examples(table: pa.Table, rows: list[int], judge: bool) -> list[Example]:
    """Rows whose generator (`judge=False`) or judge answer could not be read: the raw text."""
    column = RAW_LABELLING if judge else RAW_GENERATIONS
    prompt = _prompt_column(table)
    picked = table.select([*([prompt] if prompt else []), column])
    picked = cells_of(picked, rows)
    examples = []
    for row, cells in zip(rows, picked, strict=True):
        raw = cells[column] if isinstance(cells[column], list) else [cells[column]]
        answers = [Answer(clip(text) if text is not None else "(failed)") for text in raw]
        examples.append(Example(row, clip(cells.get(prompt or ""), 500), answers=answers))
    return examples


def answers_column(table: pa.Table, *tasks: dict[str, Any]) -> str | None:
    """The column of the answers a judge rated: `generations`, or the column a task's
    `input_mapping` reads them from (`tasks`: the task sidecar, the spec's labeller task)."""
    mapped = [(task.get("input_mapping") or {}).get(GENERATIONS) for task in tasks]
    for name in (*mapped, GENERATIONS):
        if name and name in table.column_names:
            return name
    return None
