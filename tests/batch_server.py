"""A local stand-in for OpenAI's Files + Batches API (a protocol stand-in: no real Batch API
server can run in tests), driven by the real `openai` client through distil.

It speaks the HTTP protocol the SDK uses: upload (`POST /v1/files`, multipart, purpose
`batch`), content download, batch create / retrieve / list / cancel, and online chat
completions. A batch moves one step per status check: validating -> in_progress ->
finalizing -> its outcome (`outcomes`, one per created batch, default `completed`):
`completed`, `failed` (no output), `expired:K` (only the first K lines answered, the rest
`batch_expired` in the error file) and `cancelled` after a cancel (half the lines answered).
Lines whose prompt contains `error_marker` get a per-line HTTP 400 in the error file.
`hold = True` keeps batches in_progress. Answers are those of `counting_server.py`.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import web
from counting_server import answer_for, judge_for


class BatchServer:
    """Runs on 127.0.0.1 in a background thread; used as a context manager."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.outcomes: list[str] = []
        self.error_marker: str | None = None
        self.hold = False
        #: custom_id -> times uploaded; file id -> times downloaded; online prompts.
        self.uploaded: Counter[str] = Counter()
        self.downloads: Counter[str] = Counter()
        self.online: Counter[str] = Counter()
        self.changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # --- test helpers ----------------------------------------------------------------------

    def wait_for(self, condition: Callable[[], bool], timeout: float = 60) -> None:
        """Block until `condition()` holds (checked at every request the server answers)."""
        with self.changed:
            if not self.changed.wait_for(condition, timeout):
                raise AssertionError("the batch server never reached the expected state")

    def statuses(self) -> list[str]:
        return [b["status"] for b in self.batches.values()]

    def release(self) -> None:
        self.hold = False

    # --- protocol --------------------------------------------------------------------------

    def _notify(self) -> None:
        with self.changed:
            self.changed.notify_all()

    async def upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        assert form["purpose"] == "batch", form["purpose"]
        data = form["file"].file.read()  # type: ignore[union-attr]
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = data
        for line in data.splitlines():
            self.uploaded[json.loads(line)["custom_id"]] += 1
        self._notify()
        return web.json_response(self._file(file_id))

    def _file(self, file_id: str) -> dict[str, Any]:
        size = len(self.files[file_id])
        return {
            "id": file_id,
            "object": "file",
            "bytes": size,
            "created_at": int(time.time()),
            "filename": "batch.jsonl",
            "purpose": "batch",
            "status": "processed",
        }

    async def content(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self.files:
            return web.json_response({"error": {"message": "no such file"}}, status=404)
        self.downloads[file_id] += 1
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    async def create(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body["input_file_id"] not in self.files:
            return web.json_response({"error": {"message": "no such file"}}, status=400)
        batch_id = f"batch_{len(self.batches) + 1}"
        lines = [json.loads(line) for line in self.files[body["input_file_id"]].splitlines()]
        assert len({line["custom_id"] for line in lines}) == len(lines), "custom_id repeated"
        assert all(line["url"] == body["endpoint"] for line in lines)
        self.batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body["endpoint"],
            "input_file_id": body["input_file_id"],
            "completion_window": body["completion_window"],
            "status": "validating",
            "created_at": int(time.time()),
            "metadata": body.get("metadata"),
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
            "_outcome": self.outcomes.pop(0) if self.outcomes else "completed",
            "_lines": lines,
        }
        self._notify()
        return web.json_response(self._public(batch_id))

    def _public(self, batch_id: str) -> dict[str, Any]:
        return {k: v for k, v in self.batches[batch_id].items() if not k.startswith("_")}

    async def retrieve(self, request: web.Request) -> web.Response:
        batch_id = request.match_info["batch_id"]
        if batch_id not in self.batches:
            return web.json_response({"error": {"message": "no such batch"}}, status=404)
        self._advance(self.batches[batch_id])
        response = web.json_response(self._public(batch_id))
        self._notify()
        return response

    async def listing(self, _request: web.Request) -> web.Response:
        data = [self._public(b) for b in reversed(self.batches)]
        first, last = (data[0]["id"], data[-1]["id"]) if data else (None, None)
        page = {"object": "list", "data": data, "first_id": first, "last_id": last}
        return web.json_response({**page, "has_more": False})

    async def cancel(self, request: web.Request) -> web.Response:
        batch = self.batches[request.match_info["batch_id"]]
        if batch["status"] not in ("completed", "failed", "expired", "cancelled"):
            batch["status"], batch["_outcome"] = "cancelling", "cancelled"
        self._notify()
        return web.json_response(self._public(batch["id"]))

    async def chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.online[body["messages"][-1]["content"]] += 1
        self._notify()
        return web.json_response(completion(body))

    def _advance(self, batch: dict[str, Any]) -> None:
        """One lifecycle step per status check."""
        status = batch["status"]
        if status == "validating":
            batch["status"] = "in_progress"
        elif status == "in_progress" and not self.hold:
            batch["status"] = "finalizing"
        elif status in ("finalizing", "cancelling"):
            self._finish(batch)

    def _finish(self, batch: dict[str, Any]) -> None:
        outcome: str = batch["_outcome"]
        lines = batch["_lines"]
        if outcome == "failed":
            batch["status"] = "failed"
            batch["errors"] = {"object": "list", "data": [{"code": "invalid", "message": "no"}]}
            return
        answered = len(lines)
        if outcome.startswith("expired:"):
            answered = int(outcome.split(":")[1])
        elif outcome == "cancelled":
            answered = len(lines) // 2
        outputs, errors = [], []
        for k, line in enumerate(lines):
            prompt = json.dumps(line["body"].get("messages"))
            if k >= answered:
                code = "batch_expired" if outcome.startswith("expired") else "batch_cancelled"
                errors.append(result(line, None, {"code": code, "message": "not run"}))
            elif self.error_marker and self.error_marker in prompt:
                failure = {"error": {"message": "bad request", "type": "invalid_request_error"}}
                errors.append(result(line, {"status_code": 400, "body": failure}, None))
            else:
                outputs.append(result(line, {"status_code": 200, "body": completion(line["body"])}))
        batch["status"] = "expired" if outcome.startswith("expired") else outcome
        batch["request_counts"].update(completed=len(outputs), failed=len(errors))
        for key, rows in (("output_file_id", outputs), ("error_file_id", errors)):
            if rows:
                file_id = f"file-{len(self.files) + 1}"
                self.files[file_id] = "".join(json.dumps(r) + "\n" for r in rows).encode()
                batch[key] = file_id

    # --- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> BatchServer:
        app = web.Application()
        app.add_routes(
            [
                web.post("/v1/files", self.upload),
                web.get("/v1/files/{file_id}/content", self.content),
                web.post("/v1/batches", self.create),
                web.get("/v1/batches", self.listing),
                web.get("/v1/batches/{batch_id}", self.retrieve),
                web.post("/v1/batches/{batch_id}/cancel", self.cancel),
                web.post("/v1/chat/completions", self.chat),
            ]
        )
        self._thread.start()
        self._runner = web.AppRunner(app)
        start = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        port = start.result(timeout=30)
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self

    async def _start(self) -> int:
        assert self._runner is not None
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return self._runner.addresses[0][1]

    def __exit__(self, *exc: object) -> None:
        assert self._runner is not None
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)


def completion(body: dict[str, Any]) -> dict[str, Any]:
    """The chat completion `counting_server.py` answers for a request body."""
    messages = body["messages"]
    fmt = body.get("response_format")
    if fmt:
        texts = [judge_for(messages, fmt["json_schema"]["schema"])]
    else:
        texts = [answer_for(messages[-1]["content"], k) for k in range(body.get("n") or 1)]
    choices = [
        {"index": k, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
        for k, t in enumerate(texts)
    ]
    usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    head = {"id": "cmpl-batch", "object": "chat.completion", "created": 0, "model": body["model"]}
    return {**head, "choices": choices, "usage": usage}


def result(
    line: dict[str, Any], response: dict[str, Any] | None, error: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One line of an output or error file."""
    if response is not None:
        response = {"request_id": f"req-{line['custom_id'][:8]}", **response}
    return {"id": f"batch_req_{line['custom_id']}", "custom_id": line["custom_id"]} | {
        "response": response,
        "error": error,
    }
