"""CustomTask: a generator or judge defined in YAML by a Jinja2 template, inputs and outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from datasets import List, Value
from pydantic import BaseModel, ConfigDict, model_validator

from distilabel_cli.tasks.base import Task
from distilabel_cli.tasks.custom_template import check_template, compile_template
from distilabel_cli.tasks.json_answer import coerce, extract_json_object
from distilabel_cli.tasks.prompt import Prompt
from distilabel_cli.tasks.schemas import object_schema

_JSON_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "list[string]": {"type": "array", "items": {"type": "string"}},
    "list[number]": {"type": "array", "items": {"type": "number"}},
    "list[integer]": {"type": "array", "items": {"type": "integer"}},
}
_FEATURES: dict[str, Any] = {
    "string": Value("string"),
    "number": Value("float64"),
    "integer": Value("int64"),
    "boolean": Value("bool"),
    "list[string]": List(Value("string")),
    "list[number]": List(Value("float64")),
    "list[integer]": List(Value("int64")),
}


class CustomOutput(BaseModel):
    """One output column: its type and the JSON key it is read from."""

    model_config = ConfigDict(extra="forbid")

    type: str = "string"
    key: str | None = None
    description: str | None = None


class CustomTask(Task):
    """A task whose prompt is a user's Jinja2 template over the row's `inputs` columns.

    With one `string` output and no `json_schema` the whole answer is the output; otherwise
    the model answers JSON (enforced where the backend can) and each output is read from it.
    """

    template: str = ""
    #: The template's text; read from `template` (a path) when not given.
    template_source: str = ""
    inputs: list[str]
    outputs: dict[str, str | CustomOutput] = {"generations": "string"}
    json_schema_: dict[str, Any] | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    accepts_any_input: ClassVar[bool] = True  # a template may loop over lists or read numbers

    def __init__(self, **data: Any) -> None:
        if "json_schema" in data:  # the YAML key; `json_schema` is also a Task method
            data["json_schema_"] = data.pop("json_schema")
        super().__init__(**data)

    @model_validator(mode="after")
    def _load_and_check(self) -> CustomTask:
        if not self.template_source:
            if not self.template:
                raise ValueError("give template (a file) or template_source")
            try:
                self.template_source = Path(self.template).read_text(encoding="utf-8")
            except OSError as exc:
                raise ValueError(f"template {self.template}: {exc.strerror}") from None
        for name, out in self.outputs.items():
            kind = out if isinstance(out, str) else out.type
            if kind not in _FEATURES:
                raise ValueError(f"outputs.{name}: unknown type {kind!r}")
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
        out = self.outputs[name]
        return CustomOutput(type=out) if isinstance(out, str) else out

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
            prop = dict(_JSON_TYPES[out.type])
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
        data = extract_json_object(text) or {}
        result = {}
        for name in self.outputs:
            out = self._output(name)
            result[name] = coerce(data.get(out.key or name), out.type)
        return result

    def output_features(self) -> dict[str, Any]:
        return {name: _FEATURES[self._output(name).type] for name in self.outputs}

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
