"""Users' prompt templates: compiled in a sandbox, checked for syntax and unknown names."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

#: Names a custom template may use besides its inputs.
TEMPLATE_EXTRAS = frozenset({"answer_format"})


@cache
def _env() -> jinja2.Environment:
    import jinja2  # imported when a template is first checked or rendered
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


@cache
def compile_template(source: str) -> jinja2.Template:
    """The sandboxed template of `source` (cached)."""
    return _env().from_string(source)


def check_template(source: str, path: str, inputs: list[str]) -> None:
    """Raise ValueError naming `path:line` for a syntax error or a name not in `inputs`."""
    import jinja2
    from jinja2 import meta

    env = _env()
    try:
        parsed = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise ValueError(f"{path}:{exc.lineno}: template syntax error: {exc.message}") from None
    unknown = sorted(meta.find_undeclared_variables(parsed) - set(inputs) - TEMPLATE_EXTRAS)
    if unknown:
        name = unknown[0]
        raise ValueError(
            f"{path}:{_line_of(source, name)}: the template uses {name!r}, which is not one "
            f"of the task's inputs ({', '.join(inputs)})"
        )


def _line_of(source: str, name: str) -> int:
    """The line where the template first uses the variable `name`."""
    for lineno, kind, value in _env().lex(source):
        if kind == "name" and value == name:
            return lineno
    return 1
