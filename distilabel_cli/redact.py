"""Scrub secrets (API keys, tokens, URL passwords) from every string distil stores or prints.

A process-wide registry holds the secret values in use: the spec's (`register_spec_secrets`),
the LLMs' own keys (`register_llm_secrets`) and any other (`register_secret`). `redact(text)`
replaces each of them, also in its URL-encoded, JSON-escaped and repr-escaped forms, by
`MASK`; this catches keys a server echoes back in an error body. Log records of the
`distilabel_cli` loggers are redacted by `RedactingFilter`.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any
from urllib.parse import quote, quote_plus, unquote

MASK = "**********"
#: Shorter values are not treated as secrets (they would mask ordinary words).
MIN_SECRET_LENGTH = 6
#: Dummy keys that local servers accept; masking them would only hide ordinary text.
PLACEHOLDERS = frozenset({"not-needed", "no-key", "empty", "dummy", "none", "null"})
#: Variables the backends and outputs read a key or token from when the spec gives none.
SECRET_VARIABLES = ("OPENAI_API_KEY", "HF_TOKEN", "HF_API_TOKEN", "ARGILLA_API_KEY")
#: Names of fields and mapping keys whose string value is a secret.
_SECRET_NAME = re.compile(
    r"(^|_)(api_?key|key|token|access_token|secret|password|passwd|authorization|auth)$",
    re.IGNORECASE,
)
#: `scheme://user:password@` (or `scheme://token@`) inside any text.
_URL_CREDENTIALS = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^\s/?#@:]*)(?::([^\s/?#@]*))?@")
#: The `distilabel_cli` loggers in use (a logger's filters do not see its children's records).
LOGGERS = ("distilabel_cli", "distilabel_cli.argilla")

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    """Mask `value` from now on (ignored when empty, shorter than 6 or a placeholder)."""
    if not isinstance(value, str):
        return
    value = value.strip()
    if len(value) < MIN_SECRET_LENGTH or value.lower() in PLACEHOLDERS or MASK in value:
        return
    if value in _secrets:
        return
    global _pattern
    with _lock:
        _secrets.add(value)
        forms = {form for secret in _secrets for form in _forms(secret)}
        alternatives = sorted(forms, key=len, reverse=True)  # longest first: no partial masks
        _pattern = re.compile("|".join(re.escape(form) for form in alternatives))


def _forms(secret: str) -> Iterable[str]:
    """The ways a secret shows up in text: as is, URL-encoded, JSON- and repr-escaped."""
    yield secret
    yield quote(secret, safe="")
    yield quote_plus(secret, safe="")
    yield json.dumps(secret)[1:-1]
    yield json.dumps(secret, ensure_ascii=False)[1:-1]
    yield repr(secret)[1:-1]


def redact(text: str) -> str:
    """`text` with every registered secret replaced by `**********`."""
    pattern = _pattern
    if pattern is None or not text or not isinstance(text, str):
        return text
    return pattern.sub(MASK, text)


def redact_data(value: Any) -> Any:
    """A copy of JSON-like data (dicts, lists, tuples) with every string redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_data(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_data(v) for v in value)
    return value


def register_url_credentials(text: str | None) -> None:
    """Register the password (or lone token user) of every `scheme://user:pass@` in `text`,
    and the Basic-auth header value an HTTP client makes of them."""
    if not isinstance(text, str) or "@" not in text:
        return
    for match in _URL_CREDENTIALS.finditer(text):
        user, password = match.group(1), match.group(2)
        secret = password if password else user
        if not secret:
            continue
        register_secret(secret)
        register_secret(unquote(secret))
        pair = f"{unquote(user)}:{unquote(password or '')}"
        register_secret(base64.b64encode(pair.encode()).decode())


def register_header(value: str | None) -> None:
    """Register an `Authorization` header value: the token after `Bearer`, or the
    Basic-auth blob and the password it encodes."""
    if not isinstance(value, str):
        return
    scheme, _, credentials = value.strip().partition(" ")
    if not credentials:
        register_secret(value)
        return
    register_secret(credentials)
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except ValueError:
            return
        register_secret(decoded.partition(":")[2])


def register_secret_variables(names: Iterable[str] = SECRET_VARIABLES) -> None:
    """Register the values of these environment variables (the default keys and tokens)."""
    for name in names:
        register_secret(os.environ.get(name))


def register_spec_secrets(spec: Any) -> None:
    """Register every secret of a validated spec: SecretStr values anywhere, strings under
    secret-looking names, credentials in URLs; and the default key variables' values."""
    _walk(spec, depth=0)
    register_secret_variables()


#: LLM attributes that hold no secret (and may be large): not walked.
_NOT_WALKED = frozenset({"task", "usage"})
#: Values walked as data; any other object is treated as a client (`headers`, `base_url`).
_DATA = (str, dict, list, tuple, set, frozenset, partial)


def register_llm_secrets(llm: Any) -> None:
    """Register the secrets an LLM holds, whatever its backend: every attribute is walked
    (keys and tokens under secret-looking names, credentials in URLs, headers, the spec a
    child-process LLM is built from, a client's headers and base URL); also those of its
    pool members (`members`)."""
    members = getattr(llm, "members", None)
    if isinstance(members, list | tuple):
        for member in members:
            if member is not llm:
                register_llm_secrets(member)
    for name, value in vars(llm).items():
        if value is None or name in _NOT_WALKED:
            continue
        if callable(value) and not isinstance(value, partial):
            continue
        spec_like = hasattr(type(value), "model_fields") or hasattr(value, "get_secret_value")
        if isinstance(value, _DATA) or spec_like:
            _walk(value, depth=0, name=name.lstrip("_"))
        else:
            _walk(getattr(value, "headers", None), depth=0)
            register_url_credentials(getattr(value, "base_url", None))


def _walk(value: Any, depth: int, name: str = "") -> None:
    """Register the secrets found in a spec-like value (models, mappings, lists, partials)."""
    if depth > 12 or value is None:
        return
    secret_value = getattr(value, "get_secret_value", None)
    if callable(secret_value):  # pydantic SecretStr / SecretBytes
        secret = secret_value()
        register_secret(secret.decode() if isinstance(secret, bytes) else secret)
        return
    if isinstance(value, str):
        if name.lower() == "authorization":
            register_header(value)
        elif _SECRET_NAME.search(name):
            register_secret(value)
        register_url_credentials(value)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _walk(item, depth + 1, str(key))
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _walk(item, depth + 1, name)
    elif isinstance(value, partial):
        _walk(list(value.args), depth + 1)
        _walk(dict(value.keywords), depth + 1)
    elif hasattr(type(value), "model_fields"):  # a pydantic model
        for field_name in type(value).model_fields:
            _walk(getattr(value, field_name, None), depth + 1, field_name)
    elif isinstance(value, Mapping):  # e.g. a client's multidict of headers
        for key, item in value.items():
            _walk(item, depth + 1, str(key))


class RedactingFilter(logging.Filter):
    """Redacts a record's message (its arguments merged in) and its traceback text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _pattern is None:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: let logging report it
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_log_filter(names: Iterable[str] = LOGGERS) -> None:
    """Put one RedactingFilter on each of these loggers (once)."""
    for logger_name in names:
        logger = logging.getLogger(logger_name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


install_log_filter()
