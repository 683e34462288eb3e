"""Every bad package is refused with a clear message and nothing half imported: truncated,
altered, re-signed by someone else, addressed to someone else, from an unknown sender, of an
older or newer format, for a school this vault lacks, a student already here; a replayed
package changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinician_desk.services.handoff import HandoffService, PackageRefused
from clinician_desk.services.handoff.keys import Identity, b64
from clinician_desk.services.handoff.package import MAGIC
from clinician_desk.storage.repositories import handoff as handoff_repo
from tests.support.handoff import Pair, add_schools, make_pair, student_ids, table_counts
from tests.support.vaultkit import Vault, open_vault


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    p = make_pair(tmp_path_factory.mktemp("bad"), students=8, sessions=120)
    yield p
    p.close()


@pytest.fixture(scope="module")
def third(tmp_path_factory: pytest.TempPathFactory, pair: Pair) -> Iterator[Vault]:
    """A third clinician (no schools yet) whose card the sender and the recipient keep."""
    v = open_vault(tmp_path_factory.mktemp("third"), pair.sender.clock)
    card = HandoffService(v.services.db).whoami().card
    pair.out.add_contact(card)
    pair.into.add_contact(card)
    yield v
    v.close()


@pytest.fixture(scope="module")
def package(pair: Pair) -> bytes:
    return pair.out.export(student_ids(pair.sender)[:3], pair.recipient_fp).data


def _refused(pair: Pair, data: bytes, match: str) -> None:
    before = table_counts(pair.recipient)
    with pytest.raises(PackageRefused, match=match):
        pair.into.import_package(data)
    after = table_counts(pair.recipient)
    # The identity made on first use is the only thing a refused import may leave (none here).
    assert after == before


def _header_end(data: bytes) -> int:
    return len(MAGIC) + 6 + int.from_bytes(data[len(MAGIC) + 2 : len(MAGIC) + 6], "big")


@pytest.mark.parametrize("keep", [0, 5, 11, 14, 40, -200, -65, -1])
def test_a_truncated_package_is_refused(pair: Pair, package: bytes, keep: int) -> None:
    cut = package[:keep]
    _refused(pair, cut, "truncated|not a clinician-desk handoff package")


def test_not_a_package(pair: Pair) -> None:
    _refused(pair, b"%PDF-1.7 fictional", "not a clinician-desk handoff package")


@pytest.mark.parametrize("where", ["header", "enc", "sealed", "signature"])
def test_an_altered_package_is_refused(pair: Pair, package: bytes, where: str) -> None:
    end = _header_end(package)
    at = {
        "header": package.index(b'"made_at":"') + 12,
        "enc": end + 3,
        "sealed": end + 32 + 8 + 100,
        "signature": len(package) - 10,
    }[where]
    data = bytearray(package)
    data[at] ^= 0x01
    _refused(pair, bytes(data), "altered")


def test_bytes_appended_are_refused(pair: Pair, package: bytes) -> None:
    _refused(pair, package + b"\0", "altered")


@pytest.mark.parametrize(("version", "word"), [(0, "older"), (2, "newer")])
def test_another_format_version_is_refused(
    pair: Pair, package: bytes, version: int, word: str
) -> None:
    data = MAGIC + version.to_bytes(2, "big") + package[len(MAGIC) + 2 :]
    _refused(pair, data, f"format version {version}, written by an? {word}")


def test_a_package_resigned_by_someone_else_is_refused(
    pair: Pair, package: bytes, third: Vault
) -> None:
    """A third clinician the recipient knows swaps in their own keys and re-signs: the seal is
    bound to the original header, so it no longer opens."""
    with third.services.db.read() as conn:
        raw = handoff_repo.read_identity(conn)
    assert raw is not None
    thief = Identity.from_raw(*raw)
    pub = thief.public("")
    end = _header_end(package)
    header = json.loads(package[len(MAGIC) + 6 : end])
    header["sender"] = {
        "fingerprint": pub.fingerprint,
        "x25519": b64(pub.x25519),
        "ed25519": b64(pub.ed25519),
    }
    new_header = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    front = MAGIC + package[len(MAGIC) : len(MAGIC) + 2] + len(new_header).to_bytes(4, "big")
    body = front + new_header + package[end:-64]
    _refused(pair, body + thief.ed25519.sign(body), "altered")


def test_a_package_for_someone_else_is_refused(pair: Pair, third: Vault) -> None:
    fp = HandoffService(third.services.db).whoami().fingerprint
    other = pair.out.export(student_ids(pair.sender)[3:4], fp).data
    _refused(pair, other, "addressed to another clinician")


def test_unknown_sender_then_missing_school_then_accepted(pair: Pair, third: Vault) -> None:
    service = HandoffService(third.services.db)
    data = pair.out.export(student_ids(pair.sender)[4:6], service.whoami().fingerprint).data
    before = table_counts(third)
    with pytest.raises(PackageRefused, match="not known here"):
        service.import_package(data)
    assert table_counts(third) == before
    with pair.sender.services.db.read() as conn:
        name = handoff_repo.read_identity(conn)
    assert name is not None
    service.add_contact(pair.out.whoami().card)
    before = table_counts(third)
    with pytest.raises(PackageRefused, match="does not serve the school"):
        service.import_package(data)
    assert table_counts(third) == before
    add_schools(third)
    done = service.import_package(data)
    assert len(done.student_ids) == 2
    assert third.services.db.verify() == []


def test_a_replayed_package_changes_nothing(pair: Pair) -> None:
    data = pair.out.export(student_ids(pair.sender)[6:7], pair.recipient_fp).data
    first = pair.into.import_package(data)
    assert not first.already and first.student_ids
    before = table_counts(pair.recipient)
    again = pair.into.import_package(data)
    assert again.already
    assert table_counts(pair.recipient) == before
    # A second package with a student already here is refused whole.
    twice = pair.out.export(student_ids(pair.sender)[6:8], pair.recipient_fp).data
    _refused(pair, twice, "already in this vault")
    assert pair.recipient.services.db.verify() == []


def test_export_refusals(pair: Pair) -> None:
    with pytest.raises(Exception, match="No colleague with the handoff fingerprint"):
        pair.out.export([1], "11111 22222 33333 44444 55555 66666")
    with pytest.raises(Exception, match="6 groups of 5 digits"):
        pair.out.export([1], "12345")
    with pytest.raises(Exception, match="only be included for students in the handoff"):
        pair.out.export([1], pair.recipient_fp, psychotherapy_for=[2])
    with pytest.raises(Exception, match="No student with id 999"):
        pair.out.export([999], pair.recipient_fp)


def test_written_package_holds_no_plain_text(tmp_path: Path, pair: Pair) -> None:
    data = pair.out.export(student_ids(pair.sender)[:2], pair.recipient_fp).data
    with pair.sender.services.db.read() as conn:
        values = [
            str(v)
            for row in conn.execute(
                "SELECT legal_first_name, legal_last_name, district_student_number FROM students"
                " WHERE id IN (1, 2)"
            )
            for v in row
            if v
        ]
        sections = [str(r[0]) for r in conn.execute("SELECT sections FROM notes LIMIT 20")]
    assert values
    for v in values:
        assert v.encode() not in data
    for s in sections:
        for part in json.loads(s).values():
            if len(part) > 12:
                assert part.encode() not in data


def test_an_altered_copy_of_an_imported_package_is_still_refused(pair: Pair) -> None:
    data = pair.out.export(student_ids(pair.sender)[7:8], pair.recipient_fp).data
    pair.into.import_package(data)
    altered = bytearray(data)
    altered[-100] ^= 0x01
    _refused(pair, bytes(altered), "altered")


def test_export_says_how_many_unsigned_notes_stay_behind(pair: Pair) -> None:
    from datetime import date

    from clinician_desk.domain.sessions import SessionInput
    from clinician_desk.services import notes
    from tests.support.handoff import rows_of

    sid = student_ids(pair.sender)[5]
    school = rows_of(pair.sender, "students", "id = ?", (sid,))[0]["school_cds"]
    session = SessionInput(
        session_date=date(2026, 10, 9),
        start_minute=600,
        end_minute=640,
        service_code="TX-IND",
        tier=2,
        modality="in_person",
        location="school",
        participant_kind="student",
        school_cds=school,
        student_ids=(sid,),
    )
    with pair.sender.services.db.unit_of_work() as uow:
        notes.document_session(uow, session, "SOAP")  # a draft note, never signed
    done = pair.out.export([sid], pair.recipient_fp)
    assert done.drafts_left >= 1
