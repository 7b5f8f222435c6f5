"""A threaded JSON-over-HTTP server on 127.0.0.1 for the OpenAI-compatible test servers.

Subclasses implement `handle(body) -> (status, headers, payload)`; status 0 drops the
connection without an answer. Used as a context manager: started on enter, stopped on exit.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Listener(ThreadingHTTPServer):
    """A listen backlog for a burst of new connections (the default 5 drops connection
    attempts, which the client's kernel retries a second or more later)."""

    request_queue_size = 256


class JSONServer:
    """Serves POSTed JSON bodies with `handle` in a background thread (`respond` sees the
    whole request: path and headers too)."""

    def __init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, headers, payload = server.respond(self, body)
                if status == 0:
                    self.close_connection = True  # no answer at all
                    return
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    for name, value in {"Content-Type": "application/json", **headers}.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up or was killed (crash tests do that)
                    self.close_connection = True

        self.httpd = Listener(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.root = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.base_url = f"{self.root}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def respond(
        self, request: BaseHTTPRequestHandler, body: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """The answer to one request (default: `handle` of its body)."""
        return self.handle(body)

    def handle(self, body: Any) -> tuple[int, dict[str, str], dict[str, Any]]:
        raise NotImplementedError

    def __enter__(self) -> Any:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
