"""`${VAR}` and `${VAR:-default}` in spec strings; defaults may nest: `${A:-${B:-x}}`.

`${VAR:-default}` gives the default when VAR is unset or empty; a default is expanded only
when it is used. Text that is not of this form (`$VAR`, `${1}`) is left as it is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

_OPENING = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(\}|:-)")


class UnsetVariableError(ValueError):
    """A `${VAR}` without a default names a variable that is not set."""

    def __init__(self, name: str) -> None:
        super().__init__(f"environment variable {name} is not set")
        self.name = name


@dataclass
class _Variable:
    name: str
    default: list[str | _Variable] | None


def expand_env(text: str, environ: Mapping[str, str] | None = None) -> str:
    """`text` with every `${VAR}` / `${VAR:-default}` replaced from `environ` (default: os).

    Raises UnsetVariableError, or ValueError for a `${VAR:-...` that is never closed.
    """
    if "${" not in text:
        return text
    parts, _ = _parse(text, 0, nested=False)
    return _render(parts, os.environ if environ is None else environ)


def _parse(text: str, pos: int, *, nested: bool) -> tuple[list[str | _Variable], int]:
    """Literal text and variables from `pos`; nested: up to the `}` that closes a default."""
    parts: list[str | _Variable] = []
    literal_start = pos
    while pos < len(text):
        if nested and text[pos] == "}":
            break
        opening = _OPENING.match(text, pos) if text[pos] == "$" else None
        if opening is None:
            pos += 1
            continue
        parts.append(text[literal_start:pos])
        name = opening.group(1)
        if opening.group(2) == "}":
            parts.append(_Variable(name, None))
            pos = opening.end()
        else:
            default, pos = _parse(text, opening.end(), nested=True)
            if pos >= len(text):
                raise ValueError(f"${{{name}:-...: the default is not closed with '}}'")
            parts.append(_Variable(name, default))
            pos += 1
        literal_start = pos
    parts.append(text[literal_start:pos])
    return parts, pos


def _render(parts: list[str | _Variable], environ: Mapping[str, str]) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        value = environ.get(part.name)
        if value is not None and (value != "" or part.default is None):
            out.append(value)
        elif part.default is not None:
            out.append(_render(part.default, environ))
        else:
            raise UnsetVariableError(part.name)
    return "".join(out)
