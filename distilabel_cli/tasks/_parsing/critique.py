"""Shared by the critique judges (UltraCM, Prometheus): which responses a row holds, and
tolerant readers for "critique text, then a score (or a winner)" answers, JSON or classic text.

Readers return None for what could not be read and never raise.
"""

from __future__ import annotations

import re
from typing import Any

from distilabel_cli.tasks._parsing.json_answer import load_json
from distilabel_cli.tasks._parsing.values import to_rating

CRITIQUE_KEYS = ("critique", "feedback", "rationale", "explanation", "reasoning")
SCORE_KEYS = ("score", "rating", "overall_score", "result", "grade")
WINNER_KEYS = ("winner", "result", "better", "preferred", "choice", "verdict")

#: What may sit between a label and its value: spaces, markdown, quotes, ":", "=", " - ".
GAP = r"(?:[\s*_:=#>\"]|[-–—](?=\s))*"
#: A parenthesis after a label, e.g. "Score (1-10):", skipped so "1" is not read as the score.
_PAREN = r"(?:\([^)\n]{0,30}\))?"
_NUMBER = r"\(?\s*([-+]?\d+(?:\.\d+)?)\s*\)?"
_LEADING_LABEL = re.compile(
    r"\A[\s*#_]*(?:critique|feedback|review|evaluation)[\s*_]*:[\s*_]*", re.I
)
#: What is left of a line when only decoration surrounds a score (end-of-text tokens too).
_MARKUP_ONLY = re.compile(r"(?:[\s*#_>:.\-–—|()\[\]\"']|</?s>|<\|[^|\n]{1,30}\|>)*")


def labelled_number(label: str, top: int) -> re.Pattern[str]:
    """`label` (case-insensitive) then a number, optionally followed by "/top" or "out of top"."""
    return re.compile(
        rf"(?i:{label}){GAP}{_PAREN}{GAP}(?:(?i:is|of)\s+)?{_NUMBER}"
        rf"(?:[\s*_]*(?:/|(?i:out\s+of))\s*{top}\b)?"
    )


def score_patterns(top: int, *labels: str) -> tuple[re.Pattern[str], ...]:
    """Patterns for a score out of `top`, most specific first: each label, then "N/top"."""
    return (
        *(labelled_number(label, top) for label in labels),
        re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:/|(?i:out\s+of))\s*{top}\b"),
    )


# ------------------------------------------------------------------ rows


def present_responses(row: dict[str, Any]) -> list[tuple[int, str]]:
    """(position, text) of each response in `row["generations"]` (a string: one response)."""
    generations = row.get("generations")
    if isinstance(generations, str):
        return [(0, generations)]
    return [(i, g) for i, g in enumerate(generations or []) if g is not None]


def count_problem(row: dict[str, Any], task: str, expected: int, remedy: str) -> str | None:
    """Why a row does not hold exactly `expected` responses for `task`, or None."""
    n = len(present_responses(row))
    if n == 0:
        return "no generations to label"
    if n != expected:
        what = "one response" if expected == 1 else f"{expected} responses"
        return f"{task} judges {what} per row; this row has {n} ({remedy})"
    return None


def single_count(score: Any, row: dict[str, Any]) -> tuple[int, int]:
    """(read, failed) for a judge of one response: nothing is expected of a row without one."""
    ok = int(score is not None)
    return ok, min(len(present_responses(row)), 1) - ok


# ------------------------------------------------------------------ answers


def json_answer(text: str, verdict_keys: tuple[str, ...]) -> dict[str, Any] | None:
    """The answer's JSON object, keys lowercased: whole, in a code fence, repaired or cut short
    (a number at the cut kept). Wrapped in prose, it needs a critique and a verdict key, so that
    a critique quoting JSON is not taken for a JSON answer; leading the answer, one of them,
    looked for in nested objects too."""
    leading = re.match(r"\s*(?:```\w*\s*)?\{", text) is not None

    def fits(data: dict[str, Any]) -> bool:
        critique = any(k in data for k in CRITIQUE_KEYS)
        verdict = any(k in data for k in verdict_keys)
        return (critique or verdict) if leading else (critique and verdict)

    data = load_json(text, keep_cut_number=True)
    if not isinstance(data, dict):
        return None
    found = {str(k).lower(): v for k, v in data.items()}
    if fits(found):
        return found
    if leading:
        found = _flat_pairs(data)
        return found if fits(found) else None
    return None


def _flat_pairs(value: Any, found: dict[str, Any] | None = None) -> dict[str, Any]:
    """The text and number values of a JSON value and of the values nested in it, keys
    lowercased; the first one of a key wins, an object's own values before nested ones."""
    found = {} if found is None else found
    items = list(value.items() if isinstance(value, dict) else enumerate(value))
    for key, item in items:
        scalar = isinstance(item, (str, int, float)) and not isinstance(item, bool)
        if scalar and isinstance(key, str):
            found.setdefault(key.lower(), item)
    for _, item in items:
        if isinstance(item, (dict, list)):
            _flat_pairs(item, found)
    return found


def pick(data: dict[str, Any], keys: tuple[str, ...]) -> Any:
    """The value of the first of `keys` present in `data`."""
    return next((data[k] for k in keys if k in data), None)


def clean_critique(value: Any) -> str | None:
    """A critique as stripped text without a leading "Critique:" label; None when empty."""
    if not isinstance(value, str):
        return None
    text = _LEADING_LABEL.sub("", value.strip()).strip()
    return None if _MARKUP_ONLY.fullmatch(text) else text


def find_last(text: str, patterns: tuple[re.Pattern[str], ...]) -> re.Match[str] | None:
    """The last match of the first pattern (in order) that matches `text` at all."""
    for pattern in patterns:
        matches = list(pattern.finditer(text))
        if matches:
            return matches[-1]
    return None


def without(text: str, match: re.Match[str]) -> str:
    """`text` without the matched score: its whole line when nothing else is on it, the score
    alone when it ends or starts its line, nothing when it sits inside a sentence."""
    line_start = text.rfind("\n", 0, match.start()) + 1
    line_end = text.find("\n", match.end())
    line_end = len(text) if line_end < 0 else line_end
    before = _MARKUP_ONLY.fullmatch(text[line_start : match.start()])
    after = _MARKUP_ONLY.fullmatch(text[match.end() : line_end])
    if before and after:
        return text[:line_start] + text[line_end:]
    if after:  # "feedback ... [RESULT] 4**": drop the score and what decorates it
        return text[: match.start()].rstrip(" \t*_#([\"'") + text[line_end:]
    if before:
        return text[:line_start] + text[match.end() :].lstrip(" \t*_)]\"'.:-–—")
    return text


def read_score(
    text: str | None,
    patterns: tuple[re.Pattern[str], ...],
    low: float,
    high: float,
    first_line: re.Pattern[str] | None = None,
) -> tuple[str | None, float | None]:
    """(critique, score) from a JSON answer, else from a classic text one: there the score is
    the last one labelled by the most specific pattern that matches, else a bare number on the
    first line."""
    if not text or not text.strip():
        return None, None
    data = json_answer(text, SCORE_KEYS)
    if data is not None:
        critique = clean_critique(pick(data, CRITIQUE_KEYS))
        return critique, to_rating(pick(data, SCORE_KEYS), low, high)
    match = find_last(text, patterns)
    if match is None and first_line is not None:
        match = first_line.match(text)
    if match is None:
        return clean_critique(text), None
    return clean_critique(without(text, match)), to_rating(match.group(1), low, high)
