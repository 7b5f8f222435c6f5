"""A deterministic OpenAI-compatible HTTP server that counts the requests it answers.

It speaks the real chat-completions protocol to the real `openai` client, used where the
test needs exact answers and request counts (crash/resume tests) that a real model cannot
give. Answers are derived from the prompt; judge requests (with `response_format`) get a
valid UltraFeedback JSON answer. Each answer takes `delay` seconds of service time.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from typing import Any

from json_server import JSONServer


def answer_for(prompt: str, k: int) -> str:
    return f"answer {k} to: {prompt}"


def judge_for(messages: list[dict[str, str]], schema: dict[str, Any]) -> str:
    n = schema["properties"]["ratings"]["minItems"]
    digest = hashlib.sha256(messages[-1]["content"].encode()).digest()
    items = [{"rationale": f"reason {k}", "rating": 1 + digest[k] % 5} for k in range(n)]
    return json.dumps({"ratings": items})


class CountingServer(JSONServer):
    """Runs in a background thread on 127.0.0.1; `counts` maps prompt text to requests."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        super().__init__()

    def handle(self, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        return 200, {}, self.answer(body)

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body["messages"]
        key = messages[-1]["content"]
        with self.lock:
            self.counts[key] += 1
        if self.delay:
            time.sleep(self.delay)  # real wait, the server's service time (noqa: real-wait)
        fmt = body.get("response_format")
        if fmt:
            texts = [judge_for(messages, fmt["json_schema"]["schema"])]
        else:
            texts = [answer_for(key, k) for k in range(body.get("n") or 1)]
        return {
            "id": "cmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": k,
                    "message": {"role": "assistant", "content": t},
                    "finish_reason": "stop",
                }
                for k, t in enumerate(texts)
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }
