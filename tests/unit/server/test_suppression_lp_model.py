"""The warm-started HiGHS models of the suppression (decision 0064): every LP's point, first pass
and widened re-solves alike, is a witness in the *final* publication — non-negative counts that
agree with every shown number and put the LP's cells at 0 (down) or at 11 or more (up). This is
the guarantee of suppress.py checked point by point, without the attacker's audit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from county_server.publication import cube, suppress
from county_server.publication.audit import NEED
from county_server.publication.cube import Window

WINDOW = Window("2022-07", "2026-11")
MONTHS = ("2025-07", "2025-08", "2025-09", "2025-10")
NDArrayLike = Any


def small_county(seed: int) -> tuple[list[tuple[object, ...]], dict[str, str]]:
    rng = np.random.default_rng(seed)
    units: dict[str, str] = {}
    rows: list[tuple[object, ...]] = []
    for di in range(3):
        d = f"99{di + 1}00000000000"
        units[d] = d
        for k in range(3):
            school = f"{d[:7]}{6000001 + k:07d}"
            units[school] = d
            for month in MONTHS:
                for service in ("TX-IND", "TX-GRP", "CONSULT", "CRISIS"):
                    value = int(rng.integers(0, 8 if service == "CRISIS" else 60))
                    if value:
                        rows.append(("services", school, month, service, 2, "TK-5", "", value))
    return rows, units


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_lp_point_is_a_witness_in_the_final_publication(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A low threshold, so that the widening re-solves run on a county this small.
    monkeypatch.setattr(suppress, "LARGE", 80)
    points: list[tuple[NDArrayLike, NDArrayLike, NDArrayLike, bool, bool]] = []
    original = suppress._TableLP.solve

    def recording(self: suppress._TableLP, part: Any, hidden: Any, down: bool, *a: Any) -> Any:
        found = original(self, part, hidden, down, *a)
        if found is not None:
            points.append((self.base_idx.copy(), found.copy(), part.copy(), down, bool(a)))
        return found

    monkeypatch.setattr(suppress._TableLP, "solve", recording)
    rows, units = small_county(seed)
    built = cube.build_from(rows, [], units, WINDOW)
    pub = built.publication
    a = pub.matrix()
    shown = a[pub.shown]
    assert any(p[4] for p in points), "the widening never ran: only the first pass is checked"
    values = pub.values
    assert not (pub.shown & (values >= 1) & (values <= 10)).any()
    for base_idx, witness, part, down, _ in points:
        y = pub.base.astype(float)
        y[base_idx] = witness
        assert (y >= -1e-7).all()
        np.testing.assert_allclose(shown @ y, shown @ pub.base, atol=1e-6)
        at = a[part] @ y
        if down:
            assert (np.abs(at) <= 1e-6).all()
        else:
            assert (at >= NEED - 1e-6).all()
