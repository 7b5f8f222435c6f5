"""An OpenAI-compatible server that refuses every request and echoes the caller's key.

Real servers do this ("Incorrect API key provided: sk-abc..."), which is how keys end up
in error strings. The status comes from the requested model's name: `echo-401` answers
401, `echo-404` 404, anything else 400. The error body quotes the credential of the
`Authorization` header (a Bearer key, or the `user:password` of Basic auth, which clients
send for credentials in the URL), plainly and URL-encoded. Listens on 127.0.0.1.
"""

from __future__ import annotations

import base64
import re
import threading
from typing import Any
from urllib.parse import quote

from json_server import JSONServer


class EchoKeyServer(JSONServer):
    """`authorizations` lists the Authorization header of every request received."""

    def __init__(self) -> None:
        super().__init__()
        self.authorizations: list[str] = []
        self._request = threading.local()  # each request is handled in its own thread
        server = self
        plain = self.httpd.RequestHandlerClass

        class HeaderHandler(plain):  # type: ignore[misc, valid-type]
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                server._request.authorization = self.headers.get("Authorization", "")
                super().do_POST()

        self.httpd.RequestHandlerClass = HeaderHandler

    def handle(self, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        authorization = self._request.authorization
        self.authorizations.append(authorization)
        credential = credential_of(authorization)
        match = re.fullmatch(r"echo-(\d{3})", str(body.get("model")))
        status = int(match.group(1)) if match else 400
        message = (
            f"Incorrect API key provided: {credential} "
            f"(header {authorization!r}, url-encoded {quote(credential, safe='')})"
        )
        error = {"message": message, "type": "invalid_request_error", "code": "invalid_api_key"}
        return status, {}, {"error": error}


def credential_of(authorization: str) -> str:
    """The key of `Bearer KEY`, or the `user:password` of `Basic BASE64`."""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "basic":
        return base64.b64decode(value).decode()
    return value
