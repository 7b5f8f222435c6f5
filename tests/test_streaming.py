"""The streaming engine and output (issue #11, part 1): rows are read in Arrow batches,
processed in a bounded window, and written in input order as Arrow batches, so memory does
not grow with the dataset. The memory figures themselves are in bench/bench_memory.py."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from datasets import Dataset, Features, List, Value, load_from_disk

from distilabel_cli.dataset.io import row_sink
from distilabel_cli.dataset.io.row_sink import FolderSink, MemorySink
from distilabel_cli.dataset.io.row_source import iter_rows
from distilabel_cli.llms.scripted import Request, ScriptedLLM
from distilabel_cli.pipeline.engine import REORDER_ROWS_PER_SLOT, Engine
from distilabel_cli.tasks import TextGenerationTask

FEATURES = Features({"input": Value("string"), "generations": List(Value("string"))})


def test_rows_are_emitted_in_order_and_a_slow_row_bounds_what_waits() -> None:
    """Row 0 is held until 63 later rows have been asked: no row past the reorder window is
    asked before row 0 is answered, and every row comes out in input order."""
    events: list[tuple[str, int]] = []
    release = asyncio.Event()
    window = 8 * REORDER_ROWS_PER_SLOT  # concurrency 2 -> 8 rows in flight

    async def answer(request: Request) -> str:
        index = int(request.text)
        events.append(("ask", index))
        if index == 0:
            await release.wait()
        elif sum(kind == "ask" for kind, _ in events) == window:
            events.append(("release", 0))
            release.set()
        return f"a{index}"

    engine = Engine(ScriptedLLM(task=TextGenerationTask(), answer=answer, concurrency=2), None)
    emitted: list[int] = []
    rows = ((i, {"input": str(i)}) for i in range(300))

    def emit(index: int, row: dict, columns: dict) -> None:
        assert columns["generations"] == [f"a{row['input']}"]
        emitted.append(index)

    asyncio.run(engine.stream(rows, lambda _i, _r: None, emit))
    assert emitted == list(range(300))
    released_at = events.index(("release", 0))
    asked_before = {i for kind, i in events[:released_at] if kind == "ask"}
    assert max(asked_before) == window - 1  # the window was full, and no further
    assert len(asked_before) == window


def test_iter_rows_reads_in_batches_as_to_list_does() -> None:
    dataset = Dataset.from_dict({"input": [f"q{i}" for i in range(2500)], "n": list(range(2500))})
    rows = list(iter_rows(dataset, batch_rows=1000))
    assert rows == list(enumerate(dataset.to_list()))
    picked = list(iter_rows(dataset.select(range(10, 2500)), [0, 5, 1999], batch_rows=2))
    assert picked == [
        (0, {"input": "q10", "n": 10}),
        (5, {"input": "q15", "n": 15}),
        (1999, {"input": "q2009", "n": 2009}),
    ]


def rows(count: int) -> list[dict]:
    return [
        {"input": f"question {i} ü", "generations": [f"answer {i}", None]} for i in range(count)
    ]


def test_folder_sink_writes_the_save_to_disk_layout_and_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several data files (a small file limit here), opened by datasets' own loader in order;
    the jsonl and parquet exports equal what datasets writes for the same data."""
    monkeypatch.setattr(row_sink, "MAX_FILE_BYTES", 20_000)
    target = tmp_path / "out"
    sink = FolderSink(FEATURES, target, ("jsonl", "parquet"))
    for row in rows(2500):
        sink.add(row)
    assert sink.staging.is_dir() and not target.exists()  # nothing at the output until done
    result = sink.finish(run_info={"report": {"rows": 2500}})
    assert not sink.staging.exists()
    data_files = sorted(p.name for p in target.glob("data-*.arrow"))
    assert len(data_files) > 1 and data_files[-1].endswith(f"-of-{len(data_files):05d}.arrow")
    loaded = load_from_disk(str(target))
    assert loaded.to_list() == rows(2500) == result.to_list()
    assert loaded.features == FEATURES
    assert json.loads((target / "distil-run.json").read_text()) == {"report": {"rows": 2500}}
    reference = tmp_path / "reference"
    reference.mkdir()
    expected = Dataset.from_list(rows(2500), features=FEATURES)
    expected.to_json(str(reference / "data.jsonl"), lines=True, force_ascii=False)
    expected.to_parquet(str(reference / "data.parquet"))
    assert (target / "data.jsonl").read_bytes() == (reference / "data.jsonl").read_bytes()
    parquet = Dataset.from_parquet(str(target / "data.parquet"))
    assert parquet.to_list() == expected.to_list() and parquet.features == FEATURES


def test_an_empty_run_writes_an_empty_dataset(tmp_path: Path) -> None:
    result = FolderSink(FEATURES, tmp_path / "out").finish()
    assert len(result) == 0 and load_from_disk(str(tmp_path / "out")).features == FEATURES
    assert len(MemorySink(FEATURES).finish()) == 0


def test_staging_left_by_a_dead_run_is_removed_and_nothing_else(tmp_path: Path) -> None:
    """A killed run leaves its staging folder; the next run removes it (its marker names a
    process that is gone), but never a folder without the marker, nor a live run's."""
    stale = tmp_path / ".out.distil-old"
    stale.mkdir()
    (stale / row_sink.STAGING_MARKER).write_text("999999999")
    live = tmp_path / ".out.distil-live"
    live.mkdir()
    (live / row_sink.STAGING_MARKER).write_text(str(os.getpid()))
    foreign = tmp_path / ".out.distil-mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    sink = FolderSink(FEATURES, tmp_path / "out")
    assert not stale.exists() and live.is_dir() and (foreign / "notes.txt").is_file()
    sink.discard()
    assert not sink.staging.exists()


def test_jsonl_read_block_by_block_falls_back_when_a_later_block_changes_a_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pyarrow infers types from the first block; a number that turns fractional in a later
    block makes the file go through the Python reader, which sees every value."""
    from distilabel_cli.dataset.io import readers

    monkeypatch.setattr(readers, "JSONL_BLOCK_BYTES", 64)
    path = tmp_path / "in.jsonl"
    lines = [{"input": f"q{i}", "score": i} for i in range(50)] + [{"input": "q", "score": 0.5}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    table = readers.read_jsonl(path)
    assert table.to_pylist() == lines
    path.write_text("".join(json.dumps(line) + "\n" for line in lines[:50]))
    assert readers.read_jsonl(path).to_pylist() == lines[:50]  # the streaming reader
