"""The child side of `ProcessLLM`: load the LLM, then answer requests in an event loop.

Two one-way pipes, whose fds the parent passes as arguments (`process_launch`). The first
message in is `(sys.path, kind, payload)`: how to load `(load_llm_fn, task)`. Then requests
`(id, prompt, n, schema)` come in; `(kind, id, payload)` go out: `ready` or `load_error`
once, then one `result` per request. A `None` request (or the parent closing its end)
stops the child, which then closes its LLM (connection pools, model) before it exits.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import asdict
from multiprocessing.connection import Connection
from typing import Any, get_args

from distilabel_cli.errors import DistilError, FatalLLMError, StructuredOutputUnsupported
from distilabel_cli.llms.base import LLM
from distilabel_cli.llms.options import options_of
from distilabel_cli.llms.process_launch import load_payload
from distilabel_cli.prompt_types import PromptFormat


def describe(llm: LLM) -> dict[str, Any]:
    """What the parent mirrors of the loaded LLM: every LLM's options, its prompt format,
    what decides its outputs and, per prompt format, whether it enforces JSON schemas."""
    return {
        "model_name": llm.model_name,
        "backend": type(llm).__name__,
        "structured": {fmt: llm.structured_output_for(fmt) for fmt in get_args(PromptFormat)},
        "prompt_format": llm.prompt_format,
        "concurrency": llm.concurrency,
        "options": {name: getattr(llm, name) for name in options_of(LLM)},
        "output_settings": llm.output_settings(),
    }


def main() -> None:
    """Entry point of the child interpreter: `python -c CHILD_ENTRY REQUESTS RESPONSES LABEL`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's; it stops us
    requests = Connection(int(sys.argv[1]), writable=False)
    conn = Connection(int(sys.argv[2]), readable=False)
    serve(requests, conn)


def serve(requests: Connection, conn: Connection) -> None:
    """Load the LLM the first message describes, then answer requests until told to stop."""
    try:
        sys_path, kind, payload = requests.recv()
        sys.path[:] = sys_path  # the parent's: functions sent by reference import from it
        load_llm_fn, task = load_payload(kind, payload)
        llm = load_llm_fn(task)
        if not isinstance(llm, LLM):
            raise TypeError(f"load_llm_fn returned {type(llm).__name__}, not an LLM")
        load = getattr(llm, "load", None)
        if callable(load):
            load()  # surface a bad model file now, not at the first request
        info = describe(llm)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, then we exit
        why = exc.message if isinstance(exc, DistilError) else f"{type(exc).__name__}: {exc}"
        _send(conn, ("load_error", None, why))
        conn.close()
        return
    _send(conn, ("ready", None, info))
    try:
        asyncio.run(_serve_requests(requests, conn, llm))
    finally:
        llm.close()
        conn.close()
        requests.close()


async def _serve_requests(requests: Connection, conn: Connection, llm: LLM) -> None:
    loop = asyncio.get_running_loop()
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="distil-child-reader")
    tasks: set[asyncio.Task[None]] = set()
    try:
        while True:
            try:
                message = await loop.run_in_executor(reader, requests.recv)
            except (EOFError, OSError):
                break  # the parent is gone
            if message is None:
                break
            task = loop.create_task(_answer(conn, llm, *message))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await llm.aclose()  # in its loop: no "Unclosed client session" at exit
        reader.shutdown(wait=False)


async def _answer(
    conn: Connection, llm: LLM, request_id: int, prompt: Any, n: int, schema: Any
) -> None:
    result: tuple[str, Any]
    try:
        result = ("ok", await llm.agenerate(prompt, n, schema))
    except StructuredOutputUnsupported as exc:
        result = ("unsupported", str(exc))
    except FatalLLMError as exc:
        result = ("fatal", str(exc))
    except Exception as exc:  # noqa: BLE001 - becomes a failed request in the parent
        result = ("error", f"{type(exc).__name__}: {exc}")
    _send(conn, ("result", request_id, (*result, asdict(llm.usage))))


def _send(conn: Connection, message: Any) -> None:
    with suppress(OSError, ValueError):  # the parent is gone: nobody is left to tell
        conn.send(message)
