"""The `distil` command through real subprocesses: exit codes, messages, outputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from cli_helpers import distil
from conftest import REPO, LlamaServer

from distilabel_cli import CustomDataset, UltraFeedbackTask
from distilabel_cli.spec.presets import apply_preset

SMALL_SPEC = """\
name: small
input:
  path: data.jsonl
  rename: {prompt: input}
  remove: [meta]
generator:
  llm: {type: llama-cpp, model: embedded, max_new_tokens: 12, seed: 7}
  task: {type: text-generation, system_prompt: Be brief.}
labeller:
  llm: {type: llama-cpp, model: embedded, max_new_tokens: 200, temperature: 0}
  task: {type: ultrafeedback, aspect: text-quality}
run: {num_generations: 2}
output: {path: out/small, formats: [jsonl, parquet]}
"""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    rows = [{"prompt": f"Name a color ({i}).", "meta": i} for i in range(3)]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "small.yaml").write_text(SMALL_SPEC)
    return tmp_path


def test_version_and_entry_point(tmp_path: Path) -> None:
    result = distil("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == "distil 0.1.0"
    assert shutil.which("distil") is not None


COMMANDS = [
    "run",
    "validate",
    "schema",
    "binarize",
    "push-hub",
    "push-argilla",
    "pull-argilla",
    "recover",
    "report",
]


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = distil("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert all(f" {command} " in result.stdout for command in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(tmp_path: Path, command: str) -> None:
    result = distil(command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "Usage:" in result.stdout and command in result.stdout


def test_schema_is_json_schema_that_accepts_the_shipped_configs(tmp_path: Path) -> None:
    result = distil("schema", cwd=tmp_path)
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert {"input", "generator", "labeller", "run", "output"} <= set(schema["properties"])
    for config in sorted((REPO / "configs").glob("*.yaml")):
        # as distil does, a `preset:` is filled in before validation
        jsonschema.validate(apply_preset(yaml.safe_load(config.read_text()), str(config)), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"input": {"path": "x"}, "output": {"path": "o"}, "oops": 1}, schema)


def test_validate_reports_one_line_per_file(workdir: Path) -> None:
    bad = workdir / "bad.yaml"
    bad.write_text(SMALL_SPEC.replace("max_new_tokens: 12", "max_new_tokens: many"))
    ok = distil("validate", "small.yaml", cwd=workdir)
    assert ok.returncode == 0
    assert ok.stdout.strip() == "small.yaml: ok (small: generator + labeller)"
    both = distil("validate", "small.yaml", "bad.yaml", cwd=workdir)
    assert both.returncode == 2
    assert both.stdout.strip() == "small.yaml: ok (small: generator + labeller)"
    assert both.stderr.strip() == (
        "bad.yaml:7 generator.llm.max_new_tokens: Input should be a valid integer, "
        "unable to parse string as an integer"
    )


def test_validate_shipped_configs() -> None:
    configs = sorted(str(p.relative_to(REPO)) for p in (REPO / "configs").glob("*.yaml"))
    result = distil("validate", *configs, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == len(configs)


def test_bad_spec_exits_2_without_traceback_and_debug_shows_it(workdir: Path) -> None:
    (workdir / "bad.yaml").write_text(SMALL_SPEC.replace("seed: 7", "seed: 7, colour: red"))
    result = distil("run", "bad.yaml", cwd=workdir)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "error: bad.yaml: invalid spec",
        "  bad.yaml:7 generator.llm.colour: unknown key",
    ]
    debug = distil("run", "bad.yaml", "--debug", cwd=workdir)
    assert debug.returncode == 2
    assert "Traceback" in debug.stderr


def test_missing_input_column_names_it(workdir: Path) -> None:
    (workdir / "cols.yaml").write_text(SMALL_SPEC.replace("rename: {prompt: input}", "rename: {}"))
    result = distil("run", "cols.yaml", cwd=workdir)
    assert result.returncode == 2
    assert "generator.task: text-generation needs column 'input'" in result.stderr
    assert "(prompt)" in result.stderr


def test_dry_run_prints_first_row_and_writes_nothing(workdir: Path) -> None:
    result = distil("run", "small.yaml", "--dry-run", cwd=workdir)
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout[: result.stdout.rindex("}") + 1])
    assert row["input"] == "Name a color (0)."
    assert len(row["generations"]) == 2 and len(row["rating"]) == 2
    assert not (workdir / "out").exists()


def test_run_writes_dataset_exports_and_summary(workdir: Path) -> None:
    result = distil(
        "run",
        "small.yaml",
        "--limit",
        "2",
        "--output",
        "out/custom",
        "--no-progress",
        cwd=workdir,
    )
    assert result.returncode == 0, result.stderr
    out = workdir / "out" / "custom"
    dataset = CustomDataset.load_from_disk(out)
    assert len(dataset) == 2
    assert isinstance(dataset.task, UltraFeedbackTask) and dataset.task.aspect == "text-quality"
    assert "meta" not in dataset.column_names
    lines = (out / "data.jsonl").read_text().splitlines()
    assert [json.loads(line)["input"] for line in lines] == dataset["input"]
    assert (out / "data.parquet").is_file()
    record = json.loads((out / "distil-run.json").read_text())
    assert record["report"]["rows_done"] == 2
    assert record["report"]["counts"]["generations_ok"] == 4
    for label in ("rows", "generations", "ratings", "tokens", "wall time", "throughput"):
        assert label in result.stdout
    assert "2 / 2" in result.stdout and str(Path("out/custom")) in result.stdout
    assert not (workdir / "out" / "small").exists()


def test_secrets_never_reach_outputs(workdir: Path, llama_server: LlamaServer) -> None:
    """An API key given as ${VAR} works against the server and is written nowhere."""
    spec = f"""\
input: {{path: data.jsonl, rename: {{prompt: input}}, limit: 1}}
generator:
  llm:
    type: openai
    model: {llama_server.model}
    base_url: {llama_server.base_url}
    api_key: ${{DISTIL_TEST_KEY}}
    max_new_tokens: 6
  task: {{type: text-generation}}
output: {{path: out/secret, formats: [jsonl]}}
"""
    (workdir / "secret.yaml").write_text(spec)
    result = distil(
        "run",
        "secret.yaml",
        "--no-progress",
        cwd=workdir,
        env={"DISTIL_TEST_KEY": llama_server.api_key},
    )
    assert result.returncode == 0, result.stderr
    written = [p for p in (workdir / "out" / "secret").rglob("*") if p.is_file()]
    assert written
    for path in written:
        assert llama_server.api_key.encode() not in path.read_bytes(), path
    assert llama_server.api_key not in result.stdout + result.stderr
