"""Spec validation: each bad YAML file gives exactly the expected file:line path: message."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from distilabel_cli.errors import SpecError
from distilabel_cli.pipeline.check import check_spec
from distilabel_cli.spec.loader import load_spec

GOOD = """\
name: ok
input:
  path: data.jsonl
generator:
  llm: {type: llama-cpp, model: embedded, temperature: 0.5}
  task: {type: text-generation}
labeller:
  llm: {type: openai, model: gpt-4o-mini, base_url: "http://127.0.0.1:1/v1"}
  task: {type: ultrafeedback, aspect: honesty}
run: {num_generations: 2}
output: {path: out}
"""

BAD_SPECS = [
    (
        "bad-number",
        GOOD.replace("temperature: 0.5", "temperature: hot"),
        [
            "spec.yaml:5 generator.llm.temperature: Input should be a valid number, "
            "unable to parse string as a number"
        ],
    ),
    (
        "unknown-key",
        GOOD.replace("run: {num_generations: 2}", "run: {num_generations: 2, batchsize: 3}"),
        ["spec.yaml:10 run.batchsize: unknown key"],
    ),
    (
        "unknown-llm-type",
        GOOD.replace("type: llama-cpp", "type: tgi"),
        [
            "spec.yaml:5 generator.llm.type: unknown type 'tgi' (expected one of: "
            "llama-cpp, openai, openai-batch, azure-openai, inference-endpoints, vllm, "
            "transformers)"
        ],
    ),
    (
        "unknown-task-type",
        GOOD.replace("type: text-generation", "type: summarize"),
        [
            "spec.yaml:6 generator.task.type: unknown type 'summarize' "
            "(expected one of: text-generation, self-instruct, evol-instruct, evol-complexity, "
            "evol-quality, ultrafeedback, judgelm, ultrajudge, quality-scorer, "
            "complexity-scorer, ultracm, prometheus, custom)"
        ],
    ),
    (
        "missing-llm-type",
        GOOD.replace("{type: llama-cpp, model: embedded, temperature: 0.5}", "{model: embedded}"),
        ["spec.yaml:5 generator.llm.type: Field required"],
    ),
    (
        "missing-model",
        GOOD.replace("model: gpt-4o-mini, ", ""),
        ["spec.yaml:8 labeller.llm.model: Field required"],
    ),
    (
        "bad-aspect",
        GOOD.replace("aspect: honesty", "aspect: speed"),
        [
            "spec.yaml:9 labeller.task.aspect: Input should be 'text-quality', 'helpfulness', "
            "'truthfulness', 'honesty' or 'instruction-following'"
        ],
    ),
    (
        "bad-prompt-format",
        GOOD.replace("{type: text-generation}", "{type: text-generation, prompt_format: gpt}"),
        [
            "spec.yaml:6 generator.task.prompt_format: Input should be 'chat', 'default', "
            "'openai', 'llama2', 'chatml', 'zephyr' or 'notus'"
        ],
    ),
    (
        "zero-generations",
        GOOD.replace("num_generations: 2", "num_generations: 0"),
        ["spec.yaml:10 run.num_generations: Input should be greater than 0"],
    ),
    (
        "bad-format",
        GOOD.replace("output: {path: out}", "output:\n  path: out\n  formats: [jsonl, csv]"),
        ["spec.yaml:13 output.formats[1]: Input should be 'jsonl' or 'parquet'"],
    ),
    (
        "missing-output",
        GOOD.replace("output: {path: out}\n", ""),
        ["spec.yaml:1 output: Field required"],
    ),
    (
        "no-stage",
        "input: {path: data.jsonl}\noutput: {path: out}\n",
        ["spec.yaml:1 (top level): a pipeline needs a generator, a labeller or both"],
    ),
    (
        "two-errors-in-line-order",
        GOOD.replace("temperature: 0.5", "temperature: hot").replace("aspect: honesty", "x: 1"),
        [
            "spec.yaml:5 generator.llm.temperature: Input should be a valid number, "
            "unable to parse string as a number",
            "spec.yaml:9 labeller.task.x: unknown key",
        ],
    ),
    (
        "missing-env",
        GOOD.replace("model: gpt-4o-mini", 'model: "${DISTIL_TEST_UNSET_VAR}"'),
        ["spec.yaml:8 labeller.llm.model: environment variable DISTIL_TEST_UNSET_VAR is not set"],
    ),
]


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "data.jsonl").write_text('{"input": "hello", "meta": 1}\n')
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in BAD_SPECS], ids=[c[0] for c in BAD_SPECS]
)
def test_bad_spec_reports_file_line_path_and_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISTIL_TEST_UNSET_VAR", raising=False)
    with pytest.raises(SpecError) as info:
        load_spec(write(tmp_path, text).name)
    assert info.value.details == expected


def test_good_spec_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    spec, _ = load_spec(write(tmp_path, GOOD).name)
    assert spec.generator is not None and spec.generator.llm.temperature == 0.5
    assert spec.labeller is not None and spec.labeller.task.aspect == "honesty"
    assert spec.run.num_generations == 2


def test_yaml_syntax_error_names_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "input: {path: data.jsonl\n  x: [\n")
    with pytest.raises(SpecError) as info:
        load_spec("spec.yaml")
    assert info.value.message.startswith("spec.yaml:2: invalid YAML: ")


def test_spec_must_be_a_mapping(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "- a\n- b\n")
    with pytest.raises(SpecError, match=r"^spec.yaml:1: the spec must be a YAML mapping"):
        load_spec("spec.yaml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="file not found"):
        load_spec(tmp_path / "nope.yaml")


def test_env_interpolation_with_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISTIL_MODEL", "my-model")
    monkeypatch.delenv("DISTIL_TEMP", raising=False)
    text = GOOD.replace("model: gpt-4o-mini", 'model: "${DISTIL_MODEL}"').replace(
        "temperature: 0.5", 'temperature: "${DISTIL_TEMP:-0.25}"'
    )
    spec, _ = load_spec(write(tmp_path, text).name)
    assert spec.labeller.llm.model == "my-model"
    assert spec.generator.llm.temperature == 0.25


def test_set_overrides_and_reports_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, GOOD)
    spec, _ = load_spec(path.name, ["run.num_generations=3", "generator.llm.temperature=0.1"])
    assert spec.run.num_generations == 3
    assert spec.generator.llm.temperature == 0.1
    with pytest.raises(SpecError) as info:
        load_spec(path.name, ["run.num_generations=zero"])
    assert info.value.details == [
        "spec.yaml --set run.num_generations: Input should be a valid integer, "
        "unable to parse string as an integer"
    ]


def test_api_key_is_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = GOOD.replace("model: gpt-4o-mini,", "model: gpt-4o-mini, api_key: sk-very-secret,")
    spec, _ = load_spec(write(tmp_path, text).name)
    assert "sk-very-secret" not in spec.model_dump_json()
    assert spec.labeller.llm.api_key.get_secret_value() == "sk-very-secret"


def test_labeller_column_missing_fails_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = textwrap.dedent(
        """\
        input: {path: data.jsonl, rename: {input: prompt}}
        labeller:
          llm: {type: llama-cpp}
          task: {type: ultrafeedback}
        output: {path: out}
        """
    )
    spec, source = load_spec(write(tmp_path, text).name)
    with pytest.raises(SpecError) as info:
        check_spec(spec, source)
    assert info.value.details == [
        "spec.yaml:4 labeller.task: ultrafeedback needs column 'input', which neither the "
        "input (prompt, meta) nor the generator provides"
    ]


def test_generator_provides_labeller_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    spec, source = load_spec(write(tmp_path, GOOD).name)
    check_spec(spec, source)  # `generations` comes from the generator: no error
    assert spec.labeller is not None
