"""Make an LLM from its type and options: what `build_llm` does for a validated spec, and
what a Ray replica does with the options the driver sends it (`llm_options`), so
that a replica's process never imports the spec's models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from distilabel_cli.errors import DistilError
from distilabel_cli.llms import llm_class
from distilabel_cli.llms.options import options_of
from distilabel_cli.redact import register_llm_secrets

if TYPE_CHECKING:
    from distilabel_cli.llms.base import LLM
    from distilabel_cli.tasks.base import Task


def llm_options(spec: Any) -> dict[str, Any]:
    """The options of an llm spec that its backend's constructor takes, as the spec holds
    them: secrets stay `SecretStr` (masked in any repr of a Ray actor's arguments) until
    `construct_llm`; no value is one of the spec's models."""
    cls = llm_class(spec.type)
    return {name: getattr(spec, name) for name in options_of(cls)}


def construct_llm(
    llm_type: str, options: dict[str, Any], task: Task | None = None, label: str | None = None
) -> LLM:
    """The `llm_type` backend with `options`; makes no network call and loads no model. Its
    errors start with `label` (the spec's YAML path). Its secrets are registered for
    redaction."""
    plain = {name: _plain(value) for name, value in options.items()}
    try:
        llm = llm_class(llm_type)(task=task, **plain)
    except DistilError as exc:
        if label is None:
            raise
        raise DistilError(f"{label}: {exc.message}", details=exc.details) from None
    register_llm_secrets(llm)
    return llm


def _plain(value: Any) -> Any:
    return value.get_secret_value() if isinstance(value, SecretStr) else value
