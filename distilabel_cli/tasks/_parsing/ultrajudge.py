"""Reading UltraJudge answers: per response, a score and feedback per area, and a final score.

JSON: `{"evaluations": [{"<area>": {"rationale": ..., "rating": ...}, ..., "final_rating": ...}]}`.
Text: "### Response i" sections of "<Area>: <score> - <feedback>" lines, then a
"Final scores: s1 s2 ..." line (sections may be missing: a repeated area starts a new response).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from distilabel_cli.tasks._parsing.json_answer import load_json
from distilabel_cli.tasks._parsing.scores import first_value, scores_in_line

#: What was read for one response: area -> (score, feedback), and its own final score.
Block = dict[str, Any]

_HEADER = re.compile(
    r"^[\s>*#_-]*(?:evaluation\s+(?:of|for)\s+)?"
    r"(?:output\s+for\s+text|response|assistant|answer|text)\s*#?\s*(\d+)[\s:*#_)\].-]*$",
    re.I,
)
_FINAL = re.compile(
    r"^[\s>*#_-]*(?:final|overall)\s+(?P<kind>scores?|ratings?)\b[\s*_]*[:=-]?(?P<rest>.*)$", re.I
)
_ENTRY_KEYS = ("evaluations", "responses", "ratings", "results", "outputs")
_FINAL_KEYS = ("final_rating", "final_score", "final", "overall", "rating", "score")


def read_blocks(text: str, areas: Sequence[str]) -> tuple[dict[int, Block], list[Any] | None]:
    """What the answer says about each response (by 1-based position) and its final scores."""
    data = load_json(text)
    entries = first_value(data, _ENTRY_KEYS) if isinstance(data, dict) else None
    if isinstance(entries, list):
        return {i: _json_block(e, areas) for i, e in enumerate(entries, 1) if e is not None}, None
    return _text_blocks(text, areas)


def _json_block(entry: Any, areas: Sequence[str]) -> Block:
    block: Block = {"areas": {}, "final": None}
    if not isinstance(entry, Mapping):
        return block
    nested = entry.get("areas")
    if isinstance(nested, list):  # [{"area": name, "rating": ..., "rationale": ...}, ...]
        nested = {e.get("area", e.get("name")): e for e in nested if isinstance(e, Mapping)}
    pool = {**entry, **nested} if isinstance(nested, Mapping) else entry
    for area in areas:
        value = first_value(pool, (area,))
        if isinstance(value, Mapping):
            score = first_value(value, ("rating", "score", "value"))
            feedback = first_value(value, ("rationale", "feedback", "explanation"))
            block["areas"][area] = (score, feedback if isinstance(feedback, str) else None)
        elif value is not None:
            block["areas"][area] = (value, None)
    block["final"] = first_value(entry, _FINAL_KEYS)
    return block


def _text_blocks(text: str, areas: Sequence[str]) -> tuple[dict[int, Block], list[Any] | None]:
    lines = text.splitlines()
    patterns = _area_patterns(tuple(areas))
    use_headers = any(_HEADER.match(line) for line in lines)
    blocks: dict[int, Block] = {}
    current: Block | None = None
    combined: list[Any] | None = None
    feedback: list[str] | None = None  # where continuation lines of a feedback go
    for k, line in enumerate(lines):
        if header := _HEADER.match(line):
            current = blocks.setdefault(int(header[1]), {"areas": {}, "final": None})
            feedback = None
        elif final := _FINAL.match(line):
            feedback = None
            numbers = scores_in_line(final["rest"]) or _next_scores(lines, k)
            if final["kind"].lower().endswith("s") or len(numbers) > 1 or current is None:
                combined = numbers or combined
            elif numbers:
                current["final"] = numbers[0]
        elif found := _match_area(line, patterns):
            area, score, rest = found
            if not use_headers and (current is None or area in current["areas"]):
                current = blocks.setdefault(len(blocks) + 1, {"areas": {}, "final": None})
            if current is None or area in current["areas"]:
                feedback = None
                continue
            feedback = [rest] if rest else []
            current["areas"][area] = (score, feedback)
        elif not line.strip():
            feedback = None
        elif feedback is not None:
            feedback.append(line.strip())
    for block in blocks.values():
        block["areas"] = {
            area: (score, " ".join(parts).strip(" *_") or None)
            for area, (score, parts) in block["areas"].items()
        }
    return blocks, combined


def _next_scores(lines: list[str], k: int) -> list[str]:
    """Scores on the first non-empty line after line k ("Final scores:" then a new line)."""
    for line in lines[k + 1 :]:
        if line.strip():
            return scores_in_line(line) or []
    return []


@cache
def _area_patterns(areas: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """A line pattern per area: "**Area** (8/10): feedback", "- Area - 8", "Area: 8 - ..."."""
    patterns = []
    for area in areas:
        tokens = re.findall(r"&|[^\s&]+", area)
        name = r"\s*".join(r"(?:&|and|&amp;)" if t == "&" else re.escape(t) for t in tokens)
        patterns.append(
            (
                area,
                re.compile(
                    rf"^[\s>*#_•-]*(?:\d+[.)]\s*)?[*_]*\s*{name}\s*[*_]*\s*\(?\s*(?P<sep>[:=–—-])?"
                    r"[\s*_]*(?:score\s*[:=]?\s*)?(?:(?P<score>-?\d+(?:\.\d+)?)"
                    r"(?:\s*/\s*10)?\s*\)?[\s*_]*(?:[-–—:.,;|]\s*)?)?(?P<rest>.*)$",
                    re.I,
                ),
            )
        )
    return tuple(patterns)


def _match_area(
    line: str, patterns: tuple[tuple[str, re.Pattern[str]], ...]
) -> tuple[str, str | None, str] | None:
    """(area, score, rest of the line) when the line starts an area's evaluation."""
    for area, pattern in patterns:
        match = pattern.match(line)
        if match and (match["score"] is not None or match["sep"] == ":"):
            return area, match["score"], match["rest"].strip()
    return None
