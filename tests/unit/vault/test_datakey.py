"""DataKey: hides its value, wipes its buffer, refuses pickling, formats the SQLCipher literal."""

from __future__ import annotations

import pickle

import pytest

from clinician_desk.errors import VaultError
from clinician_desk.vault import DataKey

RAW = bytes.fromhex("00112233445566778899aabbccddeeff" * 2)


def test_raw_and_pragma_literal() -> None:
    key = DataKey(RAW)
    assert key.raw == RAW
    assert key.sqlcipher_pragma_value() == "x'" + RAW.hex().upper() + "'"


def test_repr_and_str_hide_the_key() -> None:
    key = DataKey(RAW)
    for text in (repr(key), str(key), f"{key}", repr([key])):
        assert RAW.hex() not in text.lower()
        assert "hidden" in text


def test_wipe_zeroes_the_buffer_and_blocks_use() -> None:
    key = DataKey(RAW)
    buffer = key._buf
    key.wipe()
    assert buffer == bytearray(32)
    assert key.wiped
    with pytest.raises(VaultError, match="wiped"):
        _ = key.raw
    with pytest.raises(VaultError):
        key.sqlcipher_pragma_value()
    key.wipe()  # idempotent


def test_context_manager_wipes_on_exit() -> None:
    with DataKey(RAW) as key:
        assert key.raw == RAW
    assert key.wiped


def test_cannot_be_pickled_or_hashed() -> None:
    key = DataKey(RAW)
    with pytest.raises(TypeError):
        pickle.dumps(key)
    with pytest.raises(TypeError):
        hash(key)


def test_wrong_length_is_refused() -> None:
    with pytest.raises(VaultError, match="32 bytes"):
        DataKey(b"short")


def test_generated_keys_differ_and_compare_in_constant_time() -> None:
    a, b = DataKey.generate(), DataKey.generate()
    assert a != b
    assert a == DataKey(a.raw)
