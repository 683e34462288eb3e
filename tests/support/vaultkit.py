"""Builds real vaults for the sync tests through the record services (no raw inserts).

``open_vault`` creates a vault (cheap Argon2 parameters) and its services with a ``SyncService``;
``Seeder`` adds students, signed sessions and referrals with every free-text field carrying a
canary string, so payload scans can prove none of it leaves the laptop. All data is fictional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from clinician_desk.bootstrap import Services, build_services
from clinician_desk.clock import FakeClock
from clinician_desk.config import AppPaths
from clinician_desk.domain.referrals import ReferralInput
from clinician_desk.domain.sessions import SessionInput
from clinician_desk.domain.students import Guardian, StudentInput
from clinician_desk.services import notes, students
from clinician_desk.services.record import clinical_events as record_events
from clinician_desk.services.sync_service import SyncService
from clinician_desk.sync.backoff import Backoff
from clinician_desk.vault import KdfParams, create_vault

CANARY = "ZZCANARY"
PASSPHRASE = "fictional-laptop sync test vault 7731"


@dataclass
class Vault:
    services: Services
    sync: SyncService
    clock: FakeClock

    def close(self) -> None:
        self.services.close()


def open_vault(folder: Path, clock: FakeClock | None = None, **sync_kwargs: object) -> Vault:
    clock = clock or FakeClock()
    paths = AppPaths(folder).vault("default")
    key, _recovery = create_vault(
        paths, PASSPHRASE, clock=clock, kdf=KdfParams(memory_kib=1024, iterations=1, lanes=1)
    )
    services = build_services(paths, key, clock, create=True)
    sync_kwargs.setdefault("backoff", Backoff(uniform=lambda: 0.0))
    sync = SyncService(
        services.db,
        clock,
        paths,
        key,
        services.events,
        ca_bundle="",
        **sync_kwargs,  # type: ignore[arg-type]
    )
    return Vault(services, sync, clock)


@dataclass
class Seeder:
    vault: Vault
    counter: int = 0
    student_ids: list[int] = field(default_factory=list)

    def _canary(self, what: str) -> str:
        self.counter += 1
        return f"{CANARY}{what}{self.counter:05d}"

    def student(self, grade: str, school: str) -> int:
        c = self._canary
        data = StudentInput(
            legal_first_name=c("FIRST"),
            legal_last_name=c("LAST"),
            date_of_birth=date(2012, 3, 4),
            grade=grade,
            school_cds=school,
            preferred_name=c("PREF"),
            district_student_number=c("DSN")[-12:],
            ssid="9" + f"{self.counter:09d}",
            language="en",
            consent_basis="parent_consent",
            guardians=(Guardian(c("GUARDIAN"), "parent", "555-0100", c("MAIL") + "@example.org"),),
        )
        with self.vault.services.db.unit_of_work() as uow:
            sid = students.create_student(uow, data, school_name=c("SCHOOLNAME"))
        self.student_ids.append(sid)
        return sid

    def session(
        self,
        day: date,
        service: str,
        tier: int | None,
        school: str,
        student_ids: tuple[int, ...] = (),
        minutes: int = 45,
        *,
        sign: bool = True,
        group_size: int | None = None,
    ) -> int:
        kind = "group" if len(student_ids) > 1 or group_size else "student"
        if kind == "group" and group_size is None:
            group_size = len(student_ids)
        data = SessionInput(
            session_date=day,
            start_minute=9 * 60,
            end_minute=9 * 60 + minutes,
            service_code=service,
            tier=tier,
            modality="in_person",
            location="school",
            participant_kind=kind,
            school_cds=school,
            student_ids=student_ids,
            group_size=group_size,
        )
        with self.vault.services.db.unit_of_work() as uow:
            doc = notes.document_session(uow, data, "SOAP")
            if sign:
                for note_id in doc.note_ids.values():
                    sections = {
                        k: self._canary(k)
                        for k in ("subjective", "objective", "assessment", "plan")
                    }
                    notes.sign_note(uow, note_id, sections)
        return doc.session_id

    def referral(self, student_id: int, day: date, completed: date | None = None) -> int:
        data = ReferralInput(student_id, "community_provider", self._canary("DEST"), day, "anxiety")
        with self.vault.services.db.unit_of_work() as uow:
            rid = record_events.create_referral(uow, data)
            if completed is not None:
                record_events.change_referral_status(uow, rid, "accepted", completed)
                record_events.change_referral_status(uow, rid, "first_appointment", completed)
        return rid
