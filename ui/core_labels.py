"""Words the Qt-free core hands the UI as data, marked here so they reach the catalogues.

Note section titles (``clinician_desk.domain.notes.SECTION_TITLES``), note statuses
(``NOTE_STATUSES``) and the Stanley–Brown step titles (``clinician_desk.domain.safety_plans.STEPS``)
are English data in the core, which never imports the UI's gettext; the pages show them through
``_()``. ``tests/ui/test_spanish_catalogue.py`` checks that these lists still match the core.
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
