"""Inputs that used to crash or mislead, met where a user meets them: the `distil` command.

JSONL lists that start with null, messages with 1-based lines that name the file, empty
files, a rename onto an existing column, a refused or unreachable Hub push and an
unreachable Argilla (reported before any embedding model loads). Servers are real local
ones: `CountingServer` (OpenAI protocol), the Hub stand-in, a bare HTTP server.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cli_helpers import distil
from counting_server import CountingServer, answer_for
from datasets import Dataset
from hub_fixtures import hub_env
from hub_server import HubServer

from distilabel_cli import CustomDataset, UltraFeedbackTask

SPEC = """\
input: {{path: {input}{extra}}}
generator:
  llm: {{type: openai, model: writer, base_url: "{url}", max_retries: 0}}
  task: {{type: text-generation}}
checkpoint: {{enabled: false}}
output: {{path: out/run{output}}}
"""


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_spec(tmp_path: Path, url: str, input: str = "data.jsonl", **keys: str) -> Path:
    extra = "".join(f", {k}: {v}" for k, v in keys.items() if k != "output")
    output = keys.get("output", "")
    spec = SPEC.format(input=input, extra=extra, url=url, output=output)
    (tmp_path / "spec.yaml").write_text(spec, encoding="utf-8")
    return tmp_path / "spec.yaml"


def assert_one_clear_error(result, exit_code: int, *parts: str) -> str:
    """Exit code, every part in the message, no traceback, not 'unexpected'."""
    err = result.stderr
    assert result.returncode == exit_code, err
    assert "Traceback" not in err and "unexpected" not in err, err
    if result.args[3] != "validate":  # validate lists its findings without the prefix
        assert err.startswith("error: "), err
    for part in parts:
        assert part in err, err
    return err


@pytest.fixture
def server() -> Iterator[CountingServer]:
    with CountingServer() as running:
        yield running


# --------------------------------------------------------------------- 10: nulls in lists


NULL_FIRST_ROWS = [
    {"input": "q0", "tags": [None, "x"], "scores": None, "hints": [None, None]},
    {"input": "q1", "tags": None, "scores": [1.5, None], "hints": [None, None]},
    {"input": "q2", "tags": ["a", "b"], "scores": [2, 3], "hints": ["h", "i"]},
    {"input": "q3", "tags": ["c"], "scores": [], "hints": ["j", "k"]},
]


def test_run_reads_jsonl_whose_lists_start_with_null(tmp_path: Path, server) -> None:
    write_jsonl(tmp_path / "data.jsonl", NULL_FIRST_ROWS)
    write_spec(tmp_path, server.base_url)
    result = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = CustomDataset.load_from_disk(tmp_path / "out" / "run")
    assert out["input"] == ["q0", "q1", "q2", "q3"]
    for column in ("tags", "scores", "hints"):  # every value where it was, none shifted
        assert out[column] == [row[column] for row in NULL_FIRST_ROWS], column
    assert out["generations"][0] == [answer_for("q0", 0)]


def test_run_keeps_date_like_strings_as_written(tmp_path: Path, server) -> None:
    """pyarrow's JSON reader turns them into timestamps ('2024-01-01 00:00:00' in prompts)."""
    write_jsonl(tmp_path / "data.jsonl", [{"input": "2024-01-01"}, {"input": "2024-02-03T10:00"}])
    write_spec(tmp_path, server.base_url)
    result = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert set(server.counts) == {"2024-01-01", "2024-02-03T10:00"}
    out = CustomDataset.load_from_disk(tmp_path / "out" / "run")
    assert out["input"] == ["2024-01-01", "2024-02-03T10:00"]


def own_output_rows(failed_first: int) -> list[dict]:
    """Rows shaped like distil's own `data.jsonl`; the first ones had failed generations."""
    rows = []
    for i in range(failed_first + 3):
        failed = i < failed_first
        rows.append(
            {
                "input": f"q{i}",
                "generation_model": ["m", "m"],
                "generations": [None, None] if failed else [f"a{i}", f"b{i}"],
                "labelling_model": None if failed else "judge",
                "rating": None if failed else ([4.0, 2.0] if i % 2 == 0 else [1.0, 5.0]),
                "rationale": None if failed else ["r1", "r2"],
                "distil_metadata": {"errors": ["boom", "boom"] if failed else None},
            }
        )
    return rows


def test_binarize_reads_distils_own_jsonl_with_failed_first_rows(tmp_path: Path) -> None:
    rows = own_output_rows(failed_first=3)
    rows[3]["generations"] = [None, "b3"]  # one of two generations failed
    rows[3]["rating"] = [None, 4.0]
    write_jsonl(tmp_path / "data.jsonl", rows)
    result = distil(
        "binarize", "data.jsonl", "--output", "pairs", "--format", "jsonl", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    pairs = [json.loads(line) for line in (tmp_path / "pairs" / "data.jsonl").open()]
    chosen = {p["prompt"]: p["chosen"][-1]["content"] for p in pairs}
    rejected = {p["prompt"]: p["rejected"][-1]["content"] for p in pairs}
    assert chosen == {"q4": "a4", "q5": "b5"}  # the pyarrow reader shifted these values
    assert rejected == {"q4": "b4", "q5": "a5"}


# --------------------------------------------------------------------- 16: lines and rows


def test_unterminated_string_is_a_json_syntax_error_with_file_and_line(
    tmp_path: Path, server
) -> None:
    (tmp_path / "data.jsonl").write_text(
        '{"input": "a"}\n\n{"input": "b}\n{"input": "c"}\n', encoding="utf-8"
    )
    write_spec(tmp_path, server.base_url)
    result = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
    err = assert_one_clear_error(result, 2, "data.jsonl, line 3", "JSON syntax error")
    assert "Unterminated string" in err and "Invalid encoding" not in err
    assert "row 0" not in err and sum(server.counts.values()) == 0


def test_first_line_error_is_found_by_validate(tmp_path: Path, server) -> None:
    (tmp_path / "data.jsonl").write_text('{"input": "b}\n', encoding="utf-8")
    write_spec(tmp_path, server.base_url)
    result = distil("validate", "spec.yaml", cwd=tmp_path)
    assert_one_clear_error(result, 2, "data.jsonl, line 1", "Unterminated string")


@pytest.mark.parametrize("text", ["", "\n\n  \n"], ids=["empty", "blank-lines"])
@pytest.mark.parametrize("command", ["run", "binarize"])
def test_empty_jsonl_says_no_rows(tmp_path: Path, server, text: str, command: str) -> None:
    (tmp_path / "data.jsonl").write_text(text, encoding="utf-8")
    write_spec(tmp_path, server.base_url)
    args = ("run", "spec.yaml") if command == "run" else ("binarize", "data.jsonl")
    assert_one_clear_error(distil(*args, cwd=tmp_path), 2, "data.jsonl: no rows")


def test_column_with_two_types_names_line_and_column(tmp_path: Path, server) -> None:
    write_jsonl(tmp_path / "data.jsonl", [{"input": "a", "n": None}, {"input": 7}])
    write_spec(tmp_path, server.base_url)
    result = distil("run", "spec.yaml", cwd=tmp_path)
    assert_one_clear_error(result, 2, "data.jsonl, line 2: column 'input' holds number")


def test_csv_row_with_extra_values_names_its_line(tmp_path: Path, server) -> None:
    (tmp_path / "data.csv").write_text('input,id\n"a\nb",1\n\nc,2,3\n', encoding="utf-8")
    write_spec(tmp_path, server.base_url, input="data.csv")
    result = distil("run", "spec.yaml", cwd=tmp_path)
    assert_one_clear_error(result, 2, "data.csv, line 5", "expected 2 columns", "got 3")


def test_csv_with_only_a_header_says_no_rows(tmp_path: Path, server) -> None:
    (tmp_path / "data.csv").write_text("input,id\n", encoding="utf-8")
    write_spec(tmp_path, server.base_url, input="data.csv")
    assert_one_clear_error(distil("run", "spec.yaml", cwd=tmp_path), 2, "data.csv: no rows")


def test_csv_header_with_a_column_twice_is_named(tmp_path: Path, server) -> None:
    (tmp_path / "data.csv").write_text("input,input\na,b\n", encoding="utf-8")
    write_spec(tmp_path, server.base_url, input="data.csv")
    result = distil("run", "spec.yaml", cwd=tmp_path)
    assert_one_clear_error(result, 2, "data.csv, line 1: column 'input' appears twice")


# --------------------------------------------------------------------- 14: rename clash


@pytest.mark.parametrize("command", ["validate", "run"])
def test_rename_onto_an_existing_column_names_both(tmp_path: Path, server, command) -> None:
    write_jsonl(tmp_path / "data.jsonl", [{"input": "old", "question": "new"}])
    write_spec(tmp_path, server.base_url, rename="{question: input}")
    result = distil(command, "spec.yaml", cwd=tmp_path)
    assert_one_clear_error(result, 2, "input.rename", "'question'", "'input'", "clashes")
    assert not (tmp_path / "out").exists()


def test_rename_that_swaps_columns_is_fine(tmp_path: Path, server) -> None:
    write_jsonl(tmp_path / "data.jsonl", [{"input": "old", "question": "new"}])
    write_spec(tmp_path, server.base_url, rename="{question: input, input: question}")
    assert distil("run", "spec.yaml", "--no-progress", cwd=tmp_path).returncode == 0
    out = CustomDataset.load_from_disk(tmp_path / "out" / "run")
    assert out["input"] == ["new"] and out["question"] == ["old"]


# --------------------------------------------------------------------- 14: Hub push


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def saved_dataset(tmp_path: Path) -> Path:
    data = Dataset.from_dict({"input": ["a?"], "generations": [["x", "y"]], "rating": [[4, 2]]})
    CustomDataset.from_dataset(data, UltraFeedbackTask()).save_to_disk(tmp_path / "ds")
    return tmp_path / "ds"


@pytest.mark.parametrize(
    ("repo", "token", "reason"),
    [
        ("tester/x", "hf_wrong", "401: Invalid credentials in Authorization header"),
        ("someone-else/x", None, "403: You don't have the rights to create a repo"),
    ],
    ids=["bad-token", "repo-not-writable"],
)
def test_refused_push_hub_is_one_line_with_the_servers_reason(
    tmp_path: Path, hub_server: HubServer, repo: str, token: str | None, reason: str
) -> None:
    saved_dataset(tmp_path)
    env = hub_env(hub_server, tmp_path / "home", token)
    result = distil("push-hub", "ds", repo, env=env, cwd=tmp_path)
    err = assert_one_clear_error(result, 1, f"pushing to the Hub repo {repo!r} failed", reason)
    assert err.count("\n") == 1


def test_push_hub_to_an_unreachable_hub(tmp_path: Path) -> None:
    saved_dataset(tmp_path)
    url = f"http://127.0.0.1:{free_port()}"
    env = hub_env(url, tmp_path / "home", token="hf_any")
    result = distil("push-hub", "ds", "tester/x", env=env, cwd=tmp_path)
    err = assert_one_clear_error(result, 1, "'tester/x' failed", f"cannot reach the Hub at {url}")
    assert err.count("\n") == 1


def test_run_with_a_refused_hub_push_exits_1_and_keeps_the_output(
    tmp_path: Path, hub_server: HubServer, server
) -> None:
    write_jsonl(tmp_path / "data.jsonl", [{"input": "q"}])
    write_spec(tmp_path, server.base_url, output=", hub: {repo_id: someone-else/x}")
    env = hub_env(hub_server, tmp_path / "home")
    result = distil("run", "spec.yaml", "--no-progress", env=env, cwd=tmp_path)
    assert_one_clear_error(result, 1, "'someone-else/x' failed", "403", "rights")
    assert CustomDataset.load_from_disk(tmp_path / "out" / "run")["input"] == ["q"]


# --------------------------------------------------------------------- 14: Argilla


@pytest.fixture
def not_argilla() -> Iterator[str]:
    """An HTTP server that is not Argilla (answers 404 pages)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_unreachable_argilla_is_reported_before_the_vector_model_loads(tmp_path: Path) -> None:
    saved_dataset(tmp_path)
    (tmp_path / "broken-model").mkdir()  # loading it would fail: it must never be tried
    url = f"http://127.0.0.1:{free_port()}"
    args = ["push-argilla", "ds", "--name", "n", "--workspace", "w", "--api-key", "k"]
    result = distil(*args, "--api-url", url, "--vector-model", "broken-model", cwd=tmp_path)
    err = assert_one_clear_error(result, 2, f"cannot reach Argilla at {url}")
    assert "vector model" not in err and err.count("\n") == 1


def test_a_server_that_is_not_argilla_is_one_line(tmp_path: Path, not_argilla: str) -> None:
    saved_dataset(tmp_path)
    args = ["push-argilla", "ds", "--name", "n", "--workspace", "w", "--api-key", "k"]
    result = distil(*args, "--api-url", not_argilla, "--no-vectors", cwd=tmp_path)
    err = assert_one_clear_error(result, 2, f"{not_argilla} does not answer like an Argilla")
    assert err.count("\n") == 1 and "<html" not in err.lower()


def test_run_with_an_unreachable_argilla_keeps_the_output(tmp_path: Path, server) -> None:
    write_jsonl(tmp_path / "data.jsonl", [{"input": "q"}])
    url = f"http://127.0.0.1:{free_port()}"
    argilla = f", argilla: {{name: n, workspace: w, api_url: '{url}', api_key: k}}"
    write_spec(tmp_path, server.base_url, output=argilla)
    result = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
    assert_one_clear_error(result, 2, f"cannot reach Argilla at {url}", "push-argilla out/run")
    assert "Loading weights" not in result.stderr  # no embedding model was loaded first
    assert CustomDataset.load_from_disk(tmp_path / "out" / "run")["input"] == ["q"]
