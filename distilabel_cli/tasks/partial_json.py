"""Read the JSON object in a judge's answer: whole, wrapped in prose or fences, or cut short."""

from __future__ import annotations

import json
import re
from typing import Any

_JSON_START = re.compile(r'\{\s*["}]')  # an object: judges are asked for one


def load_json(text: str | None) -> Any:
    """The JSON object in an answer: whole, wrapped in prose or fences, or cut short.

    A truncated answer keeps what was complete: finished items, and a string value cut in
    the middle (a partial rationale); a number at the very end may be cut, so it is dropped.
    """
    if not text:
        return None
    decoder = json.JSONDecoder()
    starts = [m.start() for m in _JSON_START.finditer(text)]
    for start in starts:
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            value = repair_json(text[start:])
        if isinstance(value, dict) and value:
            return value
    return None


def repair_json(text: str) -> Any:
    """Parse JSON cut short by closing it after its last complete value (None if hopeless)."""
    stack: list[str] = []
    cut: tuple[int, list[str]] | None = None
    in_string = is_key = escaped = False
    prev = ""  # last significant character outside strings
    for i, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
                if not is_key:
                    cut = (i + 1, stack.copy())
                prev = '"'
            continue
        if char in " \t\r\n":
            continue
        if prev and prev not in '{[,:"}]' and char in ",}]":  # a number or literal ended
            cut = (i, stack.copy())
        if char == '"':
            in_string = True
            is_key = bool(stack) and stack[-1] == "{" and prev in "{,"
        elif char in "{[":
            stack.append(char)
            cut = (i + 1, stack.copy())
        elif char in "}]":
            if not stack:
                break
            stack.pop()
            cut = (i + 1, stack.copy())
            if not stack:
                return _loads(text[: i + 1])
        prev = char
    candidates = []
    if in_string and not is_key:  # keep a string value cut in the middle
        body = text[:-1] if escaped else text
        candidates.append(body + '"' + _closers(stack))
    if cut is not None:
        candidates.append(text[: cut[0]] + _closers(cut[1]))
    for candidate in candidates:
        value = _loads(candidate)
        if value is not None:
            return value
    return None


def _closers(stack: list[str]) -> str:
    return "".join("}" if opener == "{" else "]" for opener in reversed(stack))


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None
