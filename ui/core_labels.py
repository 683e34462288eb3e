"""Words the Qt-free core hands the UI as data, marked here so they reach the catalogues.

Note section titles (``clinician_desk.domain.notes.SECTION_TITLES``), note statuses
(``NOTE_STATUSES``), the Stanley–Brown step titles (``clinician_desk.domain.safety_plans.STEPS``),
the service names of the bundled taxonomy (``resources/taxonomy.json``), the instruments' titles
and their score bands (``resources/instruments/*.json``) are English data in the core, which
never imports the UI's gettext; the pages show them through ``_()``. The instruments'
attributions are not translated: they are the rights holders' notices, shown as published.
``tests/ui/test_spanish_catalogue.py`` checks that these lists still match the core.
"""

from __future__ import annotations

from ui.i18n import N_

SECTION_TITLES = (
    N_("Subjective"),
    N_("Objective"),
    N_("Assessment"),
    N_("Plan"),
    N_("Data"),
    N_("Behavior"),
    N_("Intervention"),
    N_("Response"),
    N_("Note"),
)
NOTE_STATUSES = (N_("draft"), N_("signed"))
STEP_TITLES = (
    N_("Warning signs"),
    N_("Internal coping strategies"),
    N_("People and social settings that provide distraction"),
    N_("People whom I can ask for help"),
    N_("Professionals or agencies I can contact during a crisis"),
    N_("Making the environment safe"),
)
SERVICE_NAMES = (
    N_("Classroom / universal SEL or psychoeducation"),
    N_("Small-group psychoeducation / skills"),
    N_("Universal or brief screening"),
    N_("Substance-use screening (CRAFFT)"),
    N_("Intake / assessment"),
    N_("Individual therapy"),
    N_("Family therapy (with or without student)"),
    N_("Group therapy"),
    N_("Crisis intervention / risk assessment"),
    N_("Safety planning"),
    N_("Care coordination / case management"),
    N_("Consultation with teachers or parents (no student)"),
    N_("Referral out"),
    N_("Mandated report filed"),
)
INSTRUMENT_TITLES = (
    N_("Ask Suicide-Screening Questions (ASQ)"),
    N_("Columbia-Suicide Severity Rating Scale (C-SSRS) Screener"),
    N_("CRAFFT 2.1 Substance Use Screen"),
    N_("Generalized Anxiety Disorder 2-item scale (GAD-2)"),
    N_("Generalized Anxiety Disorder 7-item scale (GAD-7)"),
    N_("Patient Health Questionnaire-2 (PHQ-2)"),
    N_("Patient Health Questionnaire-9 (PHQ-9)"),
    N_("PHQ-9 modified for Adolescents (PHQ-A)"),
    N_("Pediatric Symptom Checklist-17 (PSC-17), parent form"),
)
BAND_NAMES = (
    N_("lower risk"),
    N_("higher risk"),
    N_("negative"),
    N_("positive"),
    N_("minimal"),
    N_("mild"),
    N_("moderate"),
    N_("severe"),
    N_("moderately severe"),
    N_("below cut-off"),
    N_("at or above cut-off"),
)
