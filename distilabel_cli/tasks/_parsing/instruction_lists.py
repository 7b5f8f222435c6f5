"""Read a list of instructions from a model's answer: JSON, a numbered or bulleted list, or
one instruction per line, with the prose around it left out."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from distilabel_cli.tasks._parsing.evol_filters import (
    is_placeholder,
    is_refusal,
    normalize,
    unfence,
)
from distilabel_cli.tasks._parsing.json_answer import load_json, parse_json

#: (kind, pattern) of the markers that start a list item, tried in order.
_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("num", re.compile(r"^\*\*\(?\d{1,3}[.):]?\)?\*\*[ \t]*[.):-]?[ \t]*")),  # **1.** / **1**.
    ("num", re.compile(r"^\(\d{1,3}\)[ \t]*")),  # (1)
    ("num", re.compile(r"^#{1,6}[ \t]*\d{1,3}[.):]?[ \t]*")),  # ### 1.
    (  # Instruction 1: / **Task 2.** / ### Prompt 3
        "num",
        re.compile(
            r"^(?:#{1,6}[ \t]*)?(?:\*\*)?(?:instruction|task|prompt|query|question)[ \t]*#?"
            r"\d{1,3}[ \t]*(?:\*\*)?[ \t]*[:.)-]?[ \t]*(?:\*\*)?[ \t]*",
            re.I,
        ),
    ),
    ("num", re.compile(r"^\d{1,3}[.)](?!\d)[ \t]*")),  # 1. / 1)
    ("bullet", re.compile(r"^[-*\u2022+][ \t]+")),  # - / * / •
)
#: Lines of prose around a list: "Here are 5 instructions:", "I hope these help!".
_PROSE = re.compile(
    r"^(?:here(?:'s| is| are)|sure\b|certainly|of course|okay\b|absolutely|below (?:are|is)"
    r"|the following|i hope|hope (?:this|these)|let me know|feel free|these (?:instructions"
    r"|prompts|queries|questions|tasks)|i've (?:written|created)|i have (?:written|created))",
    re.I,
)
_LABEL = re.compile(r"^(?:instruction|task|prompt|query)[ \t]*:[ \t]*", re.I)
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_QUOTES = (('"', '"'), ("\u201c", "\u201d"), ("'", "'"), ("`", "`"))


def parse_instruction_list(
    text: str | None, limit: int, reject: Callable[[str], bool] | None = None
) -> list[str] | None:
    """Up to `limit` distinct instructions read from `text`, less those `reject` refuses (an
    echo of the prompt); None when there are none."""
    if not text or not text.strip():
        return None
    items = _json_items(text)
    if items is None:
        items = _list_items(text)
    seen: set[str] = set()
    result: list[str] = []
    for item in items:
        cleaned = clean_item(item)
        key = normalize(cleaned) if cleaned else ""
        if not key or key in seen or (reject is not None and reject(cleaned)):
            continue
        seen.add(key)
        result.append(cleaned)
        if len(result) == limit:
            break
    return result or None


def clean_item(item: Any) -> str | None:
    """One instruction without its marker, label, bold or quotes; None when unusable."""
    if not isinstance(item, str):
        return None
    text = item.strip()
    kind, text = _strip_marker(text)
    text = _LABEL.sub("", text).strip()
    text = _BOLD.sub(r"\1", text).strip()
    for left, right in _QUOTES:
        inner = text[len(left) : -len(right)]
        if len(text) > 2 and text.startswith(left) and text.endswith(right) and left not in inner:
            text = inner.strip()
    if not text or text.endswith(":") or is_placeholder(text) or text in ("...", "\u2026"):
        return None
    return text


def _strip_marker(line: str) -> tuple[str | None, str]:
    for kind, pattern in _MARKERS:
        match = pattern.match(line)
        if match:
            return kind, line[match.end() :].strip()
    return None, line


def _json_items(text: str) -> list[Any] | None:
    """The strings of `{"instructions": [...]}` (whole, in prose, repaired or cut short: then
    its complete strings), or of an answer that is a bare JSON list; None when not JSON."""
    body = unfence(text.strip())
    if body.startswith("[") and body.endswith("]"):
        data = parse_json(body, partial="off")
        if isinstance(data, list) and data and all(isinstance(d, str) for d in data):
            return data
        return None
    data = load_json(body, accept=_has_instructions, partial="on")
    return None if data is None else data["instructions"]


def _has_instructions(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("instructions"), list)


def _list_items(text: str) -> list[str]:
    """Items of a marked list (continuation lines joined), else the plain lines."""
    lines = [ln for ln in text.splitlines() if not ln.strip().startswith("```")]
    marked = [(ln, *_strip_marker(ln.strip())) for ln in lines]
    first = next((m for m in marked if m[1] is not None), None)
    if first is None:
        return [ln.strip() for ln in lines if _plain_instruction(ln.strip())]
    top_kind, top_indent = first[1], _indent(first[0])
    items: list[str] = []
    current: list[str] | None = None
    blank = False
    for line, kind, _ in marked:
        stripped = line.strip()
        if kind == top_kind and _indent(line) <= top_indent + 1:
            current = [stripped]
            items.append("")  # filled below
        elif not stripped:
            blank = True
            continue
        elif current is not None and (
            not blank or _indent(line) > top_indent or not _strip_marker(current[-1])[1]
        ):
            if _PROSE.match(stripped):
                current = None
            else:
                current.append(stripped)
        else:
            current = None
        blank = False
        if current is not None:
            items[-1] = "\n".join(current)
    return items


def _plain_instruction(line: str) -> bool:
    return bool(line) and not (
        line.endswith(":")
        or line.startswith("#")
        or set(line) <= set("-*_= ")
        or _PROSE.match(line)
        or is_refusal(line)
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())
