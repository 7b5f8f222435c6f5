"""A request cache keyed by content: an answer paid for once is never paid for again.

An LLM request's answer is stored under a hash of what decides it: the backend and model,
the options marked `decides_output` (temperature, max_new_tokens, seed, ...), the formatted
prompt, the JSON schema sent with it, and the sample index (the k-th of a row's generations),
so that `num_generations: 2 -> 4` reuses samples 0 and 1 and asks only for 2 and 3. Only
answered requests are stored (a failed one is asked again next time).

The store is one SQLite file in WAL mode (stdlib `sqlite3`): many runs may share it at once,
the lookups asked in one turn of the event loop are one indexed read, and a crash loses at
most the answers of the last second (they are still in the run's checkpoint). Answers are
written in batches, a transaction per `COMMIT_EVERY` answers or `COMMIT_SECONDS`, by the
caller's thread (a transaction without fsync, about 5 ms per 1,000 answers); only the WAL
checkpoints, which fsync, run in a helper thread. A writer thread cost more: it fought the
event loop for the GIL on every row (bench/bench_cache.py, docs/benchmarks.md).
docs/checkpoints.md says how it relates to the checkpoint; bench/bench_cache.py measures
its cost.
"""

from __future__ import annotations

import asyncio
import contextlib
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
COMMIT_EVERY = 1024
COMMIT_SECONDS = 1.0
#: Keys per SELECT (SQLite allows 32766 parameters since 3.32; older ones 999).
SELECT_KEYS = 900
#: A rowid table: answers are appended and only the 20-byte keys go in a sorted index.
#: (WITHOUT ROWID kept the answers in the key's B-tree: inserts at random keys moved whole
#: answers around, 4x slower; a file made that way is still read and written.)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key BLOB PRIMARY KEY,
    value BLOB NOT NULL,
    created REAL NOT NULL
)
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
        self._pending: dict[bytes, Completion] = {}  # stored, not yet in the file: found
        self._committed_at = time.monotonic()
        self._lock = threading.RLock()
        self._closed = False
        self._llm_parts: dict[int, tuple[LLM, bytes]] = {}
        self._asked: list[tuple[list[bytes], asyncio.Future[dict[bytes, Completion]]]] = []
        self._checkpoints = _Checkpointer(self.path)

    @staticmethod
    def keys(
        llm: LLM, prompt: Any, schema: dict[str, Any] | None, samples: list[int]
    ) -> list[bytes]:
        """The keys of samples `samples` of one request: the hash of everything that decides
        each answer (the request is serialised once)."""
        return _request_keys(_llm_part(llm), prompt, schema, samples)

    @staticmethod
    def key(llm: LLM, prompt: Any, schema: dict[str, Any] | None, sample: int) -> bytes:
        """The key of one sample of one request."""
        return RequestCache.keys(llm, prompt, schema, [sample])[0]

    def run_keys(
        self, llm: LLM, prompt: Any, schema: dict[str, Any] | None, samples: list[int]
    ) -> list[bytes]:
        """`keys`, with the LLM's part serialised once per run (its options do not change
        while it runs)."""
        part = self._llm_parts.get(id(llm))
        if part is None or part[0] is not llm:
            part = self._llm_parts[id(llm)] = (llm, _llm_part(llm))
        return _request_keys(part[1], prompt, schema, samples)

    async def lookup(self, keys: list[bytes]) -> dict[bytes, Completion]:
        """`get`, batched: the lookups asked in one turn of the event loop share one SELECT
        (bench/bench_cache.py: a SELECT per request cost most of a cold cache's overhead)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[bytes, Completion]] = loop.create_future()
        self._asked.append((keys, future))
        if len(self._asked) == 1:
            loop.call_soon(self._answer_asked)
        return await future

    def _answer_asked(self) -> None:
        asked, self._asked = self._asked, []
        try:
            found = self.get([key for keys, _ in asked for key in keys])
        except BaseException as exc:  # noqa: BLE001 - handed to every waiting lookup
            for _, future in asked:
                if not future.done():
                    future.set_exception(exc)
            return
        for keys, future in asked:
            if not future.done():
                future.set_result({key: found[key] for key in keys if key in found})

    def get(self, keys: list[bytes]) -> dict[bytes, Completion]:
        """The cached answers among `keys`."""
        if not keys:
            return {}
        pending = self._pending
        found = {k: _as_cached(pending[k]) for k in keys if k in pending}
        rest = [k for k in keys if k not in found]
        for start in range(0, len(rest), SELECT_KEYS):
            chunk = rest[start : start + SELECT_KEYS]
            marks = ",".join("?" * len(chunk))
            with self._lock:
                rows = self._db.execute(
                    f"SELECT key, value FROM answers WHERE key IN ({marks})",  # noqa: S608
                    chunk,
                ).fetchall()
            found.update((bytes(key), _completion(value)) for key, value in rows)
        self.stats.hits += len(found)
        self.stats.misses += len(keys) - len(found)
        return found

    def put(self, answers: list[tuple[bytes, Completion]]) -> None:
        """Store answered requests (failed ones are not stored: they are asked again). They
        are written a transaction per `COMMIT_EVERY` answers or `COMMIT_SECONDS`; until then
        `get` finds them in memory."""
        with self._lock:
            for key, completion in answers:
                if completion.text is not None:
                    self._pending[key] = completion
                    self.stats.stored += 1
            due = time.monotonic() - self._committed_at >= COMMIT_SECONDS
            if len(self._pending) >= COMMIT_EVERY or (due and self._pending):
                self.commit()

    def commit(self) -> None:
        """Write everything stored so far to the file."""
        with self._lock:
            self._committed_at = time.monotonic()
            if not self._pending:
                return
            now = time.time()
            rows = [(key, _value(c), now) for key, c in self._pending.items()]
            try:
                self._db.execute("BEGIN IMMEDIATE")  # one transaction (autocommit otherwise)
                self._db.executemany(
                    "INSERT OR REPLACE INTO answers (key, value, created) VALUES (?, ?, ?)", rows
                )
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.rollback()
                raise DistilError(f"request cache {self.path}: cannot write it ({exc})") from None
            self._pending.clear()
            self._checkpoints.written(len(rows))

    def __len__(self) -> int:
        self.commit()
        return self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]

    def close(self) -> None:
        """Write what is pending and close the file."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self.commit()
            finally:
                self._checkpoints.stop()
                self._db.close()


#: Answers written between two WAL checkpoints (about 1,000 pages of 4 KiB, SQLite's own
#: default, for answers of about 2 KiB).
CHECKPOINT_ANSWERS = 2000


class _Checkpointer:
    """Copies the WAL into the database file in a helper thread (the step that fsyncs), so
    that the connection that writes answers (with `wal_autocheckpoint=0`) never waits for
    the disk. SQLite releases the GIL while it checkpoints."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._since = 0
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="distil-cache", daemon=True)
        self._thread.start()

    def written(self, answers: int) -> None:
        self._since += answers
        if self._since >= CHECKPOINT_ANSWERS:
            self._since = 0
            self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def _loop(self) -> None:
        db = sqlite3.connect(self.path, timeout=OPEN_SECONDS, isolation_level=None)
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                with contextlib.suppress(sqlite3.Error):  # (the next one, or SQLite's, retries)
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            db.close()  # the last connection to close checkpoints what is left


#: How long opening waits for another run that is creating or converting the same file.
OPEN_SECONDS = 30.0


def _open(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode with the table made. Switching a new file to WAL takes an
    exclusive lock that SQLite's busy timeout does not wait for: two runs opening the same
    new cache at once retry here instead of failing."""
    deadline = time.monotonic() + OPEN_SECONDS
    delay = 0.01
    while True:
        # used by the thread that runs the event loop, which is not the one that opened it
        # when the caller already runs a loop (a notebook); `RequestCache._lock` serialises
        db = sqlite3.connect(
            path, timeout=OPEN_SECONDS, isolation_level=None, check_same_thread=False
        )
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: fsync at checkpoints only
            db.execute("PRAGMA wal_autocheckpoint=0")  # _Checkpointer's job
            db.execute(_SCHEMA)
            return db
        except sqlite3.OperationalError as exc:
            db.close()
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)  # real wait, another process holds the lock (noqa: real-wait)
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


def _request_keys(
    llm_part: bytes, prompt: Any, schema: dict[str, Any] | None, samples: list[int]
) -> list[bytes]:
    body = hashlib.blake2b(llm_part, digest_size=20)
    body.update(orjson.dumps([prompt, schema], option=orjson.OPT_SORT_KEYS, default=str))
    keys = []
    for sample in samples:
        key = body.copy()
        key.update(b"#%d" % sample)
        keys.append(key.digest())
    return keys


def _value(completion: Completion) -> bytes:
    return orjson.dumps(
        {
            "text": redact(completion.text or ""),
            "model": completion.model,
            "in": completion.input_tokens,
            "out": completion.output_tokens,
        }
    )


def _as_cached(completion: Completion) -> Completion:
    """An answer stored in this run, as a later lookup returns it (redacted, marked cached)."""
    return Completion(
        text=redact(completion.text or ""),
        model=completion.model,
        input_tokens=completion.input_tokens,
        output_tokens=completion.output_tokens,
        cached=True,
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
