"""A request cache keyed by content: an answer paid for once is never paid for again.

An LLM request's answer is stored under a hash of what decides it: the backend and model,
the options marked `decides_output` (temperature, max_new_tokens, seed, ...), the formatted
prompt, the JSON schema sent with it, and the sample index (the k-th of a row's generations),
so that `num_generations: 2 -> 4` reuses samples 0 and 1 and asks only for 2 and 3. Only
answered requests are stored (a failed one is asked again next time).

The store is one SQLite file in WAL mode (stdlib `sqlite3`): many runs may share it at once,
a lookup is one indexed read, and a crash loses at most the answers of the last second (they
are still in the run's checkpoint). A helper thread writes, a transaction per `COMMIT_EVERY`
answers or `COMMIT_SECONDS`, so the event loop never waits for the disk.
docs/checkpoints.md says how it relates to the checkpoint; bench/bench_cache.py measures
its cost.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from distilabel_cli.errors import DistilError
from distilabel_cli.llms.base import Completion
from distilabel_cli.redact import redact

if TYPE_CHECKING:
    from distilabel_cli.llms.base import LLM

CACHE_FILE = "requests.sqlite"
#: Bump when the key or value layout changes: older entries are then never matched.
KEY_VERSION = 1
COMMIT_EVERY = 256
COMMIT_SECONDS = 1.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key BLOB PRIMARY KEY,
    value BLOB NOT NULL,
    created REAL NOT NULL
) WITHOUT ROWID
"""


def default_cache_dir() -> Path:
    """`DISTIL_CACHE_DIR`, else `$XDG_CACHE_HOME/distil/requests` (`~/.cache/...`)."""
    explicit = os.environ.get("DISTIL_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "distil" / "requests"


@dataclass
class CacheStats:
    """What a run got from the cache."""

    hits: int = 0
    misses: int = 0
    stored: int = 0


class RequestCache:
    """Answers by request content, in a SQLite file under `folder` (made if missing)."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder).expanduser() if folder is not None else default_cache_dir()
        self.path = self.folder / CACHE_FILE
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._db = _open(self.path)
        except (OSError, sqlite3.Error) as exc:
            raise DistilError(
                f"request cache {self.path}: cannot open it ({exc}); set run.cache to another "
                "folder, or run with --no-cache"
            ) from None
        self.stats = CacheStats()
        self._unwritten: dict[bytes, bytes] = {}  # stored, not yet in the file: still found
        self._queue: list[tuple[bytes, bytes, float]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._written = threading.Condition(self._lock)
        self._closing = False
        self._error: BaseException | None = None
        self._writer = threading.Thread(target=self._write_loop, name="distil-cache", daemon=True)
        self._writer.start()

    @staticmethod
    def keys(
        llm: LLM, prompt: Any, schema: dict[str, Any] | None, samples: list[int]
    ) -> list[bytes]:
        """The keys of samples `samples` of one request: the hash of everything that decides
        each answer (the request is serialised once)."""
        body = _llm_part(llm) + orjson.dumps(
            [prompt, schema], option=orjson.OPT_SORT_KEYS, default=str
        )
        return [hashlib.blake2b(body + b"#%d" % k, digest_size=20).digest() for k in samples]

    @staticmethod
    def key(llm: LLM, prompt: Any, schema: dict[str, Any] | None, sample: int) -> bytes:
        """The key of one sample of one request."""
        return RequestCache.keys(llm, prompt, schema, [sample])[0]

    def get(self, keys: list[bytes]) -> dict[bytes, Completion]:
        """The cached answers among `keys`."""
        if not keys:
            return {}
        with self._lock:
            found = {k: _completion(self._unwritten[k]) for k in keys if k in self._unwritten}
        rest = [k for k in keys if k not in found]
        if rest:
            marks = ",".join("?" * len(rest))
            rows = self._db.execute(
                f"SELECT key, value FROM answers WHERE key IN ({marks})",  # noqa: S608 - only ?s
                rest,
            ).fetchall()
            found.update((bytes(key), _completion(value)) for key, value in rows)
        self.stats.hits += len(found)
        self.stats.misses += len(keys) - len(found)
        return found

    def put(self, answers: list[tuple[bytes, Completion]]) -> None:
        """Store answered requests (failed ones are not stored: they are asked again). The
        file is written by a helper thread, a transaction per `COMMIT_EVERY` answers or
        `COMMIT_SECONDS`; until then `get` finds them in memory."""
        now = time.time()
        rows = [(key, _value(c), now) for key, c in answers if c.text is not None]
        if not rows:
            return
        with self._lock:
            if self._error is not None:
                raise DistilError(f"request cache {self.path}: cannot write it ({self._error})")
            self._queue += rows
            self._unwritten.update((key, value) for key, value, _ in rows)
            if len(self._queue) >= COMMIT_EVERY:
                self._wake.set()
        self.stats.stored += len(rows)

    def _write_loop(self) -> None:
        """The helper thread: write what `put` queued, with a connection of its own."""
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA synchronous=NORMAL")  # per connection: WAL syncs at checkpoints
        try:
            while True:
                self._wake.wait(COMMIT_SECONDS)
                self._wake.clear()
                with self._lock:
                    rows, self._queue = self._queue, []
                    closing = self._closing
                if rows:
                    try:
                        db.execute("BEGIN")  # one transaction (autocommit mode otherwise)
                        db.executemany(
                            "INSERT OR REPLACE INTO answers (key, value, created) VALUES (?, ?, ?)",
                            rows,
                        )
                        db.execute("COMMIT")
                    except sqlite3.Error as exc:
                        self._error = exc
                        if db.in_transaction:
                            db.rollback()
                with self._lock:
                    for key, value, _time in rows:
                        if self._unwritten.get(key) == value:  # (not stored again since)
                            del self._unwritten[key]
                    self._written.notify_all()
                if closing:
                    return
        finally:
            db.close()

    def commit(self) -> None:
        """Wait until everything stored so far is in the file."""
        with self._lock:
            if not self._queue and not self._unwritten:
                return
            self._wake.set()
            self._written.wait_for(lambda: not self._unwritten or self._error is not None)

    def __len__(self) -> int:
        self.commit()
        return self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]

    def close(self) -> None:
        """Write what is pending and close the file."""
        if self._closing:
            return
        with self._lock:
            self._closing = True
        self._wake.set()
        self._writer.join()
        self._db.close()
        if self._error is not None:
            raise DistilError(f"request cache {self.path}: cannot write it ({self._error})")


#: How long opening waits for another run that is creating or converting the same file.
OPEN_SECONDS = 30.0


def _open(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode with the table made. Switching a new file to WAL takes an
    exclusive lock that SQLite's busy timeout does not wait for: two runs opening the same
    new cache at once retry here instead of failing."""
    deadline = time.monotonic() + OPEN_SECONDS
    delay = 0.01
    while True:
        db = sqlite3.connect(path, timeout=OPEN_SECONDS, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(_SCHEMA)
            return db
        except sqlite3.OperationalError as exc:
            db.close()
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)  # noqa: real-wait - another process holds the lock
            delay = min(delay * 2, 0.5)


def _llm_part(llm: LLM) -> bytes:
    """What of the LLM decides its answers: backend, model, the `decides_output` options."""
    content = {
        "v": KEY_VERSION,
        # a stand-in for an LLM run elsewhere (a Ray replica) names the real backend
        "backend": getattr(llm, "backend_name", None) or type(llm).__name__,
        "model": llm.model_name,
        "options": llm.output_settings(),
    }
    return orjson.dumps(content, option=orjson.OPT_SORT_KEYS, default=str)


def _value(completion: Completion) -> bytes:
    return orjson.dumps(
        {
            "text": redact(completion.text or ""),
            "model": completion.model,
            "in": completion.input_tokens,
            "out": completion.output_tokens,
        }
    )


def _completion(value: bytes) -> Completion:
    data = orjson.loads(value)
    return Completion(
        text=data["text"],
        model=data.get("model"),
        input_tokens=data.get("in") or 0,
        output_tokens=data.get("out") or 0,
        cached=True,
    )
