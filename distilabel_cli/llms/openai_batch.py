"""openai-batch backend: a stage's requests go through OpenAI's Batch API (half the price).

`agenerate` is the normal async call: each request becomes one line of a batch input file,
named by a `custom_id` made from its content (the request cache's key), and waits for its
answer. A collector sends a file when `batch_max_requests` (or 200 MB) is reached or
`batch_window_seconds` after its first request; the batch is polled with backoff, its output
and error files downloaded, and answers handed back by `custom_id`. Failed or expired lines
go into a new batch (or online with `online_fallback`). Every file and batch id is recorded
in a state folder as soon as it exists (`batch_state.py`): a rerun re-attaches to pending
batches and reads downloaded results from disk, so nothing is sent or paid twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from distilabel_cli.llms.base import Completion
from distilabel_cli.llms.batch_calls import call_api, leave_or_cancel
from distilabel_cli.llms.batch_files import (
    MAX_FILE_BYTES,
    MAX_FILE_REQUESTS,
    LineResult,
    RequestLine,
    completions_of,
    pack,
    read_result,
    request_line,
)
from distilabel_cli.llms.batch_state import TERMINAL, BatchState
from distilabel_cli.llms.openai import OpenAILLM
from distilabel_cli.llms.options import option
from distilabel_cli.llms.request_cache import RequestCache, default_cache_dir
from distilabel_cli.llms.structured import response_format
from distilabel_cli.notice import notice
from distilabel_cli.prompt_types import FormattedPrompt
from distilabel_cli.redact import redact

log = logging.getLogger("distilabel_cli.batch")

T = TypeVar("T")
#: The longest wait between two status checks of a batch.
MAX_POLL_SECONDS = 300.0
#: Requests in flight at once when failed batch items are sent online.
ONLINE_FALLBACK_CONCURRENCY = 8


def default_state_folder() -> Path:
    """Where batch ids are kept when the run names no folder: beside the request cache."""
    return default_cache_dir() / "batches"


@dataclass
class Waiting:
    """A request waiting for its answer; `file_id`: the input file it was sent in."""

    line: RequestLine
    future: asyncio.Future[list[Completion]]
    file_id: str | None = None
    attempts: int = 0


@dataclass(kw_only=True)
class OpenAIBatchLLM(OpenAILLM):
    """OpenAI's Batch API: the stage's requests in batch files, half the price, answers
    within 24 hours; re-attaches to its batches after a crash (same options as `openai`).

    Answers share the request cache and the resume fingerprint with `type: openai`
    (`backend_name`), so a run may switch between online and batch mode.
    """

    backend_name: ClassVar[str] = "OpenAILLM"
    #: Batch API answers cost half the online price (for the run's cost).
    batch_api: ClassVar[bool] = True
    concurrency: int = option(
        50_000, gt=0, description="Requests waiting for batches at once (the rows in flight)."
    )
    batch_window_seconds: float = option(
        10.0, gt=0, description="Seconds a batch file collects requests before it is sent."
    )
    batch_max_requests: int = option(
        MAX_FILE_REQUESTS, gt=0, le=MAX_FILE_REQUESTS, description="Requests per batch file."
    )
    batch_poll_seconds: float = option(
        30.0, gt=0, description="First wait between status checks of a batch (grows to 5 min)."
    )
    online_fallback: bool = option(
        False,
        description="Send items a batch failed or let expire online (full price) instead of "
        "in a new batch.",
    )
    #: Where `batches.jsonl` is kept (the run's checkpoint folder); None: `default_state_folder()`.
    state_folder: Path | None = None
    _state: BatchState | None = field(default=None, init=False, repr=False)
    _batch_client: Any = field(default=None, init=False, repr=False)
    _waiting: dict[str, Waiting] = field(default_factory=dict, init=False, repr=False)
    _queue: list[RequestLine] = field(default_factory=list, init=False, repr=False)
    _queued_bytes: int = field(default=0, init=False, repr=False)
    _full: asyncio.Event | None = field(default=None, init=False, repr=False)
    _flusher: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _active: dict[str, asyncio.Task[None]] = field(default_factory=dict, init=False, repr=False)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, init=False, repr=False)
    _results: dict[str, dict[str, Any]] = field(default_factory=dict, init=False, repr=False)
    _online_gate: asyncio.Semaphore | None = field(default=None, init=False, repr=False)

    def use_state_folder(self, folder: Path | None) -> None:
        """Keep the batch ids in `folder` (the run's checkpoint); None: the default folder."""
        self.state_folder = folder
        self._state = None

    @property
    def state(self) -> BatchState:
        if self._state is None:
            self._state = BatchState(self.state_folder or default_state_folder())
        return self._state

    @property
    def server(self) -> str:
        """The server the batches live on (a batch is only re-attached on the same one)."""
        return self.base_url or "https://api.openai.com/v1"

    def sdk(self) -> Any:
        """The `openai` SDK client of the running event loop (no network call)."""
        if self._batch_client is None:
            from distilabel_cli.llms.openai_sdk import sdk_client

            self._batch_client = sdk_client(self)
        return self._batch_client

    def reset_loop_state(self) -> None:
        super().reset_loop_state()
        self._batch_client = None
        self._full = None
        self._flusher = None
        self._online_gate = None
        self._waiting.clear()
        self._queue.clear()
        self._queued_bytes = 0
        self._active.clear()
        self._tasks.clear()

    # --- requests -------------------------------------------------------------------------

    def request(
        self, prompt: FormattedPrompt, n: int, json_schema: dict[str, Any] | None
    ) -> RequestLine:
        """The batch line of one request; its custom_id is the request cache's key."""
        key = RequestCache.keys(self, prompt, json_schema, [0])[0].hex()
        custom_id = key if n == 1 else f"{key}-n{n}"
        body = self._params(n)
        if isinstance(prompt, list):
            endpoint = "/v1/chat/completions"
            body["messages"] = prompt
            if json_schema is not None and self._ladder.mode is not None:
                body["response_format"] = response_format(self._ladder.mode, json_schema)
        else:
            endpoint = "/v1/completions"
            body["prompt"] = prompt
        data = request_line(custom_id, endpoint, body)
        return RequestLine(custom_id, endpoint, data, prompt, n, json_schema)

    async def agenerate(
        self,
        prompt: FormattedPrompt,
        num_generations: int = 1,
        json_schema: dict[str, Any] | None = None,
    ) -> list[Completion]:
        line = self.request(prompt, num_generations, json_schema)
        waiting = self._waiting.get(line.custom_id)
        if waiting is None:  # the same request already waiting shares its answer
            future = asyncio.get_running_loop().create_future()
            waiting = self._waiting[line.custom_id] = Waiting(line, future)
            self._start(waiting)
        return list(await asyncio.shield(waiting.future))

    def _start(self, waiting: Waiting) -> None:
        """Answer from a downloaded batch, wait for a pending one, or queue a new line."""
        custom_id = waiting.line.custom_id
        record = self.state.holder(custom_id, self.server)
        batch = self.state.batches.get(record.batch_id or "") if record else None
        if record is not None and batch is None:  # uploaded, its batch never made
            waiting.file_id = record.file_id
            self._ensure(record.file_id, lambda: self._adopt(record.file_id, record.endpoint))
            return
        if batch is not None and batch.downloaded:
            result = read_result(self._batch_results(batch.batch_id).get(custom_id))
            if result.texts is not None:
                completions = completions_of(result, waiting.line.num_generations, True)
                for completion in completions:
                    self.usage.record_cache_hit(completion)
                self._resolve(waiting, completions)
                return
        elif batch is not None and not batch.lost:
            waiting.file_id = batch.file_id
            self._ensure(batch.batch_id, lambda: self._track(batch.batch_id))
            return
        self.usage.requests += 1
        self._enqueue(waiting.line)

    def _enqueue(self, line: RequestLine) -> None:
        self._queue.append(line)
        self._queued_bytes += len(line.data)
        if self._full is None:
            self._full = asyncio.Event()
        if len(self._queue) >= self.batch_max_requests or self._queued_bytes >= MAX_FILE_BYTES:
            self._full.set()
        if self._flusher is None or self._flusher.done():
            self._flusher = self._spawn(self._flush_loop(), [])

    async def _flush_loop(self) -> None:
        """Send the queue as batch files when full or after `batch_window_seconds`."""
        assert self._full is not None
        while self._queue:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self.batch_window_seconds)
            self._full.clear()
            lines, self._queue, self._queued_bytes = self._queue, [], 0
            for endpoint in dict.fromkeys(line.endpoint for line in lines):
                group = [line for line in lines if line.endpoint == endpoint]
                for part in pack(group, self.batch_max_requests, MAX_FILE_BYTES):
                    self._spawn(self._submit(endpoint, part), [line.custom_id for line in part])

    # --- batches --------------------------------------------------------------------------

    async def _submit(self, endpoint: str, lines: list[RequestLine]) -> None:
        """Upload one input file, record it, make its batch and follow it."""
        data = b"".join(line.data for line in lines)
        upload = self.sdk().files.create
        uploaded = await self._api(
            lambda: upload(file=("distil-batch.jsonl", data, "application/jsonl"), purpose="batch")
        )
        custom_ids = [line.custom_id for line in lines]
        self.state.record(
            "uploaded",
            file=uploaded.id,
            base_url=self.server,
            endpoint=endpoint,
            custom_ids=custom_ids,
        )
        for custom_id in custom_ids:
            if custom_id in self._waiting:
                self._waiting[custom_id].file_id = uploaded.id
        await self._create(uploaded.id, endpoint)

    async def _adopt(self, file_id: str, endpoint: str) -> None:
        """Follow the batch of a file a killed run uploaded: the one the server already made
        from it (the kill came before it was recorded), else a new one."""
        listing = self.sdk().batches.list
        recent = await self._api(lambda: listing(limit=100))  # the newest first
        found = next((b for b in recent.data if b.input_file_id == file_id), None)
        if found is None:
            await self._create(file_id, endpoint)
            return
        self.state.record("created", batch=found.id, file=file_id)
        await self._follow(found)

    async def _create(self, file_id: str, endpoint: str) -> None:
        create = self.sdk().batches.create
        batch = await self._api(
            lambda: create(
                input_file_id=file_id,
                endpoint=endpoint,
                completion_window="24h",
                metadata={"created_by": "distil"},
            )
        )
        self.state.record("created", batch=batch.id, file=file_id)
        await self._follow(batch)

    async def _follow(self, batch: Any) -> None:
        current = asyncio.current_task()
        if current is not None:
            self._active[batch.id] = current  # followed here, not again
        self._note(batch)
        await self._track(batch.id)

    async def _track(self, batch_id: str) -> None:
        """Poll a batch (backoff) until it ends, download its results, answer its lines."""
        import openai

        retrieve = self.sdk().batches.retrieve
        delay = self.batch_poll_seconds
        while True:
            try:
                batch = await self._api(lambda: retrieve(batch_id))
            except openai.NotFoundError:
                self.state.record("lost", batch=batch_id)
                self._say(
                    f"batch {batch_id} is unknown to {self.server}: sending its requests again"
                )
                self._settle(batch_id)
                return
            self._note(batch)
            if batch.status in TERMINAL:
                break
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, max(MAX_POLL_SECONDS, self.batch_poll_seconds))
        if not self.state.batches[batch_id].downloaded:
            content = self.sdk().files.content
            lines = b""
            for file_id in (batch.output_file_id, batch.error_file_id):
                if file_id:
                    answer = await self._api(lambda file_id=file_id: content(file_id))
                    lines += answer.content.rstrip(b"\n") + b"\n"
            self.state.save_results(batch_id, lines)
        self._settle(batch_id)

    def _note(self, batch: Any) -> None:
        """Record a batch's status when it changed, and say so."""
        known = self.state.batches[batch.id]
        counts = batch.request_counts.model_dump() if batch.request_counts else {}
        if known.status == batch.status and known.counts == counts:
            return
        self.state.record(
            "status",
            batch=batch.id,
            status=batch.status,
            counts=counts,
            output_file=batch.output_file_id,
            error_file=batch.error_file_id,
        )
        done = f" {counts.get('completed', 0)}/{counts.get('total', 0)} done" if counts else ""
        failed = f", {counts['failed']} failed" if counts.get("failed") else ""
        self._say(f"batch {batch.id} ({self.model}): {batch.status}{done}{failed}")

    def _settle(self, batch_id: str) -> None:
        """Answer the waiting requests of a finished (or lost) batch."""
        record = self.state.batches[batch_id]
        results = {} if record.lost else self._batch_results(batch_id)
        for custom_id in self.state.files[record.file_id].custom_ids:
            waiting = self._waiting.get(custom_id)
            if waiting is not None and waiting.file_id == record.file_id:
                result = read_result(results.get(custom_id))
                if record.lost:
                    result.retry, waiting.attempts = True, waiting.attempts - 1
                self._answer(waiting, result)

    def _answer(self, waiting: Waiting, result: LineResult) -> None:
        n = waiting.line.num_generations
        if result.texts is not None:
            completions = completions_of(result, n, False)
            used = result.usage or {}
            self.usage.record_success(
                used.get("prompt_tokens") or 0, used.get("completion_tokens") or 0
            )
            self._resolve(waiting, completions)
        elif result.retry and waiting.attempts < self.max_retries:
            waiting.attempts += 1
            waiting.file_id = None
            self.usage.retries += 1
            if self.online_fallback:
                self._spawn(self._online(waiting), [waiting.line.custom_id])
            else:
                self._enqueue(waiting.line)
        else:
            error = redact(f"{self.model}: {result.error}")
            self.usage.record_failure(error)
            self._resolve(waiting, [Completion(text=None, error=error) for _ in range(n)])

    async def _online(self, waiting: Waiting) -> None:
        """Send a request the batches could not answer through the online API."""
        if self._online_gate is None:
            self._online_gate = asyncio.Semaphore(ONLINE_FALLBACK_CONCURRENCY)
        line = waiting.line
        async with self._online_gate:
            completions = await OpenAILLM.agenerate(
                self, line.prompt, line.num_generations, line.json_schema
            )
        self._resolve(waiting, completions)

    def _resolve(self, waiting: Waiting, completions: list[Completion]) -> None:
        self._waiting.pop(waiting.line.custom_id, None)
        if not waiting.future.done():
            waiting.future.set_result(completions)

    def _batch_results(self, batch_id: str) -> dict[str, Any]:
        if batch_id not in self._results:
            self._results[batch_id] = self.state.results(batch_id)
        return self._results[batch_id]

    # --- plumbing -------------------------------------------------------------------------

    def _ensure(self, key: str, make: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run `make()` once per file or batch id at a time."""
        task = self._active.get(key)
        if task is None or task.done():
            custom_ids = self.state.files[self._file_of(key)].custom_ids
            self._active[key] = self._spawn(make(), custom_ids)

    def _file_of(self, key: str) -> str:
        batch = self.state.batches.get(key)
        return batch.file_id if batch is not None else key

    def _spawn(
        self, coroutine: Coroutine[Any, Any, None], custom_ids: list[str]
    ) -> asyncio.Task[None]:
        """A background task; what stops it fails the requests it was serving."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._tasks.discard(finished)
            if finished.cancelled() or finished.exception() is None:
                return
            error = finished.exception()
            for custom_id in custom_ids:
                waiting = self._waiting.pop(custom_id, None)
                if waiting is not None and not waiting.future.done():
                    waiting.future.set_exception(error)  # type: ignore[arg-type]

        task.add_done_callback(done)
        return task

    async def _api(self, call: Callable[[], Awaitable[T]]) -> T:
        return await call_api(self, call)

    def _say(self, line: str) -> None:
        notice(log, line)

    async def aclose(self) -> None:
        """Stop following batches; batches still running are left running (they are paid
        for and a rerun re-attaches), unless the user at a terminal asks to cancel them."""
        running = [
            batch_id
            for batch_id, task in self._active.items()
            if not task.done() and batch_id in self.state.batches
        ]
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        running = [b for b in running if not self.state.batches[b].finished]
        if running:
            await self._leave_or_cancel(running)
        if self._batch_client is not None:
            with suppress(Exception):
                await self._batch_client.close()
        self._batch_client = None
        await super().aclose()

    async def _leave_or_cancel(self, batch_ids: list[str]) -> None:
        await leave_or_cancel(self, batch_ids)
