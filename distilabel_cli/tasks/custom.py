"""CustomTask: a generator or judge defined in YAML by a Jinja2 template, inputs and outputs."""

from __future__ import annotations

import json
from copy import copy
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from distilabel_cli.tasks._parsing.json_answer import load_json
from distilabel_cli.tasks._parsing.values import coerce
from distilabel_cli.tasks.base import Task
from distilabel_cli.tasks.custom_template import check_template, compile_template
from distilabel_cli.tasks.prompt import Prompt
from distilabel_cli.tasks.schemas import object_schema

OutputType = Literal[
    "string", "number", "integer", "boolean", "list[string]", "list[number]", "list[integer]"
]
_JSON_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
}
#: The `datasets` value type of each scalar output type.
_VALUE_TYPES = {"string": "string", "number": "float64", "integer": "int64", "boolean": "bool"}


def _json_type(kind: str) -> dict[str, Any]:
    """The JSON schema of an output type."""
    if kind.startswith("list["):
        return {"type": "array", "items": dict(_JSON_TYPES[kind[5:-1]])}
    return dict(_JSON_TYPES[kind])


def _feature(kind: str) -> Any:
    """The `datasets` feature of an output type."""
    from datasets import List, Value

    if kind.startswith("list["):
        return List(Value(_VALUE_TYPES[kind[5:-1]]))
    return Value(_VALUE_TYPES[kind])


class CustomOutput(BaseModel):
    """One output column of a custom task."""

    model_config = ConfigDict(extra="forbid")

    type: OutputType = "string"
    key: str | None = Field(None, description="JSON key of the answer (default: column name).")
    description: str | None = None


def _output_shorthand(value: Any) -> Any:
    """`score: integer` means `score: {type: integer}`."""
    return {"type": value} if isinstance(value, str) else value


#: An output column: a type name, or a mapping with its type, JSON key and description.
OutputColumn = Annotated[
    CustomOutput,
    BeforeValidator(_output_shorthand),
    WithJsonSchema(
        {"anyOf": [{"enum": list(get_args(OutputType))}, CustomOutput.model_json_schema()]}
    ),
]


class CustomTask(Task):
    """A task whose prompt is a user's Jinja2 template over the row's `inputs` columns.

    With one `string` output and no `json_schema` the whole answer is the output; otherwise
    the model answers JSON (enforced where the backend can) and each output is read from it.
    """

    task_type: ClassVar[str] = "custom"
    path_options: ClassVar[tuple[str, ...]] = ("template",)

    system_prompt: str | None = ""
    template: str = Field("", description="Path of a Jinja2 template (relative to the spec file).")
    #: The template's text (Python API); read from `template` when not given.
    template_source: str = ""
    inputs: list[str] = Field(min_length=1, description="Columns the template reads.")
    outputs: dict[str, OutputColumn] = Field(
        default_factory=lambda: {"generations": CustomOutput()},
        min_length=1,
        description="Output columns and their types; several outputs, or a json_schema, "
        "make the answer JSON.",
    )
    #: YAML and keyword `json_schema` (a name `Task` uses for a method).
    json_schema_: dict[str, Any] | None = Field(
        None, alias="json_schema", description="Schema of a JSON answer."
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    accepts_any_input: ClassVar[bool] = True  # a template may loop over lists or read numbers

    @classmethod
    def yaml_fields(cls) -> dict[str, FieldInfo]:
        """In YAML the template is always a file: `template` is required, `template_source`
        is not a key."""
        fields = super().yaml_fields()
        del fields["template_source"]
        fields["template"] = required = copy(fields["template"])
        required.default = PydanticUndefined
        return fields

    @model_validator(mode="after")
    def _load_and_check(self) -> CustomTask:
        if not self.template_source:
            if not self.template:
                raise ValueError("give template (a file) or template_source")
            try:
                self.template_source = Path(self.template).read_text(encoding="utf-8")
            except OSError as exc:
                raise ValueError(f"template {self.template}: {exc.strerror}") from None
        check_template(self.template_source, self.template or "<template>", self.inputs)
        return self

    def fingerprint(self) -> dict[str, Any]:
        """The template's text decides the prompts, not where the file was found."""
        return {k: v for k, v in self.to_sidecar().items() if k != "template"}

    @property
    def input_args_names(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self.inputs)

    @property
    def output_args_names(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self.outputs)

    def _output(self, name: str) -> CustomOutput:
        return self.outputs[name]

    @property
    def answers_json(self) -> bool:
        """True when the answer is a JSON object rather than free text."""
        only = len(self.outputs) == 1 and self._output(self.output_args_names[0]).type == "string"
        return self.json_schema_ is not None or not only

    def json_schema(self, row: dict[str, Any]) -> dict[str, Any] | None:
        if not self.answers_json:
            return None
        if self.json_schema_ is not None:
            return self.json_schema_
        properties = {}
        for name in self.outputs:
            out = self._output(name)
            prop = _json_type(out.type)
            if out.description:
                prop["description"] = out.description
            properties[out.key or name] = prop
        return object_schema(properties)

    def generate_prompt(self, row: dict[str, Any], *, structured: bool = False) -> Prompt:
        template = compile_template(self.template_source)
        answer_format = ""
        if self.answers_json:
            schema = json.dumps(self.json_schema(row), ensure_ascii=False)
            answer_format = f"Answer with one JSON object only, following this schema: {schema}"
        context = {name: row.get(name) for name in self.inputs}
        text = template.render(**context, answer_format=answer_format).strip()
        if answer_format and "answer_format" not in self.template_source:
            text = f"{text}\n\n{answer_format}"
        return Prompt(system_prompt=self.system_prompt, formatted_prompt=text)

    def parse_output(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        if not self.answers_json:
            name = self.output_args_names[0]
            return {name: text.strip() or None}
        data = load_json(text) or {}
        result = {}
        for name in self.outputs:
            out = self._output(name)
            result[name] = coerce(data.get(out.key or name), out.type)
        return result

    def output_features(self) -> dict[str, Any]:
        return {name: _feature(self._output(name).type) for name in self.outputs}

    def count_parsed(self, outputs: dict[str, Any], row: dict[str, Any]) -> tuple[int, int]:
        ok = sum(outputs.get(name) is not None for name in self.outputs)
        return ok, len(self.outputs) - ok

    def row_problem(self, row: dict[str, Any]) -> str | None:
        """A row the template cannot render (e.g. it indexes a None column)."""
        try:
            self.generate_prompt(row)
        except Exception as exc:  # noqa: BLE001 - any template error is this row's error
            return f"template {self.template or '<template>'}: {type(exc).__name__}: {exc}"
        return None
