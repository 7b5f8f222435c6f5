"""Tolerant parsers for judge answers: JSON (whole or truncated) and the classic text format.

Every parser returns one value per expected item, None where that item could not be read,
so one malformed item never discards the others.
"""

from __future__ import annotations

import json
import re
from typing import Any

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
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_JSON_RATING = re.compile(r'"rating"\s*:\s*"?([-+]?\d+(?:\.\d+)?)')
_JSON_RATIONALE = re.compile(r'"rationale"\s*:\s*"((?:[^"\\]|\\.)*)("?)', re.S)


def to_rating(value: Any, low: float, high: float) -> float | None:
    """A rating as float if it is a number within [low, high], else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        match = _NUMBER.search(value)
        if not match:
            return None
        value = match.group()
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


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
        items = _truncated_json_items(text) or _text_items(text)
    for i, (rating, rationale) in enumerate(items[:n]):
        ratings[i] = to_rating(rating, low, high)
        rationales[i] = (
            rationale.strip() if isinstance(rationale, str) and rationale.strip() else None
        )
    return ratings, rationales


def _json_items(text: str) -> list[tuple[Any, Any]] | None:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        data = json.loads(text[start : end + 1])
    except json.JSONDecodeError:
        return None
    entries = data.get("ratings") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return None
    return [
        (e.get("rating"), e.get("rationale")) if isinstance(e, dict) else (None, None)
        for e in entries
    ]


def _truncated_json_items(text: str) -> list[tuple[Any, Any]]:
    """Items of a JSON answer cut short: each `"rating"` key starts an item."""
    starts = [m.start() for m in re.finditer(r'"rating"\s*:', text)]
    items = []
    for k, start in enumerate(starts):
        chunk = text[start : starts[k + 1] if k + 1 < len(starts) else len(text)]
        rating = _JSON_RATING.match(chunk)
        rationale = _JSON_RATIONALE.search(chunk)
        items.append(
            (
                rating.group(1) if rating else None,
                _unescape(rationale.group(1)) if rationale else None,
            )
        )
    return items


def _unescape(raw: str) -> str:
    try:
        return json.loads(f'"{raw}"')
    except json.JSONDecodeError:
        return raw.replace('\\"', '"').replace("\\n", "\n")


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
