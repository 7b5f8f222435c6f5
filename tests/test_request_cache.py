"""The request cache (issue #13): an answer paid for once is not paid for again when the spec
changes, and a cached answer is never given for another request.

Each run is a real `distil run` talking real HTTP to `RecordingServer`, a deterministic
OpenAI-compatible test server that records every request (prompt, n, judge or not), so what
is asked is counted where the money is spent. Every test has its own empty cache
(`own_request_cache` in conftest.py sets DISTIL_CACHE_DIR).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from cli_helpers import distil
from counting_server import CountingServer

from distilabel_cli.dataset.custom_dataset import CustomDataset
from distilabel_cli.llms.request_cache import CACHE_FILE, RequestCache
from distilabel_cli.llms.scripted import ScriptedLLM
from distilabel_cli.pipeline import Pipeline
from distilabel_cli.tasks import TextGenerationTask

ROWS = 12
SPEC = """\
input: {{path: data.jsonl}}
generator:
  llm: {{type: openai, model: {writer}, base_url: "{url}", concurrency: 4, temperature: {temp}}}
  task: {{type: text-generation}}
labeller:
  llm: {{type: openai, model: {judge}, base_url: "{url}", concurrency: 4}}
  task: {{type: ultrafeedback, aspect: {aspect}}}
run: {{num_generations: {n}}}
output: {{path: out/data}}
"""


class RecordingServer(CountingServer):
    """Answers like `CountingServer`; a prompt with "volatile" in it is answered differently
    at each temperature. `asked` records (prompt, n, judge?) per request."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int, bool]] = []
        super().__init__()

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        prompt = body["messages"][-1]["content"]
        judge = body.get("response_format") is not None
        with self.lock:
            self.asked.append((prompt, body.get("n") or 1, judge))
        answer = super().answer(body)
        if "volatile" in prompt and not judge:
            for choice in answer["choices"]:
                choice["message"]["content"] += f" at {body['temperature']}"
        return answer

    def generations(self) -> int:
        return sum(n for _prompt, n, judge in self.asked if not judge)

    def judgements(self) -> int:
        return sum(judge for _prompt, _n, judge in self.asked)

    def reset(self) -> None:
        with self.lock:
            self.asked.clear()


def setup(folder: Path, url: str, **values: Any) -> None:
    inputs = [f"question {i}" + (" volatile" if i % 3 == 0 else "") for i in range(ROWS)]
    (folder / "data.jsonl").write_text("".join(f'{{"input": "{q}"}}\n' for q in inputs))
    write_spec(folder, url, **values)


def write_spec(folder: Path, url: str, **values: Any) -> None:
    spec = {"writer": "writer", "judge": "judge", "temp": 0.7, "aspect": "helpfulness", "n": 2}
    (folder / "spec.yaml").write_text(SPEC.format(url=url, **{**spec, **values}))


def run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    result = distil("run", "spec.yaml", "--no-progress", *args, cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def rows(folder: Path) -> list[dict[str, Any]]:
    return CustomDataset.load_from_disk(folder / "out" / "data").to_list()


def test_changing_only_the_labeller_sends_no_generation_request(tmp_path: Path) -> None:
    with RecordingServer() as server:
        setup(tmp_path, server.base_url)
        run(tmp_path)
        first = rows(tmp_path)
        assert server.generations() == 2 * ROWS and server.judgements() == ROWS
        server.reset()
        write_spec(tmp_path, server.base_url, aspect="honesty", judge="judge-2")
        refused = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
        assert refused.returncode == 2 and "request cache" in refused.stderr
        result = run(tmp_path, "--fresh")
        assert server.generations() == 0  # every generation came from the cache
        assert server.judgements() == ROWS  # a new judge and prompt: every judgement asked
    again = rows(tmp_path)
    assert [r["generations"] for r in again] == [r["generations"] for r in first]
    assert {r["labelling_model"] for r in again} == {"judge-2"}
    assert f"{2 * ROWS} answers from the request cache" in result.stdout


def test_a_new_generator_temperature_asks_every_generation_and_judges_only_what_changed(
    tmp_path: Path,
) -> None:
    volatile = sum(1 for i in range(ROWS) if i % 3 == 0)
    with RecordingServer() as server:
        setup(tmp_path, server.base_url)
        run(tmp_path)
        server.reset()
        write_spec(tmp_path, server.base_url, temp=0.2)
        run(tmp_path, "--fresh")
        assert server.generations() == 2 * ROWS
        judged = [prompt for prompt, _n, judge in server.asked if judge]
        assert len(judged) == volatile and all("volatile" in p for p in judged)
    changed = [r for r in rows(tmp_path) if "volatile" in r["input"]]
    assert all(g.endswith("at 0.2") for r in changed for g in r["generations"])


def test_an_identical_rerun_sends_nothing(tmp_path: Path) -> None:
    with RecordingServer() as server:
        setup(tmp_path, server.base_url)
        run(tmp_path, "--no-cache")
        assert (tmp_path / "out" / "data").is_dir()
        run(tmp_path, "--fresh")  # --no-cache stored nothing: this run asks and stores
        first = rows(tmp_path)
        server.reset()
        result = run(tmp_path, "--fresh")
        assert server.asked == []
    assert rows(tmp_path) == first
    assert f"{3 * ROWS} answers from the request cache" in result.stdout


def test_more_generations_ask_only_for_the_new_samples(tmp_path: Path) -> None:
    with RecordingServer() as server:
        setup(tmp_path, server.base_url)
        run(tmp_path)
        first = rows(tmp_path)
        server.reset()
        write_spec(tmp_path, server.base_url, n=4)
        run(tmp_path, "--fresh")
        generation_requests = [(p, n) for p, n, judge in server.asked if not judge]
        assert len(generation_requests) == ROWS and {n for _p, n in generation_requests} == {2}
    again = rows(tmp_path)
    assert [r["generations"][:2] for r in again] == [r["generations"] for r in first]
    assert all(len(r["generations"]) == 4 for r in again)


def test_a_cached_answer_is_never_given_for_another_request(tmp_path: Path) -> None:
    """The key covers backend, model, decisive options, prompt, schema and sample index."""
    base = ScriptedLLM(task=TextGenerationTask(), name="m")
    key = RequestCache.key
    prompt = [{"role": "user", "content": "q"}]
    reference = key(base, prompt, None, 0)
    others = [
        key(ScriptedLLM(task=TextGenerationTask(), name="m2"), prompt, None, 0),
        key(ScriptedLLM(task=TextGenerationTask(), name="m", temperature=0.1), prompt, None, 0),
        key(
            ScriptedLLM(task=TextGenerationTask(), name="m", max_new_tokens=9),
            prompt,
            None,
            0,
        ),
        key(base, [{"role": "user", "content": "q2"}], None, 0),
        key(base, prompt, {"type": "object"}, 0),
        key(base, prompt, None, 1),
    ]
    assert reference == key(ScriptedLLM(task=TextGenerationTask(), name="m"), prompt, None, 0)
    assert len({reference, *others}) == 1 + len(others)
    not_decisive = ScriptedLLM(task=TextGenerationTask(), name="m", concurrency=9)
    assert key(not_decisive, prompt, None, 0) == reference


def test_the_python_api_takes_a_cache(tmp_path: Path) -> None:
    from datasets import Dataset

    dataset = Dataset.from_dict({"input": ["a", "b"]})
    first = ScriptedLLM(task=TextGenerationTask(), answer=lambda r: f"x-{r.text}")
    Pipeline(generator=first).generate(dataset, cache=tmp_path / "cache")
    second = ScriptedLLM(task=TextGenerationTask(), answer=lambda r: f"y-{r.text}")
    pipeline = Pipeline(generator=second)
    result = pipeline.generate(dataset, cache=tmp_path / "cache")
    assert second.requests == [] and result["generations"] == [["x-a"], ["x-b"]]
    assert pipeline.last_report.cache_hits == 2


def test_two_runs_share_the_cache_at_the_same_time(tmp_path: Path) -> None:
    """Two different specs run at once on one cache; both finish, the cache is sound, and a
    rerun of each is answered from it."""
    folders = [tmp_path / "a", tmp_path / "b"]
    with RecordingServer() as server:
        server.delay = 0.002
        for number, folder in enumerate(folders):
            folder.mkdir()
            setup(folder, server.base_url, writer=f"writer-{number}")
        command = [sys.executable, "-m", "distilabel_cli", "run", "spec.yaml", "--no-progress"]
        runs = [
            subprocess.Popen(command, cwd=f, stderr=subprocess.PIPE, text=True) for f in folders
        ]
        for process in runs:
            assert process.wait(timeout=300) == 0, process.stderr.read() if process.stderr else ""
        cache_file = Path(server_cache_dir()) / CACHE_FILE
        with sqlite3.connect(cache_file) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            # per spec: 12 rows x 2 samples + 12 judgements; judge prompts may coincide
            assert db.execute("SELECT COUNT(*) FROM answers").fetchone()[0] >= 2 * 3 * ROWS - ROWS
        server.reset()
        for folder in folders:
            run(folder, "--fresh")
        assert server.asked == []


def server_cache_dir() -> str:
    import os

    return os.environ["DISTIL_CACHE_DIR"]


def test_lookups_of_one_loop_turn_share_one_select(tmp_path: Path) -> None:
    """Concurrent lookups are answered by one SELECT (counted with SQLite's trace hook), find
    what was stored, also before it reached the file, and nothing else."""
    import asyncio

    from distilabel_cli.llms.base import Completion

    cache = RequestCache(tmp_path)
    keys = [bytes([n]) * 20 for n in range(50)]
    cache.put([(keys[0], Completion(text="zero")), (keys[1], Completion(text=None, error="x"))])
    cache.commit()  # in the file
    cache.put([(keys[2], Completion(text="two"))])  # only in memory so far
    selects: list[str] = []
    cache._db.set_trace_callback(lambda sql: selects.append(sql) if "SELECT" in sql else None)

    async def look_up_all() -> list[dict[bytes, Completion]]:
        return await asyncio.gather(*(cache.lookup([key]) for key in keys))

    found = asyncio.run(look_up_all())
    cache.close()
    assert len(selects) == 1
    assert [k for answers in found for k in answers] == [keys[0], keys[2]]
    assert found[0][keys[0]].text == "zero" and found[0][keys[0]].cached
    assert found[2][keys[2]].text == "two"
    assert cache.stats.hits == 2 and cache.stats.misses == 48


def test_a_cache_file_of_the_first_layout_is_still_read_and_written(tmp_path: Path) -> None:
    """Files made before the rowid layout (`WITHOUT ROWID`) keep working unchanged."""
    from distilabel_cli.llms.base import Completion

    with sqlite3.connect(tmp_path / CACHE_FILE) as db:
        db.execute(
            "CREATE TABLE answers (key BLOB PRIMARY KEY, value BLOB NOT NULL, "
            "created REAL NOT NULL) WITHOUT ROWID"
        )
        db.execute(
            "INSERT INTO answers VALUES (?, ?, 0)", (b"k" * 20, b'{"text": "old", "model": "m"}')
        )
    cache = RequestCache(tmp_path)
    cache.put([(b"n" * 20, Completion(text="new"))])
    cache.close()
    reopened = RequestCache(tmp_path)
    found = reopened.get([b"k" * 20, b"n" * 20])
    reopened.close()
    assert {key: c.text for key, c in found.items()} == {b"k" * 20: "old", b"n" * 20: "new"}


def test_the_cache_works_from_code_that_already_runs_an_event_loop(tmp_path: Path) -> None:
    """In a notebook the run's loop runs in a helper thread, not the one that opened the
    cache: the second run is still answered from it."""
    import asyncio

    from datasets import Dataset

    dataset = Dataset.from_dict({"input": ["a", "b"]})

    async def notebook_cell(answer: str) -> Pipeline:
        llm = ScriptedLLM(task=TextGenerationTask(), answer=answer)
        pipeline = Pipeline(generator=llm)
        pipeline.generate(dataset, cache=tmp_path / "cache")
        return pipeline

    asyncio.run(notebook_cell("first"))
    second = asyncio.run(notebook_cell("second"))
    assert second.last_report.cache_hits == 2
    assert second.generator.requests == []
