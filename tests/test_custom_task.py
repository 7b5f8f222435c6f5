"""Custom tasks from YAML: template rendering, JSON answers, validation-time template errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from datasets import List, Value

from distilabel_cli.errors import SpecError
from distilabel_cli.pipeline.check import check_spec
from distilabel_cli.spec.loader import load_spec
from distilabel_cli.tasks import task_from_sidecar
from distilabel_cli.tasks.custom import CustomTask

ROW = {"input": "Paris", "generations": ["A city of light.", None]}


def judge(**kwargs: object) -> CustomTask:
    return CustomTask(
        template_source="Rate the tweet about {{ input }}:\n{{ generations[0] }}",
        inputs=["input", "generations"],
        outputs={"score": "integer", "reason": "string"},
        **kwargs,
    )


def test_single_text_output_renders_template_and_keeps_whole_answer() -> None:
    task = CustomTask(
        template_source="Write a tweet about {{ input }}.\n", inputs=["input"], system_prompt="S"
    )
    prompt = task.generate_prompt(ROW)
    assert (prompt.system_prompt, prompt.formatted_prompt) == ("S", "Write a tweet about Paris.")
    assert task.json_schema(ROW) is None
    assert task.parse_output("  Bonjour!  \n", ROW) == {"generations": "Bonjour!"}
    assert task.parse_output("   ", ROW) == {"generations": None}
    assert task.output_features() == {"generations": Value("string")}


def test_several_outputs_answer_json_with_appended_format() -> None:
    task = judge()
    schema = task.json_schema(ROW)
    assert schema == {
        "type": "object",
        "properties": {"score": {"type": "integer"}, "reason": {"type": "string"}},
        "required": ["score", "reason"],
        "additionalProperties": False,
    }
    text = task.generate_prompt(ROW).formatted_prompt
    assert text == (
        "Rate the tweet about Paris:\nA city of light.\n\n"
        "Answer with one JSON object only, following this schema: "
        '{"type": "object", "properties": {"score": {"type": "integer"}, "reason": '
        '{"type": "string"}}, "required": ["score", "reason"], "additionalProperties": false}'
    )


def test_template_placing_answer_format_itself_gets_no_second_copy() -> None:
    task = CustomTask(
        template_source="{{ answer_format }}\nTopic: {{ input }}",
        inputs=["input"],
        outputs={"tags": "list[string]"},
    )
    text = task.generate_prompt(ROW).formatted_prompt
    assert text.count("Answer with one JSON object") == 1
    assert text.endswith("Topic: Paris")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('{"score": 4, "reason": "Clear."}', {"score": 4, "reason": "Clear."}),
        ('```json\n{"score": "5", "reason": "Fun"}\n```', {"score": 5, "reason": "Fun"}),
        ('Sure! {"reason": "Meh", "score": 2.0} Hope it helps.', {"score": 2, "reason": "Meh"}),
        ('{"score": 3.5, "reason": null}', {"score": None, "reason": None}),
        ('{"score": "great", "reason": "ok"}', {"score": None, "reason": "ok"}),
        ('{"score": 4, "reason": "trunc', {"score": 4, "reason": "trunc"}),  # cut short
        ("I think it deserves a 4.", {"score": None, "reason": None}),
    ],
)
def test_json_answers_good_messy_and_malformed(answer: str, expected: dict) -> None:
    task = judge()
    outputs = task.parse_output(answer, ROW)
    assert outputs == expected
    ok = sum(v is not None for v in expected.values())
    assert task.count_parsed(outputs, ROW) == (ok, 2 - ok)


def test_typed_outputs_keys_and_features() -> None:
    task = CustomTask(
        template_source="{{ input }}",
        inputs=["input"],
        outputs={
            "tags": "list[string]",
            "weights": "list[number]",
            "safe": "boolean",
            "label": {"type": "string", "key": "category"},
        },
    )
    answer = '{"tags": ["a", 1], "weights": [1, "2.5"], "safe": "yes", "category": "x"}'
    assert task.parse_output(answer, ROW) == {
        "tags": ["a", "1"],
        "weights": [1.0, 2.5],
        "safe": True,
        "label": "x",
    }
    assert task.output_features() == {
        "tags": List(Value("string")),
        "weights": List(Value("float64")),
        "safe": Value("bool"),
        "label": Value("string"),
    }
    assert "category" in task.json_schema(ROW)["properties"]


def test_user_schema_is_sent_as_is() -> None:
    schema = {"type": "object", "properties": {"score": {"type": "integer", "minimum": 1}}}
    task = judge(json_schema=schema)
    assert task.json_schema(ROW) == schema
    assert task.parse_output('{"score": 3}', ROW) == {"score": 3, "reason": None}


def test_sidecar_restores_the_template_without_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.jinja2"
    path.write_text("Hi {{ input }}")
    task = CustomTask(template=str(path), inputs=["input"], outputs={"out": "string"})
    path.unlink()
    restored = task_from_sidecar(task.to_sidecar())
    assert isinstance(restored, CustomTask)
    assert restored.generate_prompt(ROW).formatted_prompt == "Hi Paris"
    assert restored.output_args_names == ("out",)


def test_fingerprint_follows_the_template_text_not_its_path(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    for folder in ("a", "."):
        (tmp_path / folder / "t.jinja2").write_text("Hi {{ input }}")
    here = CustomTask(template=str(tmp_path / "t.jinja2"), inputs=["input"])
    there = CustomTask(template=str(tmp_path / "a" / "t.jinja2"), inputs=["input"])
    assert here.fingerprint() == there.fingerprint()
    (tmp_path / "a" / "t.jinja2").write_text("Hello {{ input }}")
    edited = CustomTask(template=str(tmp_path / "a" / "t.jinja2"), inputs=["input"])
    assert edited.fingerprint() != here.fingerprint()


def test_a_row_the_template_cannot_render_is_that_rows_error() -> None:
    task = judge()
    assert task.row_problem(ROW) is None
    problem = task.row_problem({"input": "x", "generations": None})
    assert problem is not None and problem.startswith("template <template>: UndefinedError")


def test_templates_render_in_a_sandbox() -> None:
    task = CustomTask(template_source="{{ input.__class__.__mro__ }}", inputs=["input"])
    assert task.row_problem(ROW) is not None  # unsafe attribute: refused, not rendered


SPEC = """\
input: {path: data.jsonl}
generator:
  llm: {type: llama-cpp}
  task:
    type: custom
    template: prompts/p.jinja2
    inputs: [input]
output: {path: out}
"""


def check(tmp_path: Path, template: str | None) -> list[str]:
    (tmp_path / "data.jsonl").write_text('{"input": "x"}\n')
    if template is not None:
        (tmp_path / "prompts").mkdir()
        (tmp_path / "prompts" / "p.jinja2").write_text(textwrap.dedent(template))
    (tmp_path / "spec.yaml").write_text(SPEC)
    spec, source = load_spec(tmp_path / "spec.yaml")
    with pytest.raises(SpecError) as info:
        check_spec(spec, source)
    return info.value.details


@pytest.mark.parametrize(
    ("template", "error"),
    [
        (
            "Answer this:\n{{ input }}\n{% if input %}\nyes\n",
            "4: template syntax error: Unexpected end of template. Jinja was looking for the "
            "following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be "
            "closed is 'if'.",
        ),
        (
            "Answer this:\n\n{{ question }}\n",
            "3: the template uses 'question', which is not one of the task's inputs (input)",
        ),
    ],
)
def test_template_errors_name_file_and_line(tmp_path: Path, template: str, error: str) -> None:
    where = tmp_path / "prompts" / "p.jinja2"
    assert check(tmp_path, template) == [
        f"{tmp_path / 'spec.yaml'}:4 generator.task: {where}:{error}"
    ]


def test_missing_template_file_is_a_spec_error(tmp_path: Path) -> None:
    [detail] = check(tmp_path, None)
    assert detail.endswith("generator.task: template prompts/p.jinja2: No such file or directory")


def test_unknown_output_type_names_the_output(tmp_path: Path) -> None:
    text = SPEC.replace("inputs: [input]", "inputs: [input]\n    outputs: {x: float}")
    (tmp_path / "spec.yaml").write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path / "spec.yaml")
    assert info.value.details == [
        f"{tmp_path / 'spec.yaml'}:8 generator.task.outputs.x.type: Input should be 'string', "
        "'number', 'integer', 'boolean', 'list[string]', 'list[number]' or 'list[integer]'"
    ]
