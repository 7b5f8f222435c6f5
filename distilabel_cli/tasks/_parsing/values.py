"""Single values read from a model's answer: a rating within a scale, a declared output type.

Both return None for what cannot be read and never raise.
"""

from __future__ import annotations

import json
import re
from typing import Any

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


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


def coerce(value: Any, kind: str) -> Any:
    """`value` as the declared output type (`string`, `number`, `list[integer]`...), or None."""
    if value is None:
        return None
    if kind.startswith("list["):
        if not isinstance(value, list):
            return None
        return [coerce(v, kind[5:-1]) for v in value]
    if kind == "string":
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False)
        return str(value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower()
        return {"true": True, "yes": True, "false": False, "no": False}.get(lowered)
    number = to_rating(value, float("-inf"), float("inf"))
    if number is None:
        return None
    if kind == "integer":
        return int(number) if number == int(number) else None
    return number
