"""An ingest pauses the cyclic garbage collector, and leaves it as it found it."""

from __future__ import annotations

import gc

import pytest

from socialledger.core.collecting import collection_paused


def test_the_collector_is_off_during_the_work_and_as_before_after_it():
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_failure_inside_restores_it_and_a_collector_that_was_off_stays_off():
    with pytest.raises(ValueError), collection_paused():
        raise ValueError("x")
    assert gc.isenabled()
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
