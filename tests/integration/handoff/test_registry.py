"""The county's handoff-keys registry with real vaults and a real county server process on
loopback (SQLite and PostgreSQL): enrollment publishes the card, a colleague finds it by name
and school with the fingerprint computed locally, a changed profile replaces it on the next
sync, a revoked device's card disappears, a device cannot publish a card it does not hold the
key of (nor one made for another device), and bad input is a clear 4xx that stores nothing."""

from __future__ import annotations

import base64
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clinician_desk.errors import SyncError
from clinician_desk.services.handoff import HandoffService, registry
from clinician_desk.services.handoff.keys import b64
from clinician_desk.services.profile import set_profile
from clinician_desk.sync import outbox
from clinician_desk.sync.handoff_wire import PATH, SEARCH_PATH, proof_message
from clinician_desk.sync.signing import sign_request
from county_server.db import Database
from tests.support.county import DEMO_DISTRICT, DEMO_SCHOOLS, CountyServer
from tests.support.handoff import add_schools
from tests.support.vaultkit import Vault, open_vault


# One county server process per engine for the module (starting one costs ~1 s); each test
# enrolls its own vaults under names of its own, so the tests do not see each other's cards.
@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def county(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CountyServer]:
    url = None
    if request.param == "postgresql":
        from tests.support.postgres import fresh_pg, pg_url

        url = pg_url()
        if not url:
            pytest.skip("COUNTY_TEST_PG_URL not set (PostgreSQL tests run under scripts/check)")
        fresh_pg(url)
    server = CountyServer(tmp_path_factory.mktemp("county"), db_url=url)
    server.start()
    yield server
    server.stop()


def _vault(folder: Path, county: CountyServer, name: str, credential: str) -> Vault:
    vault = open_vault(folder)
    add_schools(vault)
    set_profile(vault.services.db, display_name=name, credential=credential)
    vault.sync.enroll(county.url, county.issue_code((DEMO_DISTRICT,)))
    # what `sync enroll` (and the app's first round after enrolling) does next
    assert vault.sync.publish_handoff_card(force=True) == "stored"
    return vault


def _find(vault: Vault, **query: str) -> list[registry.FoundCard]:
    return registry.lookup(vault.services.db, vault.clock, vault.sync.client_factory, **query)


def _stored(county: CountyServer) -> list[tuple[Any, ...]]:
    db = Database.open(county.db_url, migrate=False)
    try:
        with db.read() as tx:
            rows = tx.all(
                "SELECT device_id, name, credential, x25519, ed25519 FROM handoff_keys"
                " ORDER BY device_id"
            )
            schools = tx.all("SELECT device_id, school FROM handoff_key_schools ORDER BY 1, 2")
    finally:
        db.close()
    return [tuple(r) for r in rows] + [tuple(s) for s in schools]


def _device(vault: Vault) -> outbox.Device:
    with vault.services.db.read() as conn:
        device = outbox.load_device(conn)
    assert device is not None
    return device


def _send(county: CountyServer, vault: Vault, method: str, path: str, body: bytes) -> Any:
    device = _device(vault)
    headers = sign_request(
        method,
        path,
        body,
        device_id=device.device_id,
        private_key=Ed25519PrivateKey.from_private_bytes(device.private_key),
        created=int(time.time()),
    )
    headers["Content-Type"] = "application/json"
    return requests.request(method, county.url + path, data=body, headers=headers, timeout=10)


_SERIAL = itertools.count(1)


@dataclass
class Two:
    alex: Vault
    blake: Vault
    a: str  # Alex's name, unique to the test
    b: str


@pytest.fixture
def two(tmp_path: Path, county: CountyServer) -> Iterator[Two]:
    """Alex and Blake (surnames unique to the test), both enrolled for the demo district."""
    n = next(_SERIAL)
    a, b = f"Alex Sample{n}", f"Blake Example{n}"
    pair = Two(
        _vault(tmp_path / "alex", county, a, "AMFT"),
        _vault(tmp_path / "blake", county, b, "LCSW"),
        a,
        b,
    )
    yield pair
    pair.alex.close()
    pair.blake.close()


def test_enrollment_publishes_and_a_colleague_finds_the_card(
    county: CountyServer, two: Two
) -> None:
    me = HandoffService(two.alex.services.db).whoami()
    found = _find(two.blake, name="  " + two.a.upper().replace(" ", "   ") + " ")
    assert [(c.name, c.credential, c.fingerprint) for c in found] == [
        (two.a, "AMFT", me.fingerprint)
    ]
    assert set(found[0].schools) == set(DEMO_SCHOOLS)
    # by school: both colleagues; by name and a school they do not list: nobody
    names = {c.name for c in _find(two.blake, school=DEMO_SCHOOLS[1])}
    assert {two.a, two.b} <= names
    assert _find(two.blake, name=two.a, school="01611190130229") == []
    assert _find(two.blake, name="nobody here") == []
    assert _find(two.blake, name="%") == []  # LIKE wildcards are matched literally
    # saving it is the ordinary add-contact of the card (after the fingerprint was read aloud)
    kept = HandoffService(two.blake.services.db).add_contact(found[0].card)
    assert kept.fingerprint == me.fingerprint


def test_a_changed_card_is_replaced_on_the_next_sync_and_an_unchanged_one_not_resent(
    county: CountyServer, two: Two
) -> None:
    before = _stored(county)
    assert two.alex.sync.publish_handoff_card() == "unchanged"  # nothing sent: same card
    assert _stored(county) == before
    renamed = two.a + "-Rivera"
    set_profile(two.alex.services.db, display_name=renamed, credential="LMFT")
    # what `sync` (and the app's round) does after a round the county answered
    assert two.alex.sync.sync_until_idle(sleep=lambda s: None)[-1].stopped is None
    assert two.alex.sync.publish_handoff_card() == "stored"
    assert [(c.name, c.credential) for c in _find(two.blake, name=two.a)] == [(renamed, "LMFT")]
    device = _device(two.alex).device_id
    assert len([r for r in _stored(county) if len(r) == 5 and r[0] == device]) == 1


def test_a_revoked_devices_card_disappears_and_it_can_no_longer_look_up(
    county: CountyServer, two: Two
) -> None:
    assert len(_find(two.blake, name=two.a)) == 1
    county.revoke(_device(two.alex).device_id)
    assert _find(two.blake, name=two.a) == []
    names = {c.name for c in _find(two.blake, school=DEMO_SCHOOLS[0])}
    assert two.b in names and two.a not in names
    with pytest.raises(SyncError, match="403"):
        _find(two.alex, name=two.b)
    with pytest.raises(SyncError, match="403"):
        registry.publish_card(
            two.alex.services.db, two.alex.clock, two.alex.sync.client_factory, force=True
        )


def test_a_retired_devices_card_disappears(county: CountyServer, two: Two) -> None:
    assert len(_find(two.alex, name=two.b)) == 1
    county.retire(_device(two.blake).device_id)
    assert _find(two.alex, name=two.b) == []


def test_a_device_cannot_publish_someone_elses_card(county: CountyServer, two: Two) -> None:
    before = _stored(county)
    built = registry.card_body(two.alex.services.db)
    assert built is not None
    _device_a, alex_card, _digest = built
    # Alex's own card and proof, replayed by Blake's device: the proof names Alex's device.
    body = json.dumps(alex_card).encode()
    reply = _send(county, two.blake, "PUT", PATH, body)
    assert reply.status_code == 401 and reply.json()["error"] == "bad_proof"
    # Alex's public keys under Blake's device with a proof Blake can make (a key of its own):
    # it does not verify under Alex's Ed25519 key.
    forged = {k: v for k, v in alex_card.items() if k != "proof"}
    forged["name"] = two.b
    own_key = Ed25519PrivateKey.generate()
    forged["proof"] = b64(own_key.sign(proof_message(_device(two.blake).device_id, forged)))
    reply = _send(county, two.blake, "PUT", PATH, json.dumps(forged).encode())
    assert reply.status_code == 401 and reply.json()["error"] == "bad_proof"
    # Unsigned (no device signature): refused before the card is read.
    plain = requests.put(county.url + PATH, data=body, timeout=10)
    assert plain.status_code == 401
    assert _stored(county) == before
    assert [c.name for c in _find(two.alex, name=two.b)] == [two.b]


@pytest.fixture(scope="module")
def enrolled(county: CountyServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    vault = open_vault(tmp_path_factory.mktemp("bad"))
    add_schools(vault)
    vault.sync.enroll(county.url, county.issue_code((DEMO_DISTRICT,)))
    yield vault
    vault.close()


def _proofed(vault: Vault, card: dict[str, Any]) -> bytes:
    """``card`` with a valid proof by the vault's own handoff key (so only the defect tested
    can be what the server refuses)."""
    from clinician_desk.services.handoff.service import _identity

    with vault.services.db.unit_of_work() as uow:
        identity = _identity(uow)
    fields = {k: v for k, v in card.items() if k != "proof"}
    try:
        proof = b64(identity.ed25519.sign(proof_message(_device(vault).device_id, fields)))
    except (TypeError, ValueError):
        proof = "x"
    return json.dumps({**fields, "proof": proof}).encode()


BAD_CARDS: list[tuple[str, Any]] = [
    ("name NUL", {"name": "Alex\x00Sample"}),
    ("name huge", {"name": "A" * 5000}),
    ("name 121 characters", {"name": "A" * 121}),
    ("name empty", {"name": "   "}),
    ("name newline", {"name": "Alex\nSample"}),
    ("name not text", {"name": 7}),
    ("credential huge", {"credential": "L" * 41}),
    ("x25519 short", {"x25519": b64(bytes(31))}),
    ("ed25519 long", {"ed25519": b64(bytes(33))}),
    ("x25519 not base64", {"x25519": "!!!!"}),
    ("x25519 padded", {"x25519": base64.urlsafe_b64encode(bytes(range(32))).decode()}),
    ("schools empty", {"schools": []}),
    ("school not a CDS code", {"schools": ["9999999000001x"]}),
    ("school of another county", {"schools": ["01611190130229"]}),
    ("school unknown", {"schools": ["99999990000099"]}),
    ("extra field", {"student": "nobody"}),
]


@pytest.mark.parametrize(("label", "change"), BAD_CARDS, ids=[b[0] for b in BAD_CARDS])
def test_bad_cards_get_a_clear_4xx_and_store_nothing(
    county: CountyServer, enrolled: Vault, label: str, change: dict[str, Any]
) -> None:
    before = _stored(county)
    built = registry.card_body(enrolled.services.db)
    assert built is not None
    card = {**built[1], **change}
    reply = _send(county, enrolled, "PUT", PATH, _proofed(enrolled, card))
    assert 400 <= reply.status_code < 500, label
    data = reply.json()
    assert data["error"] == "invalid", data
    assert data["detail"] and data.get("problems"), data
    assert _stored(county) == before


@pytest.mark.parametrize(
    "body",
    [
        b"{}",
        b'{"name": ""}',
        b'{"school": "123"}',
        b'{"name": "A", "where": "x"}',
        b"[1]",
        b"not json",
        json.dumps({"name": "x" * 500}).encode(),
        json.dumps({"name": "A\u0000B"}).encode(),
    ],
)
def test_bad_lookups_get_a_422(county: CountyServer, enrolled: Vault, body: bytes) -> None:
    reply = _send(county, enrolled, "POST", SEARCH_PATH, body)
    assert reply.status_code == 422
    assert reply.json()["error"] == "invalid"


def test_a_body_over_64_kib_is_413_and_stores_nothing(
    county: CountyServer, enrolled: Vault
) -> None:
    before = _stored(county)
    built = registry.card_body(enrolled.services.db)
    assert built is not None
    card = {**built[1], "name": "N" * 70_000}
    reply = _send(county, enrolled, "PUT", PATH, json.dumps(card).encode())
    assert reply.status_code == 413 and reply.json()["error"] == "too_large"
    assert _stored(county) == before
