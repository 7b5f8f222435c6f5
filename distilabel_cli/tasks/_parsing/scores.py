"""Parsing helpers shared by the score judges (JudgeLM, UltraJudge, the Deita scorers).

Classic text answers are read line by line (JSON ones: `json_answer`). Nothing here raises
on a bad answer; one value per expected item, None where it could not be read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from distilabel_cli.tasks._parsing.values import to_rating

#: A number as judges write it; a minus glued to a digit before it is not a sign ("8-6").
NUMBER = re.compile(r"(?<!\d)-?\d+(?:\.\d+)?")
_DENOMINATOR = re.compile(r"\s*(?:/|\bout\s+of\b)\s*\d+(?:\.\d+)?", re.I)
_MARKDOWN = re.compile(r"[*_`#>]")
_SCORE_LABEL = re.compile(
    r"\b(?:final\s+|overall\s+)?(?:scores?|ratings?|grades?)\b\s*(?:[:=]|\bare\b|\bis\b)?", re.I
)
_ITEM_LABEL = re.compile(
    r"\b(?:assistant|response|answer|output|text|model|instruction)\s*#?\s*\d+\s*"
    r"(?:[:=)]|-(?!\d)|\bis\b|\bgets\b|\bscores\b)?",
    re.I,
)
_FILLER = re.compile(r"\b(?:and|respectively|for)\b", re.I)
_SEPARATORS_ONLY = re.compile(r"[\s,;:|\-–—().\[\]]*")
_ITEM_WORDS = "instruction|response|assistant|answer|query|question|text|output|item"
#: "[1] Score: 4", "1. 4", "Response 2 - Score: 5", "**[3]** 2": an item number, then its score.
_INDEXED = re.compile(
    r"^[ \t>*#•-]*(?P<open>\[)?[ \t]*"
    rf"(?P<label>(?:{_ITEM_WORDS})[ \t]*#?[ \t]*)?"
    r"(?P<index>\d+)[ \t]*(?P<close>\])?[ \t]*(?P<sep>[.):-])?[ \t*]*"
    r"(?P<word>(?:score|rating)[ \t]*\**[ \t]*[:=-]?)?[ \t*]*"
    r"(?P<score>-?\d+(?:\.\d+)?)",
    re.I | re.M,
)


def as_items(value: Any) -> list[Any]:
    """A row's `generations` as a list (a single string is one item; None is none)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def shown(items: Sequence[Any], placeholder: str) -> list[str]:
    """Items as shown to the judge: a missing one becomes `placeholder`, not a real answer."""
    return [placeholder if item is None else str(item) for item in items]


def mask_missing(values: list[Any], items: Sequence[Any]) -> list[Any]:
    """`values` with None wherever the item it belongs to is None."""
    return [None if item is None else value for value, item in zip(values, items, strict=True)]


def count_ratings(ratings: Sequence[Any] | None, items: Sequence[Any]) -> tuple[int, int]:
    """(ratings read, ratings that failed) over the items that exist."""
    ratings = list(ratings or [])
    expected = [i for i, item in enumerate(items) if item is not None]
    ok = sum(1 for i in expected if i < len(ratings) and ratings[i] is not None)
    return ok, len(expected) - ok


def ratings_from(values: Iterable[Any], n: int, low: float, high: float) -> list[float | None]:
    """n ratings from `values` (extra ones ignored, missing or out-of-range ones None)."""
    ratings: list[float | None] = [None] * n
    for i, value in enumerate(list(values)[:n]):
        if isinstance(value, Mapping):  # {"score": 8, ...} instead of a bare number
            value = first_value(value, ("score", "rating", "value"))
        ratings[i] = to_rating(value, low, high)
    return ratings


def first_value(data: Mapping[str, Any], keys: Sequence[str]) -> Any:
    """The value of the first of `keys` present in `data` (keys compared loosely)."""
    by_key = {norm_key(k): v for k, v in data.items() if isinstance(k, str)}
    for key in keys:
        if norm_key(key) in by_key:
            return by_key[norm_key(key)]
    return None


def norm_key(name: str) -> str:
    """A name compared loosely: case, `&`/`and`, spaces and punctuation do not matter."""
    return re.sub(r"[^a-z0-9]+", "", name.lower().replace("&", "and"))


def text_or_none(value: Any) -> str | None:
    """A non-blank string, stripped; anything else is None."""
    return value.strip() if isinstance(value, str) and value.strip() else None


# --------------------------------------------------------------------------- score lines


def scores_in_line(line: str) -> list[str] | None:
    """The numbers of a line made only of scores ("8 6", "Scores: 8/10, 6/10", "**8** **6**").

    None when the line holds anything else (prose, or no number at all).
    """
    text = _MARKDOWN.sub(" ", line)
    text = _DENOMINATOR.sub("", text)
    text = _ITEM_LABEL.sub(" ", text)
    text = _SCORE_LABEL.sub(" ", text)
    numbers = NUMBER.findall(text)
    rest = _FILLER.sub(" ", NUMBER.sub(" ", text))
    if not numbers or not _SEPARATORS_ONLY.fullmatch(rest):
        return None
    return numbers


def find_scores_lines(text: str, n: int) -> tuple[list[str], int, int] | None:
    """The first lines of `text` made only of scores: their numbers and line span [start, end).

    Scores written one per line ("Response 1: 8" then "Response 2: 6") are read on until
    `n` numbers are found or a line holds something else.
    """
    lines = text.splitlines()
    for start, line in enumerate(lines):
        if line.strip().startswith("```"):
            continue
        numbers = scores_in_line(line)
        if not numbers:
            continue
        end = start + 1
        while len(numbers) < n and end < len(lines):
            more = scores_in_line(lines[end])
            if not more:
                break
            numbers, end = numbers + more, end + 1
        return numbers, start, end
    return None


def indexed_scores(text: str) -> dict[int, str]:
    """Scores of lines that name their item: "[1] Score: 4", "2. 5", "Assistant 1: 8/10 - ..."

    By 1-based item number; the first line about an item wins.
    """
    by_index: dict[int, str] = {}
    for match in _INDEXED.finditer(text):
        marked = match["open"] and match["close"] or match["label"] or match["sep"]
        if marked or match["word"]:
            by_index.setdefault(int(match["index"]), match["score"])
    return by_index
