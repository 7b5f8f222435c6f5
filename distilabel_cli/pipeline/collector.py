"""Fewer garbage collections while rows stream: CPython's default (a collection every 700
new objects, and a full one every 100 of those) spent about 40 % of a fast run's CPU walking
the objects that imports, the input and the HTTP client keep alive (bench/bench_engine.py,
docs/benchmarks.md). During a run the objects alive at its start are frozen (left out of
collections) and the youngest generation is collected every `YOUNG_OBJECTS` objects; both
are put back when the run ends."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: New container objects between two collections of the youngest generation during a run.
YOUNG_OBJECTS = 20_000

_lock = threading.Lock()
_runs = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect garbage less often while the body runs (runs may nest or overlap)."""
    global _runs, _saved
    with _lock:
        if _runs == 0:
            threshold = gc.get_threshold()
            if 0 < threshold[0] < YOUNG_OBJECTS:  # 0: the caller turned collections off
                _saved = threshold
                gc.freeze()
                gc.set_threshold(YOUNG_OBJECTS, *threshold[1:])
        _runs += 1
    try:
        yield
    finally:
        with _lock:
            _runs -= 1
            if _runs == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                gc.unfreeze()
                _saved = None
