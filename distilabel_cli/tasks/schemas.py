"""Building blocks of the JSON schemas that tasks ask backends to enforce."""

from __future__ import annotations

from typing import Any


def object_schema(properties: dict[str, Any]) -> dict[str, Any]:
    """A closed object with every one of `properties` required, in their order."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def integer_enum(low: int, high: int) -> dict[str, Any]:
    """A whole number from `low` to `high`."""
    return {"type": "integer", "enum": list(range(low, high + 1))}


def array_of(item: dict[str, Any], n: int) -> dict[str, Any]:
    """An array of exactly `n` items."""
    return {"type": "array", "items": item, "minItems": n, "maxItems": n}


def string_schema(max_chars: int | None = None, *, min_chars: int | None = None) -> dict[str, Any]:
    """A string, bounded in length where given."""
    schema: dict[str, Any] = {"type": "string"}
    if min_chars is not None:
        schema["minLength"] = min_chars
    if max_chars is not None:
        schema["maxLength"] = max_chars
    return schema
