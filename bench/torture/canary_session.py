"""Child of the canary torture: ``python -m bench.torture.canary_session DATA_DIR CANARY``.

A full scripted session through the services, every free-text field carrying the canary: vault
creation, a student (names, guardian), session notes (autosaved drafts, a draft left unsigned,
signed notes, an addendum, a psychotherapy note, a form draft), a safety plan, a PHQ-A with item 9
positive and its safety follow-up, a referral, search (names, notes, psychotherapy), then print
previews of every document kind rendered in memory only. Prints ``HITS n`` (search hits for the
canary — proves the data is really in the vault) and ``PDFS n``. The parent runs it with HOME,
TMPDIR and the XDG folders pointed into a scratch folder and scans it afterwards.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

from clinician_desk.bootstrap import create_vault_and_open
from clinician_desk.clock import SystemClock
from clinician_desk.config import AppPaths
from clinician_desk.domain.referrals import ReferralInput
from clinician_desk.domain.screenings.safety import SafetyFollowUp
from clinician_desk.domain.sessions import SessionInput
from clinician_desk.domain.students import Guardian, StudentInput
from clinician_desk.services.printing import DocumentRequest
from clinician_desk.services.screenings.use_cases import AdministrationInput
from clinician_desk.vault import TEST_KDF

SCHOOL = "99999990000011"
PASSPHRASE = "canary fictional lantern otter"


def main(data_dir: str, canary: str) -> None:
    clock = SystemClock()
    paths = AppPaths.from_option(Path(data_dir)).vault("default")
    services, _recovery = create_vault_and_open(paths, PASSPHRASE, clock=clock, kdf=TEST_KDF)
    record = services.record
    today = clock.now().date()
    sid = record.create_student(
        StudentInput(
            legal_first_name=f"{canary}",
            legal_last_name=f"{canary}son",
            date_of_birth=date(today.year - 14, 3, 4),
            grade="9",
            school_cds=SCHOOL,
            preferred_name=f"{canary}y",
            district_student_number="0012345",
            language="es",
            consent_basis="parent_consent",
            handout_basis="parent_consent",
            handout_authorized_on=today,
            guardians=(Guardian(f"{canary} Guardian", "parent", "555-0100", "", "es", True),),
        ),
        school_name="Fictional Canary High",
    )
    session = SessionInput(
        today, 600, 645, "TX-IND", 2, "in_person", "school", "student", SCHOOL, (sid,)
    )
    signed = []
    for i in range(3):
        note_id = record.document_session(session).note_ids[sid]
        for v in range(3):  # autosave as the editor would
            record.save_draft(note_id, {"subjective": f"{canary} draft {i}.{v} " * 30})
        if i < 2:
            record.sign_note(note_id, {"subjective": f"{canary} signed {i} " * 40, "plan": canary})
            signed.append(note_id)
    record.add_addendum(signed[0], f"Addendum {canary}")
    session_id = record.note_view(signed[0]).session_id
    record.save_psychotherapy_note(session_id, sid, f"Process note {canary} " * 20)
    record.save_form_draft(f"new-student-{canary}", {"first": canary, "notes": canary * 10})
    plan_id = record.save_safety_plan(
        sid, {"warning_signs": [f"{canary} warning"], "coping_strategies": [f"{canary} walks"]}
    )
    record.create_referral(
        ReferralInput(sid, "community_provider", f"{canary} Clinic", today, "anxiety")
    )
    answers: dict[str, object] = {str(n): 1 for n in range(1, 10)}
    answers.update(past_year="no", serious_thoughts="no", ever_attempted="no")
    done = services.screenings.record(AdministrationInput(sid, "PHQ-A", today, answers))
    services.screenings.record_follow_up(
        done.screening_id,
        SafetyFollowUp(
            "low", str(plan_id), None, "notified", f"{canary} rationale", datetime.now(UTC)
        ),
    )
    hits = len(record.search(canary)) + len(record.search(canary[:6]))
    hits += len(record.search(canary, include_psychotherapy=True))
    record.caseload()
    record.student_page(sid)
    pdfs = [
        DocumentRequest("session-summary", note_id=signed[0]),
        DocumentRequest("screening-summary", screening_id=done.screening_id),
        DocumentRequest("safety-plan", student_id=sid, accept_draft=True),
        DocumentRequest("handout", "sleep", student_id=sid, personalized=True, accept_draft=True),
        DocumentRequest("handout", "anxiety", language="en"),
        DocumentRequest("caseload-report", year=today.year, month=today.month),
    ]
    size = 0
    for req in pdfs:
        size += len(services.printing.produce(req).pdf)
    problems = services.db.verify()
    services.close()
    print(f"HITS {hits}", flush=True)
    print(f"PDFS {len(pdfs)} {size}", flush=True)
    print(f"VERIFY {len(problems)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
