"""Calls to the Files and Batches API (retried), and what happens to running batches when a
run stops early: they are paid work, so they are left running (a rerun re-attaches) unless
the user at a terminal asks to cancel them."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from distilabel_cli.errors import FatalLLMError
from distilabel_cli.llms.retry import backoff_delay
from distilabel_cli.redact import redact

if TYPE_CHECKING:
    from distilabel_cli.llms.openai_batch import OpenAIBatchLLM

T = TypeVar("T")


def wants_cancel(question: str) -> bool:
    """Ask a yes/no question at a terminal; no terminal (or no answer) means no."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    print(question, end="", file=sys.stderr, flush=True)
    try:
        return sys.stdin.readline().strip().lower() in ("y", "yes")
    except (OSError, KeyboardInterrupt):
        return False


async def leave_or_cancel(llm: OpenAIBatchLLM, batch_ids: list[str]) -> None:
    """Leave `batch_ids` running and say how to re-attach, or cancel them if asked to."""
    names = ", ".join(batch_ids)
    count = f"{len(batch_ids)} batch{'es' if len(batch_ids) > 1 else ''}"
    question = (
        f"{count} of {llm.model} still running at the Batch API ({names}): their requests are "
        "paid for as they finish. Cancel them? [y/N] "
    )
    if wants_cancel(question):
        cancel = llm.sdk().batches.cancel
        for batch_id in batch_ids:
            llm._note(await llm._api(lambda batch_id=batch_id: cancel(batch_id)))
        llm._say(
            f"cancelled {names}: what they finished is kept; running the same command "
            "again sends the rest in new batches"
        )
        return
    llm._say(
        f"left {count} running at the Batch API ({names}); run the same command again to "
        "re-attach to them and collect their answers (`distil batches` lists them)"
    )


async def call_api(llm: OpenAIBatchLLM, call: Callable[[], Awaitable[T]]) -> T:
    """One Files/Batches API call, retried on 429, 5xx, timeouts and lost connections;
    a refused key or a rejected request stops the run (`FatalLLMError`)."""
    import openai

    retry = 0
    while True:
        try:
            return await call()
        except (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError):
            if retry >= llm.max_retries:
                raise
            llm.usage.retries += 1
        except openai.NotFoundError:
            raise
        except openai.APIStatusError as exc:
            raise FatalLLMError(
                redact(f"{llm.model}: Batch API error {exc.status_code}: {exc.message}")
            ) from exc
        await asyncio.sleep(backoff_delay(retry))
        retry += 1
