"""No student text, identifier or day-level date ever leaves the laptop.

A vault is filled through the record and screening services with a canary string in every free
text field, plus the fictional demo data; then every byte that can leave — each preview body,
each stored outgoing body, each request the county server received and the server's whole
database file — is scanned for every canary and for every student value in the vault.
"""

from __future__ import annotations

import re
from datetime import date

from clinician_desk.bundled.instruments import load_instruments
from clinician_desk.demo.generator import generate_demo
from clinician_desk.services.screenings import use_cases as screenings
from tests.support.county import DEMO_DISTRICT, DISTRICT, SCHOOLS, CountyServer
from tests.support.vaultkit import CANARY, Seeder, Vault


def _sensitive_values(vault: Vault) -> set[bytes]:
    """Every student text value, id and date in the vault (as bytes to search for)."""
    out: set[bytes] = set()
    with vault.services.db.read() as conn:
        for row in conn.execute(
            "SELECT legal_first_name, legal_last_name, preferred_name, date_of_birth,"
            " district_student_number, ssid FROM students"
        ):
            out |= {str(v).encode() for v in row if v and len(str(v)) >= 4}
        for (name,) in conn.execute("SELECT name FROM guardians"):
            out.add(name.encode())
        for (day,) in conn.execute(
            "SELECT session_date FROM sessions UNION SELECT referral_date FROM referrals"
            " UNION SELECT administered_on FROM screenings"
        ):
            out.add(day.encode())
    return out


def test_nothing_identifying_leaves_the_laptop(
    county: CountyServer, vault: Vault, seeder: Seeder
) -> None:
    a, b = SCHOOLS[0], SCHOOLS[1]
    kids = [seeder.student(g, s) for g, s in (("3", a), ("7", a), ("11", b), ("K", b))]
    seeder.session(date(2026, 8, 4), "TX-IND", 2, a, (kids[0],), 50)
    seeder.session(date(2026, 8, 5), "TX-GRP", 3, a, (kids[0], kids[1]), 45)
    seeder.session(date(2026, 8, 6), "SAFETY-PLAN", 3, b, (kids[2],), 30)
    seeder.session(date(2026, 9, 1), "PSY-EDU-CLASS", 1, b, (), 40, group_size=24)
    seeder.session(date(2026, 9, 2), "CONSULT", 2, a, (), 20)
    seeder.referral(kids[1], date(2026, 8, 7), completed=date(2026, 9, 3))
    instruments = load_instruments()
    with vault.services.db.unit_of_work() as uow:
        for kid, answers in ((kids[1], {"1": 3, "2": 3}), (kids[2], {"1": 0, "2": 1})):
            screenings.record_administration(
                uow,
                screenings.AdministrationInput(kid, "GAD-2", date(2026, 9, 8), answers),
                instruments,
            )
    generate_demo(vault.services.db, students=40, sessions=400, seed=11)

    sync = vault.sync
    periods = sorted({p for (p,) in _rows(vault, "SELECT substr(session_date,1,7) FROM sessions")})
    previews = [p for period in periods for p in sync.preview(period)]
    assert previews, "the seeded vault must produce counts"
    sync.enroll(county.url, county.issue_code((DISTRICT, DEMO_DISTRICT)))
    rounds = sync.sync_until_idle(sleep=lambda s: None)
    assert rounds[-1].stopped is None
    assert sync.status().pending_count == 0

    outgoing = [p.payload.body for p in previews]
    outgoing += [bytes(b) for (b,) in _rows(vault, "SELECT body FROM sync_period")]
    # generated_at (when the snapshot was built, not a student date) is the only day-level
    # text the schema carries; blank it, then no date of any record may remain anywhere.
    stamp = re.compile(rb'"generated_at":"[^"]*"')
    blobs = [stamp.sub(b"", body) for body in outgoing]
    for body in blobs:
        assert not re.search(rb"\d{4}-\d{2}-\d{2}", body)
    server = b"".join(f.read_bytes() for f in county.folder.glob("county.sqlite3*"))
    assert b"snapshot_history" in server
    blobs.append(re.sub(rb"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ?", b"", server))
    needles = _sensitive_values(vault) | {CANARY.encode()}
    assert len(needles) > 100
    numbers = {n for n in needles if n.isdigit()}
    texts = needles - numbers
    for blob in blobs:
        # digits-only values (SSIDs, district numbers) must not appear as a whole number
        assert not numbers & set(re.findall(rb"\d+", blob)), "a student number leaked"
        for needle in texts:
            assert needle not in blob, f"a student value leaked ({len(needle)} bytes)"


def _rows(vault: Vault, sql: str) -> list[tuple[object, ...]]:
    with vault.services.db.read() as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
