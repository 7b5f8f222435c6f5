"""`failing_server.py` sending OpenAI's `x-ratelimit-*` headers, for `bench_rate_headers.py`.

Every answer carries the headers OpenAI sends (limit, remaining and reset of the request and
token budgets). The injected 429s are what a quota shared with other clients looks like:
the budget is empty right now (`remaining-requests: 0`, reset in a minute, the time to
refill it all), while the successes see it nearly full. Options are `failing_server.py`'s
plus `--rpm`:

    python bench/rate_limit_header_server.py --port 0 --service-time 0.2 --slots 64 \\
        --fail-rate 0.2 --fail-statuses 429 --rpm 30000
"""

from __future__ import annotations

import argparse
import sys

import failing_server
import fake_openai_server as fake

TPM = 150_000_000
_plain_response = fake._http_response
_rpm = 30_000


def budget_headers(status: int) -> str:
    """The `x-ratelimit-*` header lines of an answer with this status."""
    exhausted = status == 429
    lines = {
        "x-ratelimit-limit-requests": _rpm,
        "x-ratelimit-remaining-requests": 0 if exhausted else _rpm - 1,
        "x-ratelimit-reset-requests": "1m0s" if exhausted else f"{60_000 / _rpm:.0f}ms",
        "x-ratelimit-limit-tokens": TPM,
        "x-ratelimit-remaining-tokens": TPM - 1000,
        "x-ratelimit-reset-tokens": "0s",
    }
    return "".join(f"{name}: {value}\r\n" for name, value in lines.items())


def http_response(status: int, payload: bytes, keep_alive: bool) -> bytes:
    """fake_openai_server's answer with the budget headers after the status line."""
    plain = _plain_response(status, payload, keep_alive)
    line_end = plain.index(b"\r\n") + 2
    return plain[:line_end] + budget_headers(status).encode("latin-1") + plain[line_end:]


def main(argv: list[str] | None = None) -> int:
    global _rpm
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--rpm", type=int, default=30_000)
    args, rest = parser.parse_known_args(argv)
    _rpm = args.rpm
    fake._http_response = http_response  # every answer the fake server writes
    return failing_server.main(rest)


if __name__ == "__main__":
    sys.exit(main())
