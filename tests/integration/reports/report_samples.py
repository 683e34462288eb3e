"""Synthetic, obviously fictional inputs for the document renderers (no real person)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from clinician_desk.reports.models import (
    AddendumView,
    CaseloadReportDoc,
    CaseloadStudentRow,
    HoursLogDoc,
    HoursRow,
    NoteSection,
    PersonalDetails,
    PlanStep,
    ResponseLine,
    RunningTotal,
    SafetyPlanDoc,
    ScreeningSummaryDoc,
    ServiceMonthRow,
    SessionSummaryDoc,
    TrendPoint,
)

STUDENT = "Zephyrine Testcase"


def session_doc(signed: bool = True) -> SessionSummaryDoc:
    return SessionSummaryDoc(
        student_name=STUDENT,
        student_ref="S-0042",
        school="Fictional Oaks Middle School",
        session_date=date(2026, 9, 14),
        service_code="TX-IND",
        service_name="Individual therapy",
        minutes=45,
        modality="in person",
        template="SOAP",
        sections=(
            NoteSection("Subjective", "Student reports sleeping poorly before quizzes."),
            NoteSection("Objective", "Calm, engaged, good eye contact."),
            NoteSection("Assessment", "Test-related worry; no safety concerns today."),
            NoteSection("Plan", "Practise paced breathing; meet again next week."),
        ),
        signed_by="Alex Sample, AMFT" if signed else None,
        signed_at=datetime(2026, 9, 14, 17, 5, tzinfo=UTC) if signed else None,
        addenda=(
            AddendumView(
                "Corrected: session was in the library room.",
                "Alex Sample, AMFT",
                datetime(2026, 9, 15, 9, 30, tzinfo=UTC),
            ),
        )
        if signed
        else (),
        tier=2,
        location="Library room B",
        participants="student",
    )


def screening_doc() -> ScreeningSummaryDoc:
    items = [f"Item {i}: sample question text number {i}" for i in range(1, 10)]
    return ScreeningSummaryDoc(
        student_name=STUDENT,
        student_ref="S-0042",
        instrument_name="PHQ-A",
        instrument_version="1.0",
        administered_on=date(2026, 10, 1),
        respondent="self",
        language="en",
        responses=tuple(ResponseLine(q, "Several days", "1") for q in items),
        scores=(("Total", "9"),),
        band="mild",
        flags=("Item 9 answered above 0: safety follow-up required",),
        attribution="Sample attribution line for a fictional instrument.",
        trend=(
            TrendPoint(date(2026, 8, 20), 14),
            TrendPoint(date(2026, 9, 3), 12),
            TrendPoint(date(2026, 10, 1), 9),
        ),
        trend_max=27,
        rule_version="r1",
        administered_by="Alex Sample, AMFT",
    )


def safety_plan_doc(empty_step: int | None = None) -> SafetyPlanDoc:
    titles = (
        "Warning signs",
        "Internal coping strategies",
        "People and social settings that provide distraction",
        "People whom I can ask for help",
        "Professionals or agencies I can contact during a crisis",
        "Making the environment safe",
    )
    items = {
        1: ("Can't sleep, feel trapped",),
        2: ("Draw in my sketchbook", "Listen to music"),
        3: ("Basketball court at the park",),
        4: ("Aunt Example — (555) 010-0000",),
        5: ("School clinician, room 12",),
        6: ("Ask a parent to lock up medicines",),
    }
    return SafetyPlanDoc(
        student_name=STUDENT,
        created_on=date(2026, 10, 1),
        steps=tuple(
            PlanStep(n, titles[n - 1], () if n == empty_step else items[n]) for n in range(1, 7)
        ),
        clinician="Alex Sample, AMFT",
    )


def hours_doc() -> HoursLogDoc:
    return HoursLogDoc(
        associate_name="Alex Sample",
        license_type="AMFT",
        registration="AMFT 000000",
        supervisor_name="Jordan Placeholder, LMFT",
        site="Fictional Unified School District",
        week_start=date(2026, 9, 14),
        rows=(
            HoursRow("Direct clinical counseling", 11.5, "direct, total"),
            HoursRow("Children, couples and families", 11.5, "AMFT 500-hour minimum"),
            HoursRow("Non-clinical (notes, coordination)", 9.0, "total"),
            HoursRow("Supervision, individual", 1.0, "total"),
            HoursRow("Supervision, group", 2.0, "total"),
        ),
        running_totals=(
            RunningTotal("Total experience", 812.0, 3000),
            RunningTotal("Direct clinical counseling", 402.5, 1750),
            RunningTotal("Non-clinical", 301.0, 1250, is_maximum=True),
        ),
        warnings=("Direct hours over 10 this week: an extra supervision unit is required.",),
    )


def caseload_doc() -> CaseloadReportDoc:
    return CaseloadReportDoc(
        clinician="Alex Sample, AMFT",
        year=2026,
        month=9,
        schools=("Fictional Oaks Middle School",),
        services=(
            ServiceMonthRow("TX-IND", "Individual therapy", 22, 9, 990),
            ServiceMonthRow("PSY-EDU-CLASS", "Classroom SEL", 4, 0, 180, participants=112),
            ServiceMonthRow("SCR-UNIV", "Universal or brief screening", 15, 15, 150),
        ),
        students=(
            CaseloadStudentRow(STUDENT, "7", "Fictional Oaks MS", 4, 180, date(2026, 9, 28)),
            CaseloadStudentRow("Quill Imaginary", "8", "Fictional Oaks MS", 3, 135, None),
        ),
    )


def personal() -> PersonalDetails:
    return PersonalDetails(
        student_name=STUDENT,
        services=("Individual therapy",),
        sessions_attended=6,
        attendance_period="2026-09-01 to 2026-10-15",
        results=("PHQ-A 2026-10-01: 9 (mild)",),
    )
