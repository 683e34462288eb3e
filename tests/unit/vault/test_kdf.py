"""Argon2id parameters: calibration (with a fake timer), memory floor, range checks, NFC."""

from __future__ import annotations

import pytest

from clinician_desk.errors import UsageError
from clinician_desk.vault.kdf import (
    DEFAULT_MEMORY_KIB,
    MAX_ITERATIONS,
    SMALL_MACHINE_MEMORY_KIB,
    KdfParams,
    calibrate,
    default_memory_kib,
    derive_key,
)


class FakeArgon:
    """Pretends each derivation costs ``fixed + per_iteration × iterations`` seconds."""

    def __init__(self, fixed: float, per_iteration: float, fail_above_kib: int | None = None):
        self.fixed, self.per_iteration, self.fail_above_kib = fixed, per_iteration, fail_above_kib
        self.calls: list[KdfParams] = []

    def __call__(self, params: KdfParams) -> float:
        self.calls.append(params)
        if self.fail_above_kib is not None and params.memory_kib > self.fail_above_kib:
            raise MemoryError
        return self.fixed + self.per_iteration * params.iterations


@pytest.mark.parametrize(
    ("fixed", "per_iteration"),
    [(0.05, 0.19), (0.1, 0.05), (0.0, 0.3), (0.2, 0.01), (0.02, 0.45)],
)
def test_calibration_lands_in_the_half_to_one_second_window(
    fixed: float, per_iteration: float
) -> None:
    fake = FakeArgon(fixed, per_iteration)
    params = calibrate(memory_kib=DEFAULT_MEMORY_KIB, measure=fake)
    cost = fake.fixed + fake.per_iteration * params.iterations
    assert 0.5 <= cost <= 1.0
    assert params.memory_kib == DEFAULT_MEMORY_KIB
    assert params.lanes == 4


def test_slow_machine_gets_one_iteration_not_zero() -> None:
    params = calibrate(memory_kib=DEFAULT_MEMORY_KIB, measure=FakeArgon(1.5, 0.8))
    assert params.iterations == 1


def test_very_fast_machine_is_capped() -> None:
    params = calibrate(memory_kib=DEFAULT_MEMORY_KIB, measure=FakeArgon(0.0, 0.0001))
    assert params.iterations == MAX_ITERATIONS


def test_calibration_steps_down_when_the_check_run_is_too_slow() -> None:
    class Noisy(FakeArgon):
        def __call__(self, params: KdfParams) -> float:
            base = super().__call__(params)
            return base if params.iterations <= 2 else base * 1.6  # later runs are slower

    fake = Noisy(0.05, 0.19)
    params = calibrate(memory_kib=DEFAULT_MEMORY_KIB, measure=fake)
    assert fake.calls[-1].iterations == params.iterations
    assert (0.05 + 0.19 * params.iterations) * 1.6 <= 1.0


def test_a_noisy_first_estimate_converges_in_a_few_derivations() -> None:
    """On a busy machine two iterations can time no slower than one: the estimate then starts
    at the cap. Stepping down one iteration per 6-second check took minutes at `init`; the
    check must scale down by what it measured."""

    class Noisy(FakeArgon):
        def __call__(self, params: KdfParams) -> float:
            self.calls.append(params)
            if len(self.calls) <= 5:  # warm-up and the 1- and 2-iteration timings: all alike
                return 0.3
            return self.fixed + self.per_iteration * params.iterations

    fake = Noisy(0.05, 0.1)
    params = calibrate(memory_kib=DEFAULT_MEMORY_KIB, measure=fake)
    assert 0.05 + 0.1 * params.iterations <= 1.0
    assert len(fake.calls) <= 5 + 4


def test_memory_error_falls_back_to_the_64_mib_floor() -> None:
    fake = FakeArgon(0.05, 0.2, fail_above_kib=SMALL_MACHINE_MEMORY_KIB)
    params = calibrate(memory_kib=DEFAULT_MEMORY_KIB, measure=fake)
    assert params.memory_kib == SMALL_MACHINE_MEMORY_KIB


def test_default_memory_depends_on_installed_ram() -> None:
    assert default_memory_kib(total_ram=16 * 1024**3) == DEFAULT_MEMORY_KIB == 128 * 1024
    assert default_memory_kib(total_ram=1 * 1024**3) == SMALL_MACHINE_MEMORY_KIB == 64 * 1024


@pytest.mark.parametrize(
    "params",
    [
        KdfParams(memory_kib=1024, iterations=0, lanes=1),
        KdfParams(memory_kib=1024, iterations=10_000, lanes=1),
        KdfParams(memory_kib=2**40, iterations=1, lanes=1),
        KdfParams(memory_kib=8, iterations=1, lanes=4),
        KdfParams(memory_kib=1024, iterations=1, lanes=0),
    ],
)
def test_out_of_range_parameters_are_refused_before_any_work(params: KdfParams) -> None:
    assert params.problems()
    with pytest.raises(UsageError, match="key-derivation parameters"):
        derive_key("a long enough passphrase", b"\x00" * 16, params)


def test_derivation_normalises_unicode_and_depends_on_salt() -> None:
    cheap = KdfParams(memory_kib=64, iterations=1, lanes=1)
    composed, decomposed = "caf\u00e9 au lait tous", "cafe\u0301 au lait tous"
    salt = b"\x01" * 16
    assert derive_key(composed, salt, cheap) == derive_key(decomposed, salt, cheap)
    assert derive_key(composed, salt, cheap) != derive_key(composed, b"\x02" * 16, cheap)


def test_empty_passphrase_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="empty"):
        derive_key("", b"\x00" * 16, KdfParams(memory_kib=64, iterations=1, lanes=1))
