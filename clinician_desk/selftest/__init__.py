"""The installed app's self-test (``clinician-desk --self-test``), Qt-free core part.

District IT runs it after a silent install (frozen bundle or a plain install) to know that the
program on this machine works end to end, without a clinician and without touching anyone's data:

* ``resources`` — instruments, handouts, fonts with their licences, icons and UI catalogues exist;
* ``sqlcipher`` — the SQLCipher library loads and encrypts (a page on disk is not plain SQLite);
* ``policy`` — the machine's IT policy (registry / policy file) parses, its CA bundle loads;
* ``tls`` — the sync client's TLS really verifies certificates (``clinician_desk.selftest.tls``);
* ``vault-create`` … ``vault-delete`` — a throw-away vault in a fresh temporary folder (real
  Argon2id with cheap parameters), unlocked again by passphrase and by recovery key, a fictional
  student, a session note written, signed and locked, a screening scored, a session summary and a
  handout in every bundled language rendered in memory through the print service, the database
  verified (cipher pages, structure, foreign keys, audit chain), then everything deleted.

Each check prints one line, ``ok <check>`` or ``FAIL <check>: <reason>``; the run passes only if
every line is ``ok``. A check that needs an earlier one which failed fails too, saying which.
Only obviously fictional data is written, and only inside the temporary folder, which is removed
whatever happens. The Qt part (QtPdf rendering, UI catalogues) is added by ``ui.selftest_qt``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from clinician_desk.clock import SystemClock
from clinician_desk.errors import ClinicianDeskError, WrongPassphraseError
from clinician_desk.selftest.checks import (
    CheckFailed,
    CheckFn,
    CheckResult,
    require,
    run_check,
    run_checks,
)

__all__ = [
    "CheckFailed",
    "CheckFn",
    "CheckResult",
    "require",
    "run_check",
    "run_checks",
    "run_self_test",
]

# Real Argon2id, cheap parameters: the self-test checks the code path, not the cost.
SELFTEST_KDF_MEMORY_KIB = 8 * 1024
PASSPHRASE = "self-test vault, fictional data only"
SCHOOL = "99999999999901"
GAD7_ANSWERS = {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1, "7": 0}
NOTE_TEXT = "Self-test note for a fictional student."


@dataclass
class ThrowAwayVault:
    """State shared by the vault checks; each check needs the ones before it."""

    workdir: Path
    clock: SystemClock = field(default_factory=SystemClock)
    done: set[str] = field(default_factory=set)
    services: Any = None
    recovery_text: str = ""
    student_id: int = 0
    note_id: int = 0
    screening_id: int = 0
    handouts_done: list[str] = field(default_factory=list)

    @property
    def paths(self) -> Any:
        from clinician_desk.config import AppPaths

        return AppPaths.from_option(self.workdir).vault("self-test")

    def needs(self, step: str) -> None:
        require(step in self.done, f"not run because {step} failed")

    def step(self, name: str, fn: CheckFn) -> tuple[str, CheckFn]:
        def wrapped() -> None:
            fn()
            self.done.add(name)

        return name, wrapped

    # -- the checks ------------------------------------------------------------------------
    def create(self) -> None:
        from clinician_desk.bootstrap import build_services
        from clinician_desk.vault import KdfParams, create_vault

        kdf = KdfParams(memory_kib=SELFTEST_KDF_MEMORY_KIB, iterations=1, lanes=1)
        key, self.recovery_text = create_vault(self.paths, PASSPHRASE, clock=self.clock, kdf=kdf)
        try:
            self.services = build_services(self.paths, key, self.clock, create=True)
        except BaseException:
            key.wipe()
            raise
        require(self.paths.database.is_file(), "the database file was not created")
        head = self.paths.database.read_bytes()[:16]
        require(not head.startswith(b"SQLite format 3"), "the database is not encrypted")

    def unlock(self) -> None:
        from clinician_desk.vault import unlock_vault, unlock_with_recovery_key

        self.needs("vault-create")
        want = self.services.key.raw
        by_pass = unlock_vault(self.paths, PASSPHRASE, clock=self.clock)
        by_recovery = unlock_with_recovery_key(self.paths, self.recovery_text)
        try:
            require(by_pass.raw == want, "the passphrase unwrapped a different key")
            require(by_recovery.raw == want, "the recovery key unwrapped a different key")
        finally:
            by_pass.wipe()
            by_recovery.wipe()
        try:
            unlock_vault(self.paths, PASSPHRASE + " (wrong)", clock=self.clock)
        except WrongPassphraseError:
            return
        raise CheckFailed("a wrong passphrase was accepted")

    def note(self) -> None:
        from clinician_desk.domain.sessions import SessionInput
        from clinician_desk.domain.students import Guardian, StudentInput

        self.needs("vault-create")
        record = self.services.record
        today = self.clock.today()
        self.student_id = record.create_student(
            StudentInput(
                legal_first_name="Testy",
                legal_last_name="McSelftest",
                date_of_birth=date(today.year - 12, 3, 4),
                grade="7",
                school_cds=SCHOOL,
                district_student_number="000001",
                consent_basis="parent_consent",
                handout_basis="parent_consent",
                handout_authorized_on=today,
                guardians=(Guardian("Pat Fictional", "parent", "555-0100", "", "es", True),),
            )
        )
        session = SessionInput(
            session_date=today,
            start_minute=600,
            end_minute=630,
            service_code="TX-IND",
            tier=2,
            modality="in_person",
            location="school",
            participant_kind="student",
            school_cds=SCHOOL,
            student_ids=(self.student_id,),
        )
        self.note_id = record.document_session(session).note_ids[self.student_id]
        record.save_draft(self.note_id, {"subjective": NOTE_TEXT, "plan": "Continue."})
        digest = record.sign_note(self.note_id)
        require(len(digest) == 64, "signing returned no content hash")
        view = record.note_view(self.note_id)
        require(view.status == "signed", f"the note is {view.status!r} after signing")
        require(view.sections[0].text == NOTE_TEXT, "the signed note reads back differently")
        try:
            record.save_draft(self.note_id, {"subjective": "changed"})
        except ClinicianDeskError:
            return
        raise CheckFailed("a signed note accepted a change")

    def screening(self) -> None:
        from clinician_desk.services.screenings.use_cases import AdministrationInput

        self.needs("note-sign")
        done = self.services.screenings.record(
            AdministrationInput(self.student_id, "GAD-7", self.clock.today(), GAD7_ANSWERS)
        )
        self.screening_id = done.screening_id
        require(done.result.total == 6, f"GAD-7 total {done.result.total}, expected 6")
        require(done.result.band == "mild", f"GAD-7 band {done.result.band!r}, expected 'mild'")
        require(done.safety_flag_id is None, "a mild GAD-7 raised a safety flag")

    def print_summary(self) -> None:
        from clinician_desk.services.printing import DocumentRequest

        self.needs("note-sign")
        printed = self.services.printing.produce(
            DocumentRequest("session-summary", note_id=self.note_id)
        )
        check_pdf(printed.pdf, "session summary")

    def handout(self, language: str) -> None:
        from clinician_desk.reports import handout_library
        from clinician_desk.services.printing import DocumentRequest

        self.needs("screening-score")
        topic = handout_library.topics()[0]
        printed = self.services.printing.produce(
            DocumentRequest(
                "handout",
                topic=topic,
                language=language,
                student_id=self.student_id,
                personalized=True,
                accept_draft=True,
            )
        )
        require(printed.language == language, f"printed in {printed.language!r}")
        check_pdf(printed.pdf, f"{language} handout")
        self.handouts_done.append(language)

    def verify(self) -> None:
        self.needs("vault-create")
        problems = self.services.db.verify()
        require(not problems, "; ".join(problems[:3]))
        with self.services.db.read() as conn:
            actions = {r[0] for r in conn.execute("SELECT action FROM audit_log")}
        for action in ("note.signed", "screening.recorded", "handout.printed"):
            if action == "handout.printed" and not self.handouts_done:
                continue
            require(action in actions, f"no {action!r} entry in the audit trail")

    def delete(self) -> None:
        self.close()
        shutil.rmtree(self.workdir)
        require(not self.workdir.exists(), "the temporary folder is still there")

    def close(self) -> None:
        if self.services is not None:
            services, self.services = self.services, None
            services.close()

    def checks(self) -> list[tuple[str, CheckFn]]:
        from clinician_desk.reports import handout_library

        out = [
            self.step("vault-create", self.create),
            self.step("vault-unlock", self.unlock),
            self.step("note-sign", self.note),
            self.step("screening-score", self.screening),
            self.step("print-session-summary", self.print_summary),
        ]
        for language in handout_library.languages():
            out.append(self.step(f"handout-{language}", partial(self.handout, language)))
        out.append(self.step("vault-verify", self.verify))
        out.append(self.step("vault-delete", self.delete))
        return out


def check_pdf(data: bytes, what: str) -> None:
    require(data.startswith(b"%PDF-"), f"the {what} is not a PDF")
    require(b"%%EOF" in data[-64:], f"the {what} PDF is truncated")
    require(len(data) > 2000, f"the {what} PDF is only {len(data)} bytes")


def check_resources() -> None:
    from clinician_desk.bundled.paths import resource_path
    from clinician_desk.reports import handout_library

    fonts = resource_path("fonts")
    require(fonts.is_dir(), "resources/fonts is missing")
    require(any(fonts.glob("*.ttf")), "no fonts in resources/fonts")
    require(any(fonts.glob("OFL*")) or any(fonts.glob("LICENSE*")), "font licences are missing")
    instruments = sorted(p.stem for p in resource_path("instruments").glob("*.json"))
    require("GAD-7" in instruments and "PHQ-A" in instruments, "instrument files are missing")
    require(len(handout_library.languages()) >= 2, "handout languages are missing")
    require(resource_path("icons", "clinician-desk.png").is_file(), "the app icon is missing")
    po = list(resource_path("translations").glob("*/LC_MESSAGES/*.po"))
    require(bool(po), "UI translations are missing")


def check_sqlcipher() -> None:
    import sqlcipher3

    conn = sqlcipher3.connect(":memory:")
    try:
        row = conn.execute("PRAGMA cipher_version").fetchone()
    finally:
        conn.close()
    require(bool(row and row[0]), "the loaded SQLite library is not SQLCipher")


def check_policy() -> None:
    """The machine policy parses, and a CA bundle it names can be loaded as PEM."""
    import ssl

    from clinician_desk.config.it_policy import load_policy

    policy = load_policy()  # a broken policy raises ValidationError naming the file and field
    if policy.ca_bundle:
        try:
            ssl.create_default_context(cafile=policy.ca_bundle)
        except (OSError, ssl.SSLError):
            raise CheckFailed(
                f"the policy's CA bundle {policy.ca_bundle} cannot be read as PEM certificates"
            ) from None


def print_warnings(out: TextIO) -> None:
    """Things that do not fail the self-test but must be fixed before real use (one line each)."""
    from clinician_desk.reports.handout_library import county_line_warning

    try:
        warning = county_line_warning()
    except ClinicianDeskError:
        return  # an unreadable machine policy already failed the "policy" check
    if warning:
        print(f"warn county-crisis-line: {warning}", file=out, flush=True)


@contextmanager
def throw_away_vault(base: Path | None = None) -> Iterator[ThrowAwayVault]:
    """A ``ThrowAwayVault`` in a fresh private temp folder, removed on exit whatever happened."""
    workdir = Path(tempfile.mkdtemp(prefix="clinician-desk-selftest-", dir=base))
    vault = ThrowAwayVault(workdir)
    try:
        yield vault
    finally:
        vault.close()
        shutil.rmtree(workdir, ignore_errors=True)


def run_self_test(
    out: TextIO, extra: Iterable[tuple[str, CheckFn]] = (), base: Path | None = None
) -> bool:
    """Run every core check, then ``extra`` (the Qt checks); True when every check passed."""
    from clinician_desk.selftest import tls as selftest_tls

    results = run_checks(
        [
            ("resources", check_resources),
            ("sqlcipher", check_sqlcipher),
            ("policy", check_policy),
            ("tls", selftest_tls.check_tls),
        ],
        out,
    )
    print_warnings(out)
    with throw_away_vault(base) as vault:
        results += run_checks(vault.checks(), out)
    results += run_checks(extra, out)
    return all(r.ok for r in results)
