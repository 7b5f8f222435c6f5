"""Hostile or mistaken specs: each is one clear exit-2 message naming file and line, never a
traceback; plus UltraFeedback principles by default and the Security docs."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from cli_helpers import distil
from conftest import REPO
from typer.testing import CliRunner

from distilabel_cli.cli.app import app
from distilabel_cli.errors import DistilError, SpecError
from distilabel_cli.llms.llama_cpp import LlamaCppLLM
from distilabel_cli.pipeline import Pipeline
from distilabel_cli.pipeline.build_task import build_task
from distilabel_cli.spec.env import UnsetVariableError, expand_env
from distilabel_cli.spec.loader import load_spec
from distilabel_cli.tasks import TextGenerationTask, UltraFeedbackTask
from distilabel_cli.tasks.principles import ULTRAFEEDBACK_PRINCIPLES

SPEC = """\
name: hardening
input:
  path: data.jsonl
generator:
  llm: {type: llama-cpp, model: embedded}
  task: {type: text-generation}
labeller:
  llm: {type: llama-cpp, model: embedded}
  task: {type: ultrafeedback}
output: {path: out}
"""
UF_GROUPS = {"harmlessness", "helpfulness", "truthfulness", "honesty", "verbalized_calibration"}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "data.jsonl").write_text('{"input": "Name a colour."}\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def validate(workdir: Path, text: str | bytes, name: str = "spec.yaml") -> tuple[int, str]:
    """`distil validate FILE` in-process: (exit code, output); an escaped exception fails."""
    path = workdir / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = CliRunner().invoke(app, ["validate", name])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"validate raised {result.exception!r}") from result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


# --- 7: a generator task as the labeller ------------------------------------------------


@pytest.mark.parametrize("task", ["text-generation", "self-instruct", "evol-quality"])
def test_generator_task_as_labeller_is_refused(workdir: Path, task: str) -> None:
    code, out = validate(workdir, SPEC.replace("{type: ultrafeedback}", f"{{type: {task}}}"))
    assert code == 2
    assert f"spec.yaml:9 labeller.task.type: {task} is a generator task, not a judge" in out


def test_generator_task_as_labeller_stops_distil_run(workdir: Path) -> None:
    (workdir / "spec.yaml").write_text(SPEC.replace("ultrafeedback", "text-generation"))
    result = distil("run", "spec.yaml", cwd=workdir)
    assert result.returncode == 2, result.stderr
    assert "spec.yaml:9 labeller.task.type: text-generation is a generator task" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (workdir / "out").exists() and not (workdir / "out.checkpoint").exists()


def test_custom_labeller_may_not_overwrite_generations(workdir: Path) -> None:
    (workdir / "judge.jinja2").write_text("Rate {{ generations[0] }}")
    task = "{type: custom, template: judge.jinja2, inputs: [generations]}"
    code, out = validate(workdir, SPEC.replace("{type: ultrafeedback}", task))
    assert code == 2
    assert "spec.yaml:9 labeller.task.outputs: output 'generations' would overwrite" in out
    renamed = task.replace("]}", "], outputs: {verdict: string}}")
    assert validate(workdir, SPEC.replace("{type: ultrafeedback}", renamed))[0] == 0


def test_python_pipeline_refuses_a_generating_labeller() -> None:
    with pytest.raises(
        DistilError, match="TextGenerationTask is a generation task, not a labeller"
    ):
        Pipeline(labeller=LlamaCppLLM(task=TextGenerationTask()))


def test_python_pipeline_accepts_a_judge_labeller() -> None:
    pipeline = Pipeline(labeller=LlamaCppLLM(task=UltraFeedbackTask()))
    assert "rating" in pipeline.output_columns()


# --- 11: principles_distribution without principles --------------------------------------


def test_balanced_without_principles_draws_ultrafeedback_principles() -> None:
    task = TextGenerationTask(system_prompt="S", principles_distribution="balanced", seed=3)
    assert set(task.principles) == UF_GROUPS
    every = {p for items in ULTRAFEEDBACK_PRINCIPLES.values() for p in items}
    drawn = {task.generate_prompt({"input": f"q{i}"}).system_prompt for i in range(200)}
    assert all(p.startswith("S\n\n") and p.removeprefix("S\n\n") in every for p in drawn)
    assert len(drawn) > 5  # several groups and principles are drawn


def test_weights_without_principles_pick_ultrafeedback_groups() -> None:
    task = TextGenerationTask(principles_distribution={"honesty": 1.0})
    drawn = {task.generate_prompt({"input": f"q{i}"}).system_prompt for i in range(50)}
    honest = {f"{task.system_prompt}\n\n{p}" for p in ULTRAFEEDBACK_PRINCIPLES["honesty"]}
    assert drawn <= honest and drawn
    with pytest.raises(ValueError, match=r"unknown groups \['tone'\]"):
        TextGenerationTask(principles_distribution={"tone": 1.0})


def test_no_distribution_means_no_principle() -> None:
    task = TextGenerationTask(system_prompt="S")
    assert task.principles is None
    assert task.generate_prompt({"input": "q"}).system_prompt == "S"


@pytest.mark.parametrize("distribution", ["balanced", "{honesty: 0.5, truthfulness: 0.5}"])
def test_yaml_distribution_without_principles_validates(workdir: Path, distribution: str) -> None:
    text = SPEC.replace(
        "{type: text-generation}",
        f"{{type: text-generation, principles_distribution: {distribution}}}",
    )
    code, out = validate(workdir, text)
    assert code == 0, out
    spec, _ = load_spec("spec.yaml")
    task = build_task(spec.generator.task)
    assert set(task.principles) == UF_GROUPS


# --- 12: files that are not a YAML mapping ------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
NOT_TEXT = [
    ("random-bytes", random.Random(16).randbytes(512), "spec.yaml: not a YAML text file"),
    ("png", PNG, "spec.yaml: not a YAML text file: invalid UTF-8 at byte 0"),
    ("bad-utf8", b"name: caf\xe9\n", "spec.yaml: not a YAML text file: invalid UTF-8 at byte 9"),
    ("nul-bytes", b"name: a\n\x00\x01\x02", "spec.yaml:2: not a YAML text file"),
    ("empty", b"", "spec.yaml: the spec is empty"),
    ("comments-only", b"# nothing here\n\n", "spec.yaml: the spec is empty"),
    ("list", b"- a\n- b\n", "spec.yaml:1: the spec must be a YAML mapping"),
    ("scalar", b"\n\njust text\n", "spec.yaml:3: the spec must be a YAML mapping"),
    ("null", b"~\n", "got null"),
    ("deep", b"[" * 5000, "spec.yaml"),
]


@pytest.mark.parametrize(
    ("data", "message"), [c[1:] for c in NOT_TEXT], ids=[c[0] for c in NOT_TEXT]
)
def test_not_a_spec_is_a_clear_error(workdir: Path, data: bytes, message: str) -> None:
    code, out = validate(workdir, data)
    assert code == 2
    assert out.startswith("spec.yaml") and message in out


def test_binary_spec_through_real_commands(workdir: Path) -> None:
    (workdir / "image.yaml").write_bytes(PNG)
    for command in ("validate", "run"):
        result = distil(command, "image.yaml", cwd=workdir)
        assert result.returncode == 2, result.stderr
        assert "image.yaml: not a YAML text file" in result.stderr
        assert "Traceback" not in result.stderr and "unexpected" not in result.stderr


def test_validate_reports_every_file_after_a_binary_one(workdir: Path) -> None:
    (workdir / "good.yaml").write_text(SPEC)
    (workdir / "bad.yaml").write_bytes(PNG)
    result = CliRunner().invoke(app, ["validate", "bad.yaml", "good.yaml"])
    assert result.exit_code == 2
    assert "bad.yaml: not a YAML text file" in result.output
    assert "good.yaml: ok (hardening: generator + labeller)" in result.output


# --- 15: duplicate keys and nested env defaults -------------------------------------------


def test_duplicate_key_names_both_lines(workdir: Path) -> None:
    text = SPEC.replace(
        "  llm: {type: llama-cpp, model: embedded}\n  task: {type: text-generation}",
        "  llm:\n    type: llama-cpp\n    model: embedded\n    temperature: 0.1\n"
        "    model: other\n  task: {type: text-generation}",
    )
    code, out = validate(workdir, text)
    assert code == 2
    assert "spec.yaml:9 generator.llm.model: duplicate key (first at line 7)" in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SPEC + "name: again\n", "spec.yaml:11 name: duplicate key (first at line 1)"),
        (
            SPEC.replace("{type: ultrafeedback}", "{type: ultrafeedback, type: judgelm}"),
            "spec.yaml:9 labeller.task.type: duplicate key (first at line 9)",
        ),
        (
            SPEC + "run: {num_generations: 1}\nrun: {seed: 1}\n",
            "spec.yaml:12 run: duplicate key (first at line 11)",
        ),
    ],
    ids=["top-level", "same-line-flow", "whole-section"],
)
def test_duplicate_keys_anywhere(workdir: Path, text: str, expected: str) -> None:
    code, out = validate(workdir, text)
    assert code == 2 and expected in out


def test_merge_keys_are_not_duplicates(workdir: Path) -> None:
    text = SPEC.replace(
        "  llm: {type: llama-cpp, model: embedded}\n  task: {type: text-generation}",
        "  llm: &base {type: llama-cpp, model: embedded}\n  task: {type: text-generation}",
    ).replace(
        "  llm: {type: llama-cpp, model: embedded}\n  task: {type: ultrafeedback}",
        "  llm:\n    <<: *base\n    temperature: 0\n  task: {type: ultrafeedback}",
    )
    code, out = validate(workdir, text)
    assert code == 0, out


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "x"),
        ({"B": "b"}, "b"),
        ({"A": "a", "B": "b"}, "a"),
        ({"A": "", "B": ""}, "x"),
    ],
)
def test_nested_defaults_resolve(environ: dict[str, str], expected: str) -> None:
    assert expand_env("${A:-${B:-x}}", environ) == expected
    assert expand_env("pre-${A:-${B:-x}}-post", environ) == f"pre-{expected}-post"


def test_expansion_edge_cases() -> None:
    assert expand_env("${A:-${B}}", {"A": "a"}) == "a"  # an unused default is not expanded
    with pytest.raises(UnsetVariableError, match="environment variable B is not set"):
        expand_env("${A:-${B}}", {})
    assert expand_env("${A}", {"A": "${B}"}) == "${B}"  # values are not expanded again
    assert expand_env("$A ${1} ${A-x} ${}", {"A": "a"}) == "$A ${1} ${A-x} ${}"
    assert expand_env("${A:-}", {}) == ""
    with pytest.raises(ValueError, match="not closed"):
        expand_env("${A:-${B:-x}", {})


def test_nested_default_in_a_spec(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISTIL_T_A", raising=False)
    monkeypatch.setenv("DISTIL_T_B", "from-b")
    text = SPEC.replace("name: hardening", "name: ${DISTIL_T_A:-${DISTIL_T_B:-x}}")
    (workdir / "spec.yaml").write_text(text)
    spec, _ = load_spec("spec.yaml")
    assert spec.name == "from-b"
    code, out = validate(workdir, SPEC.replace("name: hardening", "name: ${DISTIL_T_A:-${X"))
    assert code == 2 and "spec.yaml:1 name: ${DISTIL_T_A:-...: the default is not closed" in out


def test_unset_variable_in_a_nested_default_is_named(workdir: Path) -> None:
    text = SPEC.replace("name: hardening", "name: ${DISTIL_T_A:-${DISTIL_T_UNSET}}")
    (workdir / "spec.yaml").write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec("spec.yaml")
    assert info.value.details[0].endswith("name: environment variable DISTIL_T_UNSET is not set")


# --- 19: the Security docs ----------------------------------------------------------------


def test_readme_has_a_security_section_linking_its_page() -> None:
    readme = (REPO / "README.md").read_text()
    sections = re.findall(r"^## (.+)$", readme, flags=re.MULTILINE)
    assert sections.index("Security") > sections.index("Use")
    section = readme.split("## Security", 1)[1]
    assert "(docs/security.md)" in section and "trust_remote_code" in section
    page = " ".join((REPO / "docs/security.md").read_text().split()).lower()
    for needle in (
        "template",
        "base_url",
        "${var}",
        "trust_remote_code",
        "run only specs you trust",
    ):
        assert needle in page
    assert "**********" in page  # says how secrets are masked
