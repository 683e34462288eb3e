"""Add or edit a student: identity, school, grade, languages, the primary guardian, consent.

"Edit student…" on the student page opens the same form filled with the stored record
(``record.student_for_edit``, an audited read) and saves through ``record.update_student``, which
applies the core's rules and audits the names of the changed fields. The consent section records
the basis, the HSC 124260(c) documentation and the student's written authorization for
personalized handouts (with its date). Guardians other than the primary stay as stored.

Builds the core's ``StudentInput`` from the form and calls the record service on the database
worker; the core validates (and names the field at fault, which the dialog shows without closing,
so nothing typed is lost; a lock keeps the form as an encrypted form draft, offered back
the next time the dialog opens). When the consent basis is minor consent, the HSC 124260(c)
parent-contact documentation fields appear; the core refuses the student without them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.i18n import _
from ui.theme.apply import set_semantic
from ui.widgets.date_field import DateField
from ui.widgets.form_draft import DialogDraft
from ui.widgets.scrolling_form import ScrollingForm

GRADES = ("TK", "K", *[str(g) for g in range(1, 13)])


def _line(name: str, accessible: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    return edit


def _combo(name: str, accessible: str, items: list[tuple[str, Any]]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setAccessibleName(accessible)
    for text, data in items:
        combo.addItem(text, data)
    return combo


class StudentDialog(QDialog):
    student_saved = Signal(object)

    def __init__(
        self,
        ctx: UiContext,
        parent: QWidget | None = None,
        *,
        student_id: int | None = None,
        initial: Any = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("student_dialog")
        self.setWindowTitle(_("Add student") if student_id is None else _("Edit student"))
        self.ctx = ctx
        self.student_id = student_id
        self.initial = initial
        self.first_edit = _line("legal_first_name_line_edit", _("Legal first name"))
        self.last_edit = _line("legal_last_name_line_edit", _("Legal last name"))
        self.preferred_edit = _line("preferred_name_line_edit", _("Preferred name"))
        self.dob_edit = DateField("date_of_birth_line_edit", _("Date of birth"))
        self.grade_combo = _combo("grade_combo_box", _("Grade"), [(g, g) for g in GRADES])
        self.school_combo = _combo("school_combo_box", _("School"), [])
        self.school_combo.setEditable(True)
        self.school_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line = self.school_combo.lineEdit()
        if line is not None:
            line.setPlaceholderText(_("Pick a school, or type a new school's 14-digit CDS code"))
        # The known schools come from the vault (code and name), loaded below.
        self.school_name_edit = _line("school_name_line_edit", _("School name (new school)"))
        self.district_number_edit = _line("district_number_line_edit", _("District student number"))
        self.language_edit = _line("student_language_line_edit", _("Student's language"))
        self.guardian_name_edit = _line("guardian_name_line_edit", _("Guardian name"))
        self.guardian_relationship_edit = _line(
            "guardian_relationship_line_edit", _("Relationship")
        )
        self.guardian_phone_edit = _line("guardian_phone_line_edit", _("Guardian phone"))
        self.guardian_language_edit = _line("guardian_language_line_edit", _("Guardian language"))
        self.consent_combo = _combo(
            "consent_basis_combo_box",
            _("Consent basis"),
            [
                (_("Not recorded yet"), None),
                (_("Parent/guardian consent"), "parent_consent"),
                (_("Minor consent (HSC 124260 / Fam. Code 6924)"), "minor_consent"),
            ],
        )
        self.contact_date_edit = DateField(
            "parent_contact_date_line_edit", _("Parent contact attempted on")
        )
        self.contact_outcome_edit = _line("parent_contact_outcome_line_edit", _("Outcome"))
        self.contact_reason_edit = _line(
            "parent_contact_reason_line_edit", _("Why contact would be inappropriate")
        )
        self.handout_combo = _combo(
            "handout_basis_combo_box",
            _("Personalized handouts"),
            [
                (_("Only with parent-consented care"), None),
                (_("Student's written authorization on file"), "student_authorization"),
            ],
        )
        self.handout_date_edit = DateField(
            "handout_authorized_on_line_edit", _("Written authorization dated")
        )
        self.message = QLabel()
        self.message.setObjectName("student_message_label")
        self.message.setWordWrap(True)
        set_semantic(self.message, "risk")

        identity = QFormLayout()
        identity.addRow(_("Legal first name"), self.first_edit)
        identity.addRow(_("Legal last name"), self.last_edit)
        identity.addRow(_("Preferred name"), self.preferred_edit)
        identity.addRow(_("Date of birth"), self.dob_edit)
        identity.addRow(_("Grade"), self.grade_combo)
        identity.addRow(_("School"), self.school_combo)
        identity.addRow(_("School name (if new)"), self.school_name_edit)
        identity.addRow(_("District student no."), self.district_number_edit)
        identity.addRow(_("Student's language"), self.language_edit)
        guardian = QGroupBox(_("Guardian"))
        g_form = QFormLayout(guardian)
        g_form.addRow(_("Name"), self.guardian_name_edit)
        g_form.addRow(_("Relationship"), self.guardian_relationship_edit)
        g_form.addRow(_("Phone"), self.guardian_phone_edit)
        g_form.addRow(_("Preferred language"), self.guardian_language_edit)
        consent = QGroupBox(_("Consent"))
        c_form = QFormLayout(consent)
        c_form.addRow(_("Basis"), self.consent_combo)
        self.contact_box = QGroupBox(_("HSC 124260(c) parent contact"))
        p_form = QFormLayout(self.contact_box)
        p_form.addRow(_("Attempted on"), self.contact_date_edit)
        p_form.addRow(_("Outcome"), self.contact_outcome_edit)
        p_form.addRow(_("Or: reason it is inappropriate"), self.contact_reason_edit)
        c_form.addRow(self.contact_box)
        c_form.addRow(_("Personalized handouts"), self.handout_combo)
        c_form.addRow(_("Written authorization dated"), self.handout_date_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setObjectName("save_student_button")
        save.setAccessibleName(_("Save student"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("cancel_student_button")
        cancel.setAccessibleName(_("Cancel"))
        body = QVBoxLayout()
        body.addLayout(identity)
        body.addWidget(guardian)
        body.addWidget(consent)
        layout = QVBoxLayout(self)
        # A short screen scrolls the form; the message and the buttons stay in view.
        layout.addWidget(ScrollingForm(body, "student_form_scroll_area"), 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.consent_combo.currentIndexChanged.connect(self._consent_changed)
        self.handout_combo.currentIndexChanged.connect(self._handout_changed)
        if initial is not None:
            self._fill(initial)
        self._load_schools()
        self._consent_changed()
        self._handout_changed()
        # a new student has one slot (no id yet); an edit is keyed by the student's id, so the
        # record's destruction removes it. A lock keeps what was typed, encrypted.
        key = "student:new" if student_id is None else f"student-edit:{student_id}"
        self.draft = DialogDraft(self, ctx, key)
        layout.insertWidget(0, self.draft.bar)
        self.draft.offer_restore()

    def reject(self) -> None:
        self.draft.cancelled()  # an explicit cancel drops the draft; a lock keeps it
        super().reject()

    def _consent_changed(self) -> None:
        self.contact_box.setVisible(self.consent_combo.currentData() == "minor_consent")

    def _load_schools(self) -> None:
        services = self.ctx.services
        if services is None:
            return
        self.ctx.tasks.run_db(
            lambda _c: services.record.schools(),
            context=self,
            on_done=self._schools_loaded,
            name="schools",
        )

    def _schools_loaded(self, schools: list[tuple[str, str]]) -> None:
        draft = getattr(self, "draft", None)
        was_clean = draft is not None and not draft.dirty()
        typed = self.school_combo.currentText()
        self.school_combo.blockSignals(True)
        self.school_combo.clear()
        for code, name in schools:
            self.school_combo.addItem(f"{name} ({code})" if name else code, code)
        self.school_combo.setCurrentIndex(-1)
        self.school_combo.setEditText(typed)
        self.school_combo.blockSignals(False)
        if typed:
            self._select_school_code(typed)
        if draft is not None and was_clean:  # showing the list is not typing: nothing to keep
            draft.baseline = draft.state()

    def _select_school_code(self, code: str) -> None:
        index = self.school_combo.findData(code)
        if index >= 0:
            self.school_combo.setCurrentIndex(index)

    def school_code(self) -> str:
        """The chosen school's CDS code: a picked school stores its code, never its name; a
        typed name of a known school counts as picking it; anything else is taken as typed (a
        new school's code, which the core checks)."""
        text = self.school_combo.currentText().strip()
        for i in range(self.school_combo.count()):
            code = str(self.school_combo.itemData(i))
            label = self.school_combo.itemText(i)
            name = label.rsplit(" (", 1)[0]
            if text in (label, code) or text.casefold() == name.casefold():
                return code
        return text

    def _handout_changed(self) -> None:
        self.handout_date_edit.setEnabled(
            self.handout_combo.currentData() == "student_authorization"
        )

    def _fill(self, s: Any) -> None:
        """Show a stored student for correction (Edit student)."""

        self.first_edit.setText(s.legal_first_name)
        self.last_edit.setText(s.legal_last_name)
        self.preferred_edit.setText(s.preferred_name)
        self.dob_edit.set_date(s.date_of_birth)
        self.grade_combo.setCurrentIndex(max(0, self.grade_combo.findData(s.grade)))
        self.school_combo.setEditText(s.school_cds)
        self._select_school_code(s.school_cds)
        self.district_number_edit.setText(s.district_student_number)
        self.language_edit.setText(s.language)
        if s.guardians:
            g = next((g for g in s.guardians if g.is_primary), s.guardians[0])
            self.guardian_name_edit.setText(g.name)
            self.guardian_relationship_edit.setText(g.relationship)
            self.guardian_phone_edit.setText(g.phone)
            self.guardian_language_edit.setText(g.preferred_language)
        self.consent_combo.setCurrentIndex(max(0, self.consent_combo.findData(s.consent_basis)))
        contact = s.parent_contact
        if contact is not None:
            self.contact_date_edit.set_date(contact.attempted_on)
            self.contact_outcome_edit.setText(contact.outcome)
            self.contact_reason_edit.setText(contact.inappropriate_reason)
        if s.handout_basis == "student_authorization":
            self.handout_combo.setCurrentIndex(self.handout_combo.findData(s.handout_basis))
            self.handout_date_edit.set_date(s.handout_authorized_on)

    def student_input(self) -> Any:
        from clinician_desk.domain.students import Guardian, ParentContact, StudentInput

        contact = None
        if self.consent_combo.currentData() == "minor_consent":
            reason = self.contact_reason_edit.text().strip()
            outcome = self.contact_outcome_edit.text().strip()
            contact = ParentContact(
                attempted_on=None
                if reason and not outcome
                else self.contact_date_edit.value(required=False),
                outcome=outcome,
                inappropriate_reason=reason,
            )
        from dataclasses import replace

        guardians: tuple[Guardian, ...] = ()
        # Only the primary guardian is on this form: any others stored stay as they are.
        stored = tuple(self.initial.guardians) if self.initial is not None else ()
        primary = next((g for g in stored if g.is_primary), stored[0] if stored else None)
        others = tuple(g for g in stored if g is not primary)
        if self.guardian_name_edit.text().strip():
            base = primary or Guardian(name="", is_primary=True)
            guardians = (
                replace(
                    base,
                    name=self.guardian_name_edit.text(),
                    relationship=self.guardian_relationship_edit.text().strip(),
                    phone=self.guardian_phone_edit.text().strip(),
                    preferred_language=self.guardian_language_edit.text().strip(),
                    is_primary=True,
                ),
            )
        guardians += others
        handout = self.handout_combo.currentData()
        school = self.school_code()
        return StudentInput(
            legal_first_name=self.first_edit.text(),
            legal_last_name=self.last_edit.text(),
            date_of_birth=self.dob_edit.required(),
            grade=self.grade_combo.currentData(),
            school_cds=str(school),
            preferred_name=self.preferred_edit.text().strip(),
            district_student_number=self.district_number_edit.text().strip(),
            language=self.language_edit.text().strip(),
            consent_basis=self.consent_combo.currentData(),
            parent_contact=contact,
            handout_basis=handout,
            handout_authorized_on=self.handout_date_edit.value(required=False) if handout else None,
            guardians=guardians,
            ssid=self.initial.ssid if self.initial is not None else "",
        )

    def submit(self) -> None:
        try:
            student = self.student_input()
        except ClinicianDeskError as exc:
            self.message.setText(exc.message)
            return
        services = self.ctx.require_services()
        self.buttons.setEnabled(False)
        if self.student_id is not None:
            student_id = self.student_id
            self.ctx.tasks.run_db(
                lambda _c: services.record.update_student(student_id, student),
                context=self,
                on_done=lambda _changed: self._saved(student_id),
                on_error=self._failed,
                name="edit-student",
            )
            return
        self.ctx.tasks.run_db(
            lambda _c: services.record.create_student(
                student, school_name=self.school_name_edit.text().strip()
            ),
            context=self,
            on_done=self._saved,
            on_error=self._failed,
            name="add-student",
        )

    def _saved(self, student_id: Any) -> None:
        self.student_saved.emit(student_id)
        self.accept()

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(exc.message)
