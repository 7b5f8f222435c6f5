"""CLI habits (issue #15, part 3): every command's help has real examples and takes
-v/-q/--log-file; exit codes 0/1/2 mean what README says; `distil info` describes a dataset.
Real `distil` processes; runs talk real HTTP to `CountingServer`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import distil
from counting_server import CountingServer

from distilabel_cli.cli.commands import COMMANDS

SPEC = """\
name: habits
input: {{path: data.jsonl}}
generator:
  llm: {{type: openai, model: writer, base_url: "{url}"}}
  task: {{type: text-generation}}
output: {{path: out/data}}
"""


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_shows_examples_and_the_logging_options(command: str, tmp_path: Path) -> None:
    result = distil(command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "Examples" in text and f"distil {command}" in text
    assert all(flag in text for flag in ("--verbose", "-v", "--quiet", "-q", "--log-file"))


def test_completion_can_be_installed(tmp_path: Path) -> None:
    assert "--install-completion" in distil("--help", cwd=tmp_path).stdout


def test_log_file_quiet_and_exit_codes_of_a_run(tmp_path: Path) -> None:
    (tmp_path / "data.jsonl").write_text('{"input": "q0"}\n{"input": "q1"}\n')
    with CountingServer() as server:
        (tmp_path / "spec.yaml").write_text(SPEC.format(url=server.base_url))
        loud = distil(
            "run", "spec.yaml", "--no-progress", "-v", "--log-file", "run.log", cwd=tmp_path
        )
        assert loud.returncode == 0, loud.stderr
        log = (tmp_path / "run.log").read_text()
        assert "habits: 2 input rows from data.jsonl" in log and "2 rows written" in log
        assert "2 input rows" in loud.stderr  # -v: info on stderr too
        quiet = distil("run", "spec.yaml", "--fresh", "-q", cwd=tmp_path)
        assert quiet.returncode == 0 and quiet.stdout.strip() == "" and quiet.stderr == ""
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: {path: data.jsonl}\noutput: {}\n")
    invalid = distil("run", "bad.yaml", cwd=tmp_path)
    assert invalid.returncode == 2 and "Traceback" not in invalid.stderr


def test_info_describes_a_dataset_and_its_run(tmp_path: Path) -> None:
    (tmp_path / "data.jsonl").write_text('{"input": "q0"}\n{"input": "q1"}\n')
    with CountingServer() as server:
        (tmp_path / "spec.yaml").write_text(SPEC.format(url=server.base_url))
        assert distil("run", "spec.yaml", "--no-progress", cwd=tmp_path).returncode == 0
    shown = distil("info", "out/data", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert "rows │ 2" in text and "generations: list<string>" in text
    assert "TextGenerationTask" in text and "writer" in text and "report.html" in text
    facts = json.loads(distil("info", "out/data", "--json", cwd=tmp_path).stdout)
    assert facts["rows"] == 2 and facts["run"]["models"] == {"generator": "writer"}
    assert facts["run"]["input_tokens"] == 20 and facts["run"]["cost"] is None
    missing = distil("info", "nowhere", cwd=tmp_path)
    assert missing.returncode == 2 and "no such dataset folder" in missing.stderr
