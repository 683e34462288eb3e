"""Torture part ``tamper``: the tamper harness N times with random attacks and random targets.

Each run builds a fresh real vault (tests/integration/tamper/harness.py), enrolled with a real
county server on loopback for half of the runs (the other half unenrolled), performs one attack
chosen at random with a random target (which note, which student, how many audit rows), then
unlocks the vault as the application does and runs ``verify`` (with ``--anchors`` when
enrolled). An attack counts as detected when ``verify`` names it (the harness's expectations).
Attacks that only the county can detect (a key holder re-chaining the audit trail) are tried only
on enrolled vaults. An untouched vault is checked too: any finding there is a false alarm.

Figures: ``tamper_tried``, ``tamper_detected``, ``tamper_false_alarms``; every undetected attack
and every false alarm is a breach (target: detected = tried, no false alarms).
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from bench.torture.common import Outcome
from tests.support import tamper_harness as harness
from tests.support.county import DEMO_DISTRICT, CountyServer


def run(folder: Path, runs: int, *, seed: int = 15) -> Outcome:
    out = Outcome()
    rng = random.Random(seed)
    county = CountyServer(folder / "county")
    county.start()
    tried = detected = false_alarms = 0
    by_attack: Counter[str] = Counter()
    try:
        for i in range(runs + 1):
            anchored = i % 2 == 0
            where = folder / f"run-{i:04d}"
            code = county.issue_code((DEMO_DISTRICT,)) if anchored else None
            scene = harness.build_scene(
                where,
                students=rng.randint(2, 4),
                sessions_each=rng.randint(2, 4),
                county=(county.url, code) if code else None,
            )
            if i == runs:  # the control: nothing done to this vault
                found = harness.findings(scene)
                if found:
                    false_alarms += 1
                    out.breaches.append(f"an untouched vault has findings: {found[:2]}")
                continue
            choices = [a for a in harness.ATTACKS if anchored or not a.needs_anchors]
            attack = rng.choice(choices)
            facts = attack.perform(scene, random.Random(rng.random()))
            missed = harness.detected(attack, facts, harness.findings(scene), anchored=anchored)
            tried += 1
            by_attack[attack.name] += 1
            if missed:
                out.breaches.append(f"{attack.name} {facts} not named (expected {missed})")
            else:
                detected += 1
    finally:
        county.stop()
    out.figure("tamper_tried", tried, "attacks")
    out.figure("tamper_detected", detected, "attacks")
    out.figure("tamper_false_alarms", false_alarms, "vaults")
    out.notes.append(", ".join(f"{k} {v}" for k, v in sorted(by_attack.items())))
    return out
