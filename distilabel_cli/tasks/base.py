"""The task interface: what columns a task reads, how it prompts, how it parses."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

from distilabel_cli.tasks.prompt import Prompt, PromptFormat

if TYPE_CHECKING:
    import jinja2

TEMPLATES_DIR = Path(__file__).parent / "templates"

T = TypeVar("T")


@cache
def template_env() -> jinja2.Environment:
    """The sandboxed Jinja2 environment that renders every bundled prompt template."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_template(name: str, **context: Any) -> str:
    """Render a bundled template (`tasks/templates/NAME`), stripped of outer whitespace."""
    return template_env().get_template(name).render(**context).strip()


def row_rng(seed: int | None, row: dict[str, Any], columns: Sequence[str]) -> random.Random:
    """A random generator fixed by `seed` and the row's values in `columns`.

    Choices made with it (a method, a principle) are the same each time the row's prompt is
    rebuilt, so a resumed run sends exactly the prompts an uninterrupted one would.
    """
    values = json.dumps([row.get(c) for c in columns], sort_keys=True, default=str)
    return random.Random(f"{seed or 0}:{values}")


def choose(rng: random.Random, options: Sequence[T], weights: Sequence[float] | None = None) -> T:
    """One of `options`, drawn with `rng` (weighted when `weights` is given)."""
    return rng.choices(list(options), weights=weights, k=1)[0]


class Task(BaseModel):
    """A task turns a row into a prompt and a model's answer into output columns.

    Its fields are its options: the keys of its YAML `task:` mapping (`yaml_fields`), whose
    models `distilabel_cli.spec.tasks` generates from the registered task classes.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    #: The YAML `task.type` of a registered task (see `distilabel_cli.tasks.REGISTRY`).
    task_type: ClassVar[str]
    #: The system prompt when `system_prompt` is not given.
    default_system_prompt: ClassVar[str] = ""
    #: Options that name a file, relative to the spec's folder (the task reads it when built).
    path_options: ClassVar[tuple[str, ...]] = ()

    system_prompt: str | None = Field(None, description="Default: the task's own.")
    prompt_format: PromptFormat = "chat"
    input_mapping: dict[str, str] = Field(
        default_factory=dict,
        description="Read a task input from another column, e.g. {generations: instructions}.",
    )

    #: Columns the task reads from a row.
    input_args_names: ClassVar[tuple[str, ...]] = ()
    #: Columns the task writes.
    output_args_names: ClassVar[tuple[str, ...]] = ()
    #: True for judges that rate a row's generations (one request per row).
    is_labeller: ClassVar[bool] = False

    @model_validator(mode="after")
    def _own_system_prompt(self) -> Task:
        if self.system_prompt is None:
            self.system_prompt = self.default_system_prompt
        return self

    @classmethod
    def yaml_fields(cls) -> dict[str, FieldInfo]:
        """The keys of this task's YAML `task:` mapping (besides `type`), with their fields."""
        return {info.alias or name: info for name, info in cls.model_fields.items()}

    def required_columns(self) -> tuple[str, ...]:
        """The dataset columns this task reads (its inputs after `input_mapping`)."""
        return tuple(self.input_mapping.get(name, name) for name in self.input_args_names)

    def task_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """The row as the task sees it: mapped columns under the task's input names."""
        if not self.input_mapping:
            return row
        return {**row, **{name: row.get(col) for name, col in self.input_mapping.items()}}

    def responses_per_row(self) -> int | None:
        """How many generations per row this judge needs (None: any number)."""
        return None

    #: Inputs that may hold any JSON value (custom templates); the others must be text.
    accepts_any_input: ClassVar[bool] = False

    def check_row(self, row: dict[str, Any]) -> str | None:
        """Why this (task-mapped) row cannot be sent, or None: a missing, null or non-text
        input first, then the task's own `row_problem`. Such a row is never sent."""
        for name in self.input_args_names:
            if name == "generations":
                continue  # a list the judges check themselves
            column = self.input_mapping.get(name, name)
            value = row.get(name)
            if value is None:
                return f"input column {column!r} is missing or null"
            if not self.accepts_any_input and not isinstance(value, str):
                return f"input column {column!r} holds a {type(value).__name__}, not text"
        return self.row_problem(row)

    def row_problem(self, row: dict[str, Any]) -> str | None:
        """Why this row cannot be sent to the model (recorded as its error), or None.

        By default a judge with nothing to judge: no generation that is not None.
        """
        if "generations" in self.input_args_names:
            generations = row.get("generations")
            if isinstance(generations, str):
                return None
            if not any(g is not None for g in generations or []):
                return "no generations to label"
        return None

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
        """`datasets` feature of each output column (for one generation, for generators:
        the pipeline wraps it in a list over the row's generations)."""
        from datasets import Value

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

    def fingerprint(self) -> dict[str, Any]:
        """What decides this task's prompts and parsing (a changed one refuses a resume)."""
        return self.to_sidecar()

    def to_sidecar(self) -> dict[str, Any]:
        """Fields plus `__type_info__`, as stored in `distilabel-task.json`."""
        cls = type(self)
        return {
            **self.model_dump(mode="json"),
            "__type_info__": {"module": cls.__module__, "name": cls.__name__},
        }
