"""`fake_openai_server.py` with injected failures, for `bench_failures.py`.

Each completion request (retries included) fails with probability `--fail-rate` (seeded
pseudo-random draws, `--seed`): it is answered at once, without taking a slot, with the
next of `--fail-statuses` (default 429,500, in turn). Injected failures count in the
server's `errors` counter. All other options and the protocol are `fake_openai_server.py`'s:

    python bench/failing_server.py --port 0 --service-time 0.2 --slots 64 --fail-rate 0.2
"""

from __future__ import annotations

import argparse
import random
import sys

import fake_openai_server as fake


class FailingServer(fake.FakeServer):
    """FakeServer answering a fixed share of completion requests with an error."""

    fail_rate = 0.0
    fail_statuses: tuple[int, ...] = (429, 500)
    seed = 0

    def __init__(self, service_time: float, slots: int) -> None:
        super().__init__(service_time, slots)
        self._random = random.Random(self.seed)
        self._failures = 0

    async def respond(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        completion = path.split("?")[0].rstrip("/").endswith("completions")
        if method == "POST" and completion and self._random.random() < self.fail_rate:
            self.counters.errors += 1
            status = self.fail_statuses[self._failures % len(self.fail_statuses)]
            self._failures += 1
            return status, fake._error(f"injected failure {status}")
        return await super().respond(method, path, body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--fail-rate", type=float, default=0.2)
    parser.add_argument("--fail-statuses", default="429,500")
    parser.add_argument("--seed", type=int, default=0)
    args, rest = parser.parse_known_args(argv)
    if not 0 <= args.fail_rate <= 1:
        parser.error("--fail-rate must be between 0 and 1")
    FailingServer.fail_rate = args.fail_rate
    FailingServer.fail_statuses = tuple(int(s) for s in args.fail_statuses.split(","))
    FailingServer.seed = args.seed
    fake.FakeServer = FailingServer  # serve() builds its server from this name
    return fake.main(rest)


if __name__ == "__main__":
    sys.exit(main())
