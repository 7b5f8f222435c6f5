"""The one tolerant reader for the JSON in a model's answer.

Valid JSON is read by the standard library, prose or a code fence around it ignored. An answer
cut short (the token limit) is read by pydantic's partial JSON parser, keeping what was
complete. Broken JSON (trailing commas, single quotes, Python literals, comments, unescaped
quotes) is repaired by `json-repair`. Nothing here raises on a bad answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Literal

from pydantic_core import from_json

#: How an answer cut short reads, as pydantic's `allow_partial`: "off" (not at all: None),
#: "on" (its complete values), "trailing-strings" (also a string value cut in the middle).
Partial = Literal["off", "on", "trailing-strings"]

_OBJECT_START = re.compile(r"""(?=\{\s*["'}])""")  # judges are asked for an object
_OBJECT_OR_ARRAY_START = re.compile(r"""(?=\{\s*["'}]|\[\s*[{"'])""")
#: A number at the very end of an answer cut short, after what opens a value.
_CUT_NUMBER = re.compile(r"(?<=[\[,:])\s*[-+]?\d[\d.eE+-]*\s*\Z")
_CUT_SHORT = "EOF while parsing"  # how pydantic (jiter) names JSON cut short
_DECODER = json.JSONDecoder()


def _non_empty_object(value: Any) -> bool:
    return isinstance(value, dict) and bool(value)


def _non_empty_object_or_array(value: Any) -> bool:
    return isinstance(value, (dict, list)) and bool(value)


def load_json(
    text: str | None,
    *,
    accept: Callable[[Any], bool] | None = None,
    arrays: bool = False,
    partial: Partial = "trailing-strings",
    keep_cut_number: bool = False,
) -> Any:
    """The first JSON value in an answer that `accept` takes (by default a non-empty one):
    whole, in a code fence, wrapped in prose, repaired or cut short (see `parse_json`).

    Objects are looked for, and with `arrays` arrays of objects or strings too; None when no
    candidate is accepted.
    """
    if not text:
        return None
    if accept is None:
        accept = _non_empty_object_or_array if arrays else _non_empty_object
    starts = (_OBJECT_OR_ARRAY_START if arrays else _OBJECT_START).finditer(text)
    for start in starts:
        value = parse_json(text[start.start() :], partial=partial, keep_cut_number=keep_cut_number)
        if value is not None and accept(value):
            return value
    return None


def parse_json(
    fragment: str, *, partial: Partial = "trailing-strings", keep_cut_number: bool = False
) -> Any:
    """The JSON value `fragment` starts with (what follows it is ignored), else None.

    Broken JSON is repaired. JSON cut short reads as `partial` says; a number at the cut may
    be cut itself ("1" of "10"), so it is dropped unless `keep_cut_number`.
    """
    fragment = fragment.lstrip()
    try:
        return _DECODER.raw_decode(fragment)[0]
    except json.JSONDecodeError:
        pass
    try:
        return from_json(fragment)  # valid for pydantic, not for the standard library
    except ValueError as error:
        problem = str(error)
    if not problem.startswith(_CUT_SHORT):
        return _repaired(fragment)
    if partial == "off":
        return None
    if not keep_cut_number and not problem.startswith(f"{_CUT_SHORT} a string"):
        fragment = _CUT_NUMBER.sub("", fragment)
    try:
        return from_json(fragment, allow_partial=True if partial == "on" else partial)
    except ValueError:
        return None


def _repaired(fragment: str) -> Any:
    """Broken JSON as `json-repair` reads it: the first object when it finds several values."""
    from json_repair import repair_json  # only broken answers need it

    value = repair_json(fragment, return_objects=True, skip_json_loads=True)
    if isinstance(value, list) and fragment.startswith("{"):
        value = next((v for v in value if isinstance(v, dict)), None)
    return None if value == "" else value
