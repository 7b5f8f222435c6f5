"""The task interface: what columns a task reads, how it prompts, how it parses."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import jinja2
from datasets import Value
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel, ConfigDict

from distilabel_cli.tasks.prompt import Prompt, PromptFormat

TEMPLATES_DIR = Path(__file__).parent / "templates"


@cache
def template_env() -> jinja2.Environment:
    """The sandboxed Jinja2 environment that renders every bundled prompt template."""
    return ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class Task(BaseModel):
    """A task turns a row into a prompt and a model's answer into output columns."""

    model_config = ConfigDict(extra="forbid")

    system_prompt: str = ""
    prompt_format: PromptFormat = "chat"

    #: Columns the task reads from a row.
    input_args_names: ClassVar[tuple[str, ...]] = ()
    #: Columns the task writes.
    output_args_names: ClassVar[tuple[str, ...]] = ()
    #: True for judges that rate a row's generations (one request per row).
    is_labeller: ClassVar[bool] = False

    def generate_prompt(self, row: dict[str, Any], *, structured: bool = False) -> Prompt:
        """Build the prompt for one row; `structured` asks for a JSON answer."""
        raise NotImplementedError

    def parse_output(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        """Turn the model's raw answer into output columns; never raises."""
        raise NotImplementedError

    def json_schema(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """JSON Schema the answer must follow when the backend enforces one (None: free text)."""
        return None

    def output_features(self) -> dict[str, Any]:
        """`datasets` feature of each output column (for one generation, for generators)."""
        return {name: Value("string") for name in self.output_args_names}

    def count_parsed(self, outputs: dict[str, Any], row: dict[str, Any]) -> tuple[int, int]:
        """(items read, items that failed to parse) in a labelling answer."""
        first = outputs.get(self.output_args_names[0]) if self.output_args_names else None
        if isinstance(first, list):
            ok = sum(v is not None for v in first)
            return ok, len(first) - ok
        return (0, 1) if first is None else (1, 0)

    def empty_output(self, row: dict[str, Any]) -> dict[str, Any]:
        """Outputs for a row whose request failed."""
        return dict.fromkeys(self.output_args_names)

    def to_sidecar(self) -> dict[str, Any]:
        """Fields plus `__type_info__`, as stored in `distilabel-task.json`."""
        cls = type(self)
        return {
            **self.model_dump(mode="json"),
            "__type_info__": {"module": cls.__module__, "name": cls.__name__},
        }
