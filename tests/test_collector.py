"""Fewer garbage collections during a run (pipeline/collector.py): the collector's settings
are changed only while a run lasts, and put back however it ends."""

from __future__ import annotations

import gc
import threading

import pytest

from distilabel_cli.pipeline.collector import YOUNG_OBJECTS, fewer_collections


def test_a_run_collects_less_often_and_puts_the_settings_back() -> None:
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    with fewer_collections():
        assert gc.get_threshold()[0] == YOUNG_OBJECTS
        assert gc.get_threshold()[1:] == before[1:]
        assert gc.get_freeze_count() > frozen  # what was alive before the run
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_overlapping_runs_put_the_settings_back_once_the_last_ends() -> None:
    before = gc.get_threshold()
    inner_started, outer_may_end = threading.Event(), threading.Event()

    def inner() -> None:
        with fewer_collections():
            inner_started.set()
            outer_may_end.wait(timeout=30)

    with fewer_collections():
        thread = threading.Thread(target=inner)
        thread.start()
        assert inner_started.wait(timeout=30)
    assert gc.get_threshold()[0] == YOUNG_OBJECTS  # the other run still goes on
    outer_may_end.set()
    thread.join(timeout=30)
    assert gc.get_threshold() == before


def test_an_error_in_the_run_still_puts_the_settings_back() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("boom")
    assert gc.get_threshold() == before


def test_a_caller_who_turned_collections_off_keeps_them_off() -> None:
    before = gc.get_threshold()
    gc.set_threshold(0)
    try:
        with fewer_collections():
            assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)
