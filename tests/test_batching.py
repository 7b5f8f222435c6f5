"""The micro-batcher: concurrent submissions become batches; results go back to their callers."""

from __future__ import annotations

import asyncio
import threading

import pytest

from distilabel_cli.llms.batching import MicroBatcher


class RecordingBatchFn:
    """A batch function double: records each batch and the thread it ran in."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self.threads: set[str] = set()
        self.fail_on = fail_on

    def __call__(self, items: list[str]) -> list[str]:
        self.batches.append(list(items))
        self.threads.add(threading.current_thread().name)
        if self.fail_on in items:
            raise RuntimeError(f"boom on {self.fail_on}")
        return [item.upper() for item in items]


def test_concurrent_submissions_form_full_batches_and_results_keep_their_callers() -> None:
    fn = RecordingBatchFn()
    batcher = MicroBatcher(fn, max_batch_size=4)

    async def main() -> list[str]:
        return await asyncio.gather(*(batcher.submit(f"item{i}") for i in range(10)))

    results = asyncio.run(main())
    batcher.close()
    assert results == [f"ITEM{i}" for i in range(10)]
    assert batcher.batch_sizes == [4, 4, 2]
    assert [len(b) for b in fn.batches] == [4, 4, 2]
    assert fn.batches[0] == ["item0", "item1", "item2", "item3"]  # submission order
    assert threading.current_thread().name not in fn.threads  # ran off the event loop


def test_a_lone_request_is_not_held_back_waiting_for_a_full_batch() -> None:
    fn = RecordingBatchFn()
    batcher = MicroBatcher(fn, max_batch_size=64)

    async def main() -> str:
        return await asyncio.wait_for(batcher.submit("solo"), timeout=30)

    assert asyncio.run(main()) == "SOLO"
    assert batcher.batch_sizes == [1]
    batcher.close()


def test_items_arriving_while_a_batch_runs_form_the_next_batch() -> None:
    gate = threading.Event()
    started = threading.Event()
    batches: list[list[int]] = []

    def slow(items: list[int]) -> list[int]:
        batches.append(list(items))
        if len(batches) == 1:
            started.set()
            assert gate.wait(timeout=30)
        return [i * 10 for i in items]

    batcher = MicroBatcher(slow, max_batch_size=8)

    async def main() -> list[int]:
        first = asyncio.ensure_future(batcher.submit(1))
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 30)
        later = [asyncio.ensure_future(batcher.submit(i)) for i in (2, 3, 4)]
        await asyncio.sleep(0)  # let them queue behind the running batch
        gate.set()
        return await asyncio.gather(first, *later)

    assert asyncio.run(main()) == [10, 20, 30, 40]
    assert batches == [[1], [2, 3, 4]]
    batcher.close()


def test_a_failing_batch_fails_only_its_own_callers() -> None:
    fn = RecordingBatchFn(fail_on="bad")
    batcher = MicroBatcher(fn, max_batch_size=2)

    async def main() -> list[object]:
        items = ["a", "bad", "c", "d"]
        return await asyncio.gather(*(batcher.submit(i) for i in items), return_exceptions=True)

    results = asyncio.run(main())
    batcher.close()
    assert isinstance(results[0], RuntimeError) and isinstance(results[1], RuntimeError)
    assert "boom on bad" in str(results[1])
    assert results[2:] == ["C", "D"]


def test_a_wrong_number_of_results_is_an_error_not_a_misrouted_answer() -> None:
    batcher = MicroBatcher(lambda items: items[:-1], max_batch_size=3)

    async def main() -> list[object]:
        return await asyncio.gather(*(batcher.submit(i) for i in range(3)), return_exceptions=True)

    results = asyncio.run(main())
    batcher.close()
    assert all(isinstance(r, RuntimeError) and "2 results for 3 items" in str(r) for r in results)


def test_the_batcher_works_again_in_a_new_event_loop() -> None:
    fn = RecordingBatchFn()
    batcher = MicroBatcher(fn, max_batch_size=2)
    for run in range(2):
        batcher.reset_loop_state()

        async def main(run: int = run) -> list[str]:
            return await asyncio.gather(*(batcher.submit(f"r{run}-{i}") for i in range(3)))

        assert asyncio.run(main()) == [f"R{run}-{i}" for i in range(3)]
    batcher.close()
    assert batcher.batch_sizes == [2, 1, 2, 1]


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        MicroBatcher(lambda items: items, max_batch_size=0)
