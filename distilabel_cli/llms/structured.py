"""The structured-output ladder of the HTTP backends: json_schema -> json_object -> plain text.

A judge asks for JSON with the first mode the server accepts. When a server refuses a mode
(`FormatRefused`), the LLM steps down to the next one for this and every later request;
when none is left, `StructuredOutputUnsupported` tells the engine to ask in plain text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal, TypeVar

from distilabel_cli.errors import StructuredOutputUnsupported

T = TypeVar("T")

#: `structured_output` settings: `auto` starts at json_schema, `none` never asks for JSON.
StructuredOutput = Literal["auto", "json_schema", "json_object", "none"]
#: Ways to ask a chat route for JSON, tried in order until the server accepts one.
SCHEMA_MODES = ("json_schema", "json_object")
#: Words of an error that refuses the structured-output request itself.
_REFUSAL_WORDS = ("response_format", "json_schema", "grammar")


class FormatRefused(Exception):
    """The server refused this structured-output request (never retried: the next mode is)."""


def refuses_format(error: Exception) -> bool:
    """Whether an error answer is about the structured-output request."""
    message = str(error)
    return any(word in message for word in _REFUSAL_WORDS)


class SchemaLadder:
    """The structured-output mode an LLM uses now, stepping down `modes` when refused."""

    def __init__(self, setting: str, modes: Sequence[str] = SCHEMA_MODES) -> None:
        self.modes = tuple(modes)
        start = self.modes[0] if setting == "auto" else setting
        self.mode: str | None = start if start in self.modes else None

    def step_down(self, refused: str | None) -> str | None:
        """The mode to use after `refused` was refused (None: ask in plain text)."""
        if refused is not None and self.mode == refused:
            index = self.modes.index(refused) + 1
            self.mode = self.modes[index] if index < len(self.modes) else None
        return self.mode

    async def run(self, attempt: Callable[[str | None], Awaitable[T]], structured: bool) -> T:
        """`attempt(mode)` with the current mode (None unless `structured`), stepping down
        on `FormatRefused`; `StructuredOutputUnsupported` when no mode is left."""
        mode = self.mode if structured else None
        while True:
            try:
                return await attempt(mode)
            except FormatRefused as exc:
                mode = self.step_down(mode)
                if mode is None:
                    raise StructuredOutputUnsupported(str(exc)) from exc


def response_format(
    mode: str, json_schema: dict[str, Any] | None, object_keys: Sequence[str] = ("schema",)
) -> dict[str, Any]:
    """The chat `response_format` of a mode; `json_object` carries the schema under
    `object_keys` (llama-cpp-python's server reads `schema`, TGI `value`)."""
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "answer", "schema": json_schema}}
    return {"type": "json_object", **dict.fromkeys(object_keys, json_schema)}
