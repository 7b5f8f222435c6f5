"""Batch API files: request lines, input files within the API's limits, and result lines
read back into completions or errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from distilabel_cli.llms.base import Completion
from distilabel_cli.llms.retry import is_retryable_status

#: The API's limits per input file.
MAX_FILE_REQUESTS = 50_000
MAX_FILE_BYTES = 200 * 1024 * 1024
#: Per-line error codes worth another try in a new batch.
RETRY_CODES = frozenset({"batch_expired", "batch_cancelled", "batch_failed", "rate_limit_exceeded"})


@dataclass
class RequestLine:
    """One request of a batch input file, and what it answers."""

    custom_id: str
    endpoint: str
    data: bytes  # the JSONL line, newline included
    prompt: Any
    num_generations: int
    json_schema: dict[str, Any] | None


def request_line(custom_id: str, endpoint: str, body: dict[str, Any]) -> bytes:
    """The JSONL line of one request (`endpoint` like `/v1/chat/completions`)."""
    line = {"custom_id": custom_id, "method": "POST", "url": endpoint, "body": body}
    return orjson.dumps(line) + b"\n"


def pack(
    lines: Sequence[RequestLine],
    max_requests: int = MAX_FILE_REQUESTS,
    max_bytes: int = MAX_FILE_BYTES,
) -> list[list[RequestLine]]:
    """`lines` in order, cut into files of at most `max_requests` lines and `max_bytes`."""
    files: list[list[RequestLine]] = []
    current: list[RequestLine] = []
    size = 0
    for line in lines:
        if len(line.data) > max_bytes:
            raise ValueError(f"one request is {len(line.data)} bytes: over the file limit")
        if current and (len(current) >= max_requests or size + len(line.data) > max_bytes):
            files.append(current)
            current, size = [], 0
        current.append(line)
        size += len(line.data)
    if current:
        files.append(current)
    return files


@dataclass
class LineResult:
    """What one result line says: the texts and usage, or an error (and whether a new batch
    may answer it)."""

    texts: list[str | None] | None = None
    usage: dict[str, Any] | None = None
    error: str | None = None
    retry: bool = False
    finish_reasons: list[str | None] | None = None


def read_result(line: dict[str, Any] | None) -> LineResult:
    """The outcome of one output/error line (None: the batch never answered the request)."""
    if line is None:
        return LineResult(error="the batch ended without answering this request", retry=True)
    response = line.get("response") or {}
    error = line.get("error")
    status = response.get("status_code")
    body = response.get("body") or {}
    if error or status != 200:
        detail = error or body.get("error") or {}
        code = str(detail.get("code") or "") if isinstance(detail, dict) else ""
        message = detail.get("message") if isinstance(detail, dict) else str(detail)
        retry = code in RETRY_CODES or (status is not None and is_retryable_status(status))
        where = f"HTTP {status}" if status else code or "error"
        return LineResult(error=f"batch request failed ({where}): {message or code}", retry=retry)
    try:
        choices = body["choices"]
        if choices and "message" in choices[0]:
            texts = [(c.get("message") or {}).get("content") for c in choices]
        else:
            texts = [c.get("text") for c in choices]
        reasons = [c.get("finish_reason") for c in choices]
    except (KeyError, TypeError, AttributeError) as exc:
        return LineResult(error=f"unexpected answer shape in a batch result: {exc!r}")
    return LineResult(texts=texts, usage=body.get("usage"), finish_reasons=reasons)


def completions_of(result: LineResult, n: int, cached: bool) -> list[Completion]:
    """The first `n` answers of an answered line, each with its share of the tokens."""
    texts = (result.texts or [])[:n]
    used = result.usage or {}
    count = max(1, len(texts))
    used_in = (used.get("prompt_tokens") or 0) // count
    used_out = (used.get("completion_tokens") or 0) // count
    return [
        Completion(text=t or "", input_tokens=used_in, output_tokens=used_out, cached=cached)
        for t in texts
    ]
