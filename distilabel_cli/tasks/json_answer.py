"""Read a JSON object out of a model's answer and coerce its values to declared types."""

from __future__ import annotations

import json
from typing import Any

from distilabel_cli.tasks.parsing import to_rating
from distilabel_cli.tasks.partial_json import load_json


def extract_json_object(text: str | None) -> dict[str, Any] | None:
    """The JSON object in `text`: whole, in a code fence, wrapped in prose or cut short
    (then what was complete, see `load_json`); else None."""
    data = load_json(text)
    return data if isinstance(data, dict) else None


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
