"""``paused_gc``: the collector is off inside the block and back to its previous state after."""

from __future__ import annotations

import gc

import pytest

from ui.gc_pause import paused_gc


def test_paused_inside_restored_after_even_on_error():
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("fictional failure")
    assert gc.isenabled()


def test_a_collector_already_off_stays_off():
    gc.disable()
    try:
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
