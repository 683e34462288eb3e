"""Every attack of the tamper harness, on a real vault with the real key, is named by ``verify``.

``findings`` unlocks the vault as the application does and runs ``verify``; an attack passes
when each of its expected patterns (naming the attacked note, student or the number of missing
changes) matches a finding. A vault nobody touched must have no finding at all.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import tamper_harness as harness
from tests.support.county import DEMO_DISTRICT, CountyServer

# Attacks verify does not name yet (issue 15); strict, so a fix must remove the entry.
XFAIL: dict[str, str] = {
    "rehash_rechain_remac": "only county anchors can tell a re-chain by a key holder",
}


def test_an_untouched_vault_has_no_finding(tmp_path: Path) -> None:
    scene = harness.build_scene(tmp_path)
    assert harness.findings(scene) == []


@pytest.mark.parametrize(
    "attack",
    [
        pytest.param(
            a,
            id=a.name,
            marks=[pytest.mark.xfail(strict=True, reason=XFAIL[a.name])] if a.name in XFAIL else [],
        )
        for a in harness.ATTACKS
    ],
)
def test_verify_names_the_attack(tmp_path: Path, attack: harness.Attack) -> None:
    scene = harness.build_scene(tmp_path)
    facts = attack.perform(scene, random.Random(15))
    found = harness.findings(scene)
    assert harness.detected(attack, facts, found) == [], found


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CountyServer]:
    server = CountyServer(tmp_path_factory.mktemp("county"))
    server.start()
    yield server
    server.stop()


def test_an_untouched_anchored_vault_has_no_finding(tmp_path: Path, county: CountyServer) -> None:
    scene = harness.build_scene(tmp_path, county=(county.url, county.issue_code((DEMO_DISTRICT,))))
    assert harness.findings(scene) == []


@pytest.mark.parametrize("attack", harness.ATTACKS, ids=[a.name for a in harness.ATTACKS])
def test_verify_with_county_anchors_names_the_attack(
    tmp_path: Path, county: CountyServer, attack: harness.Attack
) -> None:
    """The same attacks with the laptop enrolled: ``verify --anchors`` against a real county
    server on loopback names every one, the re-chain by a key holder included."""
    scene = harness.build_scene(tmp_path, county=(county.url, county.issue_code((DEMO_DISTRICT,))))
    facts = attack.perform(scene, random.Random(15))
    found = harness.findings(scene)
    assert harness.detected(attack, facts, found, anchored=True) == [], found


def test_an_accepted_rollback_is_recorded_and_no_longer_reported(
    tmp_path: Path, county: CountyServer
) -> None:
    scene = harness.build_scene(tmp_path, county=(county.url, county.issue_code((DEMO_DISTRICT,))))
    harness.rollback_delete_sidecar(scene, random.Random(1))
    assert harness.findings(scene) != []
    key = harness.unlock_vault(scene.paths, harness.PASSPHRASE, clock=scene.clock)
    services = harness.build_services(scene.paths, key, scene.clock)
    try:
        assert services.db.accept_missing_changes() is None  # the sidecar was gone: uncounted
        assert services.sync.accept_anchor_findings() == 2  # both anchors of the scene
        actions = [
            r[0] for r in services.db.conn.execute("SELECT action FROM audit_log ORDER BY id")
        ]
    finally:
        services.close()
    assert actions[-2:] == ["vault.missing_changes_accepted", "vault.anchor_findings_accepted"]
    assert harness.findings(scene) == []


@pytest.mark.parametrize(
    "name", ["drop_trigger_edit_recreate", "forged_backdated_note", "retention_exception"]
)
def test_the_unlock_check_names_changes_since_the_last_unlock(tmp_path: Path, name: str) -> None:
    """Not only ``verify``: unlocking alone names an attack on rows signed since the last clean
    unlock (the incremental check), without blocking the unlock."""
    attack = next(a for a in harness.ATTACKS if a.name == name)
    scene = harness.build_scene(tmp_path)
    facts = attack.perform(scene, random.Random(7))
    key = harness.unlock_vault(scene.paths, harness.PASSPHRASE, clock=scene.clock)
    services = harness.build_services(scene.paths, key, scene.clock)
    try:
        warnings = list(services.warnings)
    finally:
        services.close()
    assert harness.detected(attack, facts, warnings) == [], warnings
