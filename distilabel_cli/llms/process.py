"""ProcessLLM: an LLM that is loaded and runs in its own child process.

The child is a fresh interpreter started by `process_launch` (see there why not
`multiprocessing`): scripts without `if __name__ == "__main__":`, stdin, `python -c` and
notebooks work as they did with distilabel 0.6, and it is safe with threads and CUDA.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import threading
import weakref
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from multiprocessing import Pipe
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from distilabel_cli.errors import DistilError, FatalLLMError, StructuredOutputUnsupported
from distilabel_cli.llms.base import LLM, Completion
from distilabel_cli.llms.process_launch import ChildHandle, child_sys_path, dump_load_fn
from distilabel_cli.prompt_types import FormattedPrompt, PromptFormat

if TYPE_CHECKING:
    from distilabel_cli.tasks.base import Task

#: `load_llm_fn(task)` builds the LLM in the child (distilabel 0.6's signature).
LoadLLMFn = Callable[["Task"], LLM]


class ChildProcess:
    """One child interpreter serving an LLM; a reader thread resolves the parent's futures."""

    def __init__(self, load_llm_fn: LoadLLMFn, task: Task, gpus: str | None, label: str):
        kind, payload = dump_load_fn(load_llm_fn, task, label)
        requests_out, requests_in = Pipe(duplex=False)
        responses_out, responses_in = Pipe(duplex=False)
        try:
            self.process = ChildHandle(requests_out.fileno(), responses_in.fileno(), gpus, label)
        finally:
            requests_out.close()
            responses_in.close()
        with suppress(OSError):  # it died at once: the reader reports how
            requests_in.send((child_sys_path(), kind, payload))
        self.label = label
        self._requests: Connection = requests_in
        self._responses: Connection = responses_out
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._pending: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Future[Any]]] = {}
        self.ready = threading.Event()
        self.info: dict[str, Any] = {}
        self.load_error: str | None = None
        self.dead: str | None = None
        self._finalizer = weakref.finalize(self, _stop, self.process, requests_in)
        self._reader = threading.Thread(target=self._read, name=f"{label}-reader", daemon=True)
        self._reader.start()

    async def request(self, prompt: FormattedPrompt, n: int, schema: Any) -> tuple[Any, ...]:
        """Send one request; returns `(kind, value, usage)` once the child answers or dies."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        with self._lock:
            if self.dead is not None:
                return ("dead", self.dead, None)
            request_id = next(self._ids)
            self._pending[request_id] = (loop, future)
            with suppress(OSError):  # a broken pipe: the child is exiting, the reader
                self._requests.send((request_id, prompt, n, schema))  # resolves the future
        return await future

    def _read(self) -> None:
        sentinel = self.process.sentinel
        while True:
            ready = wait([self._responses] if sentinel is None else [self._responses, sentinel])
            if self._responses not in ready:
                break  # the child exited and left nothing to read
            try:
                kind, request_id, payload = self._responses.recv()
            except (EOFError, OSError):
                break
            if kind == "ready":
                self.info = payload
                self.ready.set()
            elif kind == "load_error":
                self.load_error = payload
                self.ready.set()
            else:
                with self._lock:
                    waiting = self._pending.pop(request_id, None)
                if waiting is not None:
                    _resolve(*waiting, payload)
        self._on_exit()

    def _on_exit(self) -> None:
        self.process.join(timeout=10)
        code = self.process.exitcode
        if code is None:  # close() reaped it first, in another thread
            self.process.join(timeout=1)
            code = self.process.exitcode
        why = f"exited with code {code}"
        if code is not None and -code in signal.Signals.__members__.values():
            why += f" ({signal.Signals(-code).name})"
        message = f"{self.label}: its child process (pid {self.process.pid}) {why}"
        with self._lock:
            self.dead = message
            pending, self._pending = self._pending, {}
        if not self.ready.is_set():
            self.load_error = f"{message} while loading the LLM"
            self.ready.set()
        for loop, future in pending.values():
            _resolve(loop, future, ("dead", message, None))

    def close(self) -> None:
        """Ask the child to stop; terminate it if it does not."""
        self._finalizer()
        self._reader.join(timeout=10)
        self._responses.close()
        self.process.close()


def _resolve(loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], value: Any) -> None:
    def set_result() -> None:
        if not future.done():
            future.set_result(value)

    with suppress(RuntimeError):  # a closed event loop: nobody waits any more
        loop.call_soon_threadsafe(set_result)


def _stop(process: ChildHandle, requests: Connection) -> None:
    with suppress(OSError, ValueError):
        requests.send(None)
    process.join(timeout=10)
    if process.is_alive():
        process.terminate()
        process.join(timeout=5)
    if process.is_alive():
        process.kill()
        process.join()
    requests.close()


@dataclass(kw_only=True)
class ProcessLLM(LLM):
    """The LLM `load_llm_fn(task)` returns, built and run in a child process.

    `load_llm_fn` is a top-level function: of a module (sent by reference) or of the main
    script, stdin, `-c` or a notebook (sent by value; no `__main__` guard needed, nothing is
    run twice). With `gpus=[0, 1]` the child starts with `CUDA_VISIBLE_DEVICES=0,1`.
    Requests overlap when the child's LLM allows it; `concurrency` (0: the child LLM's own)
    bounds those in flight. The options every LLM has (sampling, pricing, ...) and the
    prompt format are the child LLM's, mirrored here once it is loaded. A dead child fails
    the requests it had and every later one (`Completion.error`), never hangs.
    """

    load_llm_fn: LoadLLMFn
    gpus: list[int] | None = None
    concurrency: int = 0
    #: Names this LLM in errors (e.g. the YAML path it comes from).
    label: str | None = None
    _child: ChildProcess | None = field(default=None, init=False, repr=False)

    def start(self) -> None:
        """Start the child (it loads its LLM in the background); idempotent."""
        if self._child is None:
            label = self.label or f"ProcessLLM({_name_of(self.load_llm_fn)})"
            if self.task is None:
                raise DistilError(f"{label}: needs task= (load_llm_fn(task) builds the LLM)")
            gpus = None if self.gpus is None else ",".join(str(g) for g in self.gpus)
            self._child = ChildProcess(self.load_llm_fn, self.task, gpus, label)

    @property
    def pid(self) -> int | None:
        """The child's process id (None before `start`)."""
        return None if self._child is None else self._child.process.pid

    def _loaded(self) -> ChildProcess:
        self.start()
        assert self._child is not None
        self._child.ready.wait()
        return self._adopt(self._child)

    def _adopt(self, child: ChildProcess) -> ChildProcess:
        if child.load_error is not None:
            raise DistilError(f"{child.label}: loading the LLM failed: {child.load_error}")
        info = child.info
        for name, value in info["options"].items():
            if name != "concurrency":  # this LLM's own (0: the child's, below)
                setattr(self, name, value)
        if self.concurrency < 1:
            self.concurrency = max(1, info["concurrency"])
        return child

    @property
    def model_name(self) -> str:
        return self._loaded().info["model_name"]

    @property
    def supports_structured_output(self) -> bool:
        return self.structured_output_for(self.effective_prompt_format)

    def structured_output_for(self, prompt_format: PromptFormat) -> bool:
        return self._loaded().info["structured"][prompt_format]

    def format_for(self, task_format: PromptFormat) -> PromptFormat:
        return self.prompt_format or self._loaded().info["prompt_format"] or task_format

    def output_settings(self) -> dict[str, Any]:
        return self._loaded().info["output_settings"]

    async def agenerate(
        self,
        prompt: FormattedPrompt,
        num_generations: int = 1,
        json_schema: dict[str, Any] | None = None,
    ) -> list[Completion]:
        self.start()
        assert self._child is not None
        if not self._child.ready.is_set():
            await asyncio.to_thread(self._child.ready.wait)
        try:
            child = self._adopt(self._child)
        except DistilError as exc:
            raise FatalLLMError(exc.message) from None
        async with self.slots:
            kind, value, usage = await child.request(prompt, num_generations, json_schema)
        if usage is not None:
            vars(self.usage).update(usage)
        if kind == "ok":
            return value
        if kind == "unsupported":
            raise StructuredOutputUnsupported(value)
        if kind == "fatal":
            raise FatalLLMError(value)
        self.usage.requests += num_generations
        for _ in range(num_generations):
            self.usage.record_failure(value)
        return [Completion(text=None, error=value) for _ in range(num_generations)]

    def close(self) -> None:
        """Stop the child process (a later request starts a new one)."""
        if self._child is not None:
            self._child.close()
            self._child = None


def _name_of(fn: Any) -> str:
    fn = getattr(fn, "func", fn)  # functools.partial
    return getattr(fn, "__qualname__", "load_llm_fn")
