"""A fake OpenAI-compatible server with a fixed service time and a fixed number of slots.

Every request holds one of `--slots` slots for `--service-time` seconds; requests beyond
the cap wait in FIFO order, so the ideal wall time of a workload is simply
`requests * service_time / slots`. Judge requests (a `response_format`, or a prompt with
"#### Output for Text" / "Rating task") get a valid UltraFeedback answer for as many
`<response k>` tags as the prompt holds: JSON when `response_format` was sent, the classic
"#### Output for Text i / Rating / Rationale" text otherwise. Anything else gets a short
fixed text.

Plain asyncio streams and a minimal HTTP/1.1 keep-alive parser (Content-Length bodies only)
keep the server cheap, since it shares the machine with the client it measures.

    python bench/fake_openai_server.py --port 0 --service-time 0.2 --slots 64

prints `READY port=<port>` once listening, serves until SIGTERM/SIGINT or `--max-seconds`,
then prints its request counters as one JSON line. GET /bench/stats returns the counters
(`?reset=1` zeroes them afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import signal
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

MODEL_ID = "fake-model"
GENERATION_TEXT = "This is a short fixed answer from the fake benchmark server."
RATIONALE = "Follows the instruction and answers it briefly."
_RESPONSE_TAG = re.compile(r"<response (\d+)>")
_JUDGE_MARKERS = ("#### Output for Text", "Rating task")
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
MAX_HEADER_BYTES = 64 * 1024


@dataclass
class Counters:
    """What the server has seen since start (or the last reset)."""

    requests: int = 0
    chat: int = 0
    completions: int = 0
    models: int = 0
    judge: int = 0
    choices: int = 0
    errors: int = 0
    connections: int = 0
    max_in_service: int = 0
    max_waiting: int = 0


class FakeServer:
    """Request handling and slot accounting; transport-agnostic apart from `serve`."""

    def __init__(self, service_time: float, slots: int) -> None:
        self.service_time = service_time
        self.slots = slots
        self.counters = Counters()
        self._semaphore = asyncio.Semaphore(slots)
        self._in_service = 0
        self._waiting = 0
        self._next_id = 0

    async def handle_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Serve keep-alive requests on one connection until the client closes it."""
        self.counters.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                method, path, headers = _parse_head(head)
                length = int(headers.get("content-length", "0") or 0)
                body = await reader.readexactly(length) if length else b""
                status, payload = await self.respond(method, path, body)
                keep_alive = headers.get("connection", "").lower() != "close"
                writer.write(_http_response(status, payload, keep_alive))
                await writer.drain()
                if not keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        except asyncio.CancelledError:  # shutdown with the connection still open
            return
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def respond(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        """(status, JSON body) for one request."""
        route, _, query = path.partition("?")
        route = route.rstrip("/")
        if route == "/bench/stats":
            payload = json.dumps(asdict(self.counters)).encode()
            if "reset=1" in query:
                self.counters = Counters()
            return 200, payload
        if route in ("/v1/models", "/models"):
            self.counters.models += 1
            data = [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "bench"}]
            return 200, json.dumps({"object": "list", "data": data}).encode()
        if route not in ("/v1/chat/completions", "/v1/completions"):
            self.counters.errors += 1
            return 404, _error(f"no route {route}")
        if method != "POST":
            self.counters.errors += 1
            return 405, _error("use POST")
        try:
            request = json.loads(body)
        except ValueError:
            self.counters.errors += 1
            return 400, _error("body is not JSON")
        if not isinstance(request, dict):
            self.counters.errors += 1
            return 400, _error("body is not a JSON object")
        await self._serve_slot()
        return 200, self.completion(request, chat=route.endswith("chat/completions"))

    async def _serve_slot(self) -> None:
        """Wait for a free slot (FIFO), then hold it for the service time."""
        counters = self.counters
        counters.requests += 1
        self._waiting += 1
        queued = self._waiting + self._in_service - self.slots  # those that cannot start now
        counters.max_waiting = max(counters.max_waiting, queued)
        async with self._semaphore:
            self._waiting -= 1
            self._in_service += 1
            counters.max_in_service = max(counters.max_in_service, self._in_service)
            try:
                await asyncio.sleep(self.service_time)
            finally:
                self._in_service -= 1

    def completion(self, request: dict[str, Any], *, chat: bool) -> bytes:
        """The JSON body of a chat or text completion answering `request`."""
        n = max(1, int(request.get("n") or 1))
        prompt = _prompt_text(request, chat=chat)
        structured = request.get("response_format") is not None
        judge = structured or any(marker in prompt for marker in _JUDGE_MARKERS)
        if judge:
            text = judge_answer(_count_responses(prompt), structured=structured)
            self.counters.judge += 1
        else:
            text = GENERATION_TEXT
        if chat:
            self.counters.chat += 1
        else:
            self.counters.completions += 1
        self.counters.choices += n
        self._next_id += 1
        prompt_tokens = max(1, len(prompt) // 4)
        completion_tokens = max(1, len(text) // 4)
        if chat:
            choices = [
                {
                    "index": i,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
                for i in range(n)
            ]
            kind, prefix = "chat.completion", "chatcmpl"
        else:
            choices = [
                {"index": i, "text": text, "finish_reason": "stop", "logprobs": None}
                for i in range(n)
            ]
            kind, prefix = "text_completion", "cmpl"
        return json.dumps(
            {
                "id": f"{prefix}-{self._next_id}",
                "object": kind,
                "created": int(time.time()),
                "model": str(request.get("model") or MODEL_ID),
                "choices": choices,
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens * n,
                    "total_tokens": prompt_tokens + completion_tokens * n,
                },
            }
        ).encode()


def judge_answer(count: int, *, structured: bool) -> str:
    """A valid UltraFeedback answer rating `count` responses (ratings cycle 5, 4, 3, ...)."""
    ratings = [5 - (i % 5) for i in range(count)]
    if structured:
        items = [{"rating": r, "rationale": RATIONALE} for r in ratings]
        return json.dumps({"ratings": items})
    return "\n\n".join(
        f"#### Output for Text {i}\nRating: {r}\nRationale: {RATIONALE}"
        for i, r in enumerate(ratings, start=1)
    )


def _count_responses(prompt: str) -> int:
    numbers = {int(m) for m in _RESPONSE_TAG.findall(prompt)}
    return max(numbers) if numbers else 1


def _prompt_text(request: dict[str, Any], *, chat: bool) -> str:
    if not chat:
        prompt = request.get("prompt", "")
        return prompt if isinstance(prompt, str) else "\n".join(map(str, prompt))
    parts = []
    for message in request.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):  # content parts
            parts += [p.get("text", "") for p in content if isinstance(p, dict)]
    return "\n".join(parts)


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    """(method, path, lower-cased headers) of a request head; ValueError when malformed."""
    if len(head) > MAX_HEADER_BYTES:
        raise ValueError("request head too large")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise ValueError("chunked request bodies are not supported")
    return method, path, headers


def _http_response(status: int, payload: bytes, keep_alive: bool) -> bytes:
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n"
        f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
    )
    return head.encode("latin-1") + payload


def _error(message: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": "invalid_request_error"}}).encode()


async def serve(args: argparse.Namespace) -> Counters:
    """Listen until a signal or `--max-seconds`; return the final counters."""
    server = FakeServer(args.service_time, args.slots)
    listener = await asyncio.start_server(
        server.handle_connection, "127.0.0.1", args.port, backlog=4096
    )
    port = listener.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"READY port={port} service_time={args.service_time} slots={args.slots}", flush=True)
    async with listener:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=args.max_seconds)
    return server.counters


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0: pick a free port and print it")
    parser.add_argument("--service-time", type=float, default=0.2, help="seconds per request")
    parser.add_argument("--slots", type=int, default=64, help="requests served at once")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="stop after this")
    args = parser.parse_args(argv)
    if args.slots < 1 or args.service_time < 0:
        parser.error("--slots must be >= 1 and --service-time >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    counters = asyncio.run(serve(args))
    print(f"STATS {json.dumps(asdict(counters))}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
