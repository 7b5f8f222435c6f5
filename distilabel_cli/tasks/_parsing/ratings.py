"""Read UltraFeedback-style judge answers: n (rating, rationale) pairs, as JSON (whole, broken
or cut short) or in the classic `#### Output for Text i / Rating: / Rationale:` text format.

One value per expected item, None where that item could not be read, so one malformed item
never discards the others.
"""

from __future__ import annotations

import re
from typing import Any

from distilabel_cli.tasks._parsing.json_answer import load_json
from distilabel_cli.tasks._parsing.values import to_rating

_SECTION = re.compile(
    r"^[ \t]*(?:#+|\*\*)?[ \t]*Output[ \t]+for[ \t]+Text[ \t]+(\d+)"
    r"[ \t]*:?[ \t]*(?:\*\*)?[ \t]*:?[ \t]*$",
    re.I | re.M,
)
_RATING_LINE = re.compile(
    r"^[ \t]*\**[ \t]*Rating[ \t]*\**[ \t]*:[ \t]*\**[ \t]*([^\n]*)", re.I | re.M
)
_RATIONALE_LINE = re.compile(
    r"^[ \t]*\**[ \t]*Rationale[ \t]*\**[ \t]*:[ \t]*\**[ \t]*", re.I | re.M
)


def parse_ratings(
    text: str | None, n: int, low: float, high: float
) -> tuple[list[float | None], list[str | None]]:
    """Read n (rating, rationale) pairs from a judge's answer, JSON or classic text."""
    ratings: list[float | None] = [None] * n
    rationales: list[str | None] = [None] * n
    if not text:
        return ratings, rationales
    items = _json_items(text)
    if items is None:
        items = _text_items(text)
    for i, (rating, rationale) in enumerate(items[:n]):
        ratings[i] = to_rating(rating, low, high)
        rationales[i] = (
            rationale.strip() if isinstance(rationale, str) and rationale.strip() else None
        )
    return ratings, rationales


def _json_items(text: str) -> list[tuple[Any, Any]] | None:
    """(rating, rationale) of each entry of `{"ratings": [...]}` or of a bare list of entries."""
    data = load_json(text, accept=lambda v: bool(_entries(v)), arrays=True, keep_cut_number=True)
    if data is None:
        return None
    return [
        (e.get("rating"), e.get("rationale")) if isinstance(e, dict) else (None, None)
        for e in _entries(data)
    ]


def _entries(value: Any) -> list[Any]:
    """The rating entries of a JSON answer; empty when it holds none."""
    if isinstance(value, dict):
        value = value.get("ratings")
    if isinstance(value, list) and any(isinstance(e, dict) for e in value):
        return value
    return []


def _text_items(text: str) -> list[tuple[Any, Any]]:
    """Items of the classic `#### Output for Text i / Rating: / Rationale:` format."""
    headers = list(_SECTION.finditer(text))
    if not headers:
        return [_text_item(chunk) for chunk in _split_on_ratings(text)]
    by_index: dict[int, tuple[Any, Any]] = {}
    for k, header in enumerate(headers):
        end = headers[k + 1].start() if k + 1 < len(headers) else len(text)
        by_index.setdefault(int(header.group(1)), _text_item(text[header.end() : end]))
    count = max(by_index) if by_index else 0
    return [by_index.get(i, (None, None)) for i in range(1, count + 1)]


def _split_on_ratings(text: str) -> list[str]:
    starts = [m.start() for m in _RATING_LINE.finditer(text)]
    return [
        text[s : starts[k + 1] if k + 1 < len(starts) else len(text)] for k, s in enumerate(starts)
    ]


def _text_item(chunk: str) -> tuple[Any, Any]:
    rating = _RATING_LINE.search(chunk)
    rationale = _RATIONALE_LINE.search(chunk)
    text = None
    if rationale:
        end = len(chunk)
        if rating and rating.start() > rationale.start():  # "Rationale:" written first
            end = rating.start()
        text = chunk[rationale.end() : end].strip()
    return (rating.group(1).strip() if rating else None, text)
