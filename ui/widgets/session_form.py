"""The session half of the note editor: date, times, service, tier, modality, place, who.

Offers the services of the taxonomy data file (``clinician_desk.bundled.taxonomy.load_taxonomy``)
and the tiers each allows; ``session_input()`` builds the core's ``SessionInput`` (the core
validates it and names any problem). For a group session the clinician ticks the other students
present; each gets their own note. ``to_dict``/``from_dict`` let the unsaved form be kept as an
encrypted form draft.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from ui.i18n import N_, _
from ui.times import DATE_FORMAT


def to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


TEMPLATES = (("SOAP", "SOAP"), ("DAP", "DAP"), ("BIRP", "BIRP"), (N_("Free text"), "free"))
MODALITIES = (
    (N_("In person"), "in_person"),
    (N_("Telehealth"), "telehealth"),
    (N_("Phone"), "phone"),
)
LOCATIONS = (
    (N_("School"), "school"),
    (N_("Home"), "home"),
    (N_("Community"), "community"),
    (N_("Telehealth"), "telehealth"),
    (N_("Other"), "other"),
)
KINDS = ((N_("Student"), "student"), (N_("Family"), "family"), (N_("Group"), "group"))


def _combo(name: str, accessible: str, items: Any) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setAccessibleName(accessible)
    for text, data in items:
        combo.addItem(_(text), data)
    return combo


class SessionFormWidget(QWidget):
    changed = Signal()

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from clinician_desk.bundled.taxonomy import load_taxonomy

        self.taxonomy = load_taxonomy()
        self.date_edit = QDateEdit(QDate(today.year, today.month, today.day))
        self.date_edit.setObjectName("session_date_edit")
        self.date_edit.setAccessibleName(_("Session date"))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat(DATE_FORMAT)
        self.start_edit = QTimeEdit(QTime(10, 0))
        self.start_edit.setObjectName("session_start_time_edit")
        self.start_edit.setAccessibleName(_("Start time"))
        self.start_edit.setDisplayFormat("HH:mm")
        self.minutes_spin = QSpinBox()
        self.minutes_spin.setObjectName("session_minutes_spin_box")
        self.minutes_spin.setAccessibleName(_("Minutes"))
        self.minutes_spin.setRange(1, 600)
        self.minutes_spin.setValue(45)
        self.service_combo = _combo(
            "service_combo_box",
            _("Service"),
            [(s.name, s.code) for s in self.taxonomy.services.values()],
        )
        # Plain names in the list; the code (what the county counts) only as a tooltip.
        for i in range(self.service_combo.count()):
            code = self.service_combo.itemData(i)
            self.service_combo.setItemData(i, code, Qt.ItemDataRole.ToolTipRole)
        self.service_combo.setCurrentIndex(max(0, self.service_combo.findData("TX-IND")))
        # Long service names must not force the form wider than its column.
        self.service_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.service_combo.setMinimumContentsLength(18)
        self.tier_combo = _combo("tier_combo_box", _("Tier"), [])
        self.modality_combo = _combo("modality_combo_box", _("Modality"), MODALITIES)
        self.location_combo = _combo("location_combo_box", _("Location"), LOCATIONS)
        self.kind_combo = _combo("participants_combo_box", _("Participants"), KINDS)
        self.template_combo = QComboBox()
        self.template_combo.setObjectName("template_combo_box")
        self.template_combo.setAccessibleName(_("Note template"))
        for text, data in TEMPLATES:
            self.template_combo.addItem(_(text), data)
        self.group_list = QListWidget()
        self.group_list.setObjectName("group_students_list_widget")
        self.group_list.setAccessibleName(_("Other students present"))
        self.group_list.setMaximumHeight(150)
        # Type to filter: a name, a birth date or a student ID (ticked students stay listed).
        self.group_search_edit = QLineEdit()
        self.group_search_edit.setObjectName("group_search_line_edit")
        self.group_search_edit.setAccessibleName(_("Find a student to add"))
        self.group_search_edit.setPlaceholderText(_("Type a name, birth date or ID…"))
        self.group_search_edit.setClearButtonEnabled(True)
        self.group_search_edit.textChanged.connect(self._filter_group)
        self.group_box = QWidget()
        group_layout = QVBoxLayout(self.group_box)
        group_layout.setContentsMargins(0, 0, 0, 0)
        group_layout.addWidget(self.group_search_edit)
        group_layout.addWidget(self.group_list)
        self.group_label = QLabel(_("Others present"))
        form = QFormLayout(self)
        form.addRow(_("Date"), self.date_edit)
        form.addRow(_("Start"), self.start_edit)
        form.addRow(_("Minutes"), self.minutes_spin)
        form.addRow(_("Service"), self.service_combo)
        form.addRow(_("Tier"), self.tier_combo)
        form.addRow(_("Modality"), self.modality_combo)
        form.addRow(_("Location"), self.location_combo)
        form.addRow(_("Participants"), self.kind_combo)
        form.addRow(self.group_label, self.group_box)
        form.addRow(_("Template"), self.template_combo)
        self.service_combo.currentIndexChanged.connect(self._service_changed)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        for w in (self.date_edit, self.start_edit, self.minutes_spin):
            w.editingFinished.connect(self.changed.emit)
        self._service_changed()
        self._kind_changed()

    def _service_changed(self) -> None:
        service = self.taxonomy.services.get(self.service_combo.currentData())
        code = self.service_combo.currentData()
        self.service_combo.setToolTip(_("Service code: {code}").format(code=code) if code else "")
        self.tier_combo.clear()
        for tier in service.tiers if service else (1, 2, 3):
            self.tier_combo.addItem(_("Tier {n}").format(n=tier), tier)
        self.changed.emit()

    def _kind_changed(self) -> None:
        group = self.kind_combo.currentData() == "group"
        self.group_box.setVisible(group)
        self.group_label.setVisible(group)
        self.changed.emit()

    def set_group_candidates(self, candidates: list[tuple[Any, str]]) -> None:
        self.group_list.clear()
        for student_id, name in candidates:
            item = QListWidgetItem(name, self.group_list)
            item.setToolTip(name)
            item.setData(256, student_id)
            item.setCheckState(item.checkState().Unchecked)

    def _filter_group(self, text: str) -> None:
        words = text.casefold().split()
        for i in range(self.group_list.count()):
            item = self.group_list.item(i)
            label = item.text().casefold()
            ticked = item.checkState() == item.checkState().Checked
            item.setHidden(not ticked and not all(w in label for w in words))

    def others_present(self) -> list[Any]:
        out = []
        for i in range(self.group_list.count()):
            item = self.group_list.item(i)
            if item.checkState() == item.checkState().Checked:
                out.append(item.data(256))
        return out

    def session_input(self, student_id: Any, school_cds: str) -> Any:
        from clinician_desk.domain.sessions import SessionInput

        start = self.start_edit.time()
        start_minute = start.hour() * 60 + start.minute()
        kind = self.kind_combo.currentData()
        students = [student_id]
        if kind == "group":
            students += [s for s in self.others_present() if s != student_id]
        return SessionInput(
            session_date=to_date(self.date_edit.date()),
            start_minute=start_minute,
            end_minute=start_minute + self.minutes_spin.value(),
            service_code=self.service_combo.currentData(),
            tier=self.tier_combo.currentData(),
            modality=self.modality_combo.currentData(),
            location=self.location_combo.currentData(),
            participant_kind=kind,
            school_cds=school_cds,
            student_ids=tuple(students),
            group_size=len(students) if kind == "group" else None,
        )

    def template(self) -> str:
        return str(self.template_combo.currentData())

    def to_dict(self) -> dict[str, object]:
        return {
            "date": self.date_edit.date().toString("yyyy-MM-dd"),
            "start": self.start_edit.time().toString("HH:mm"),
            "minutes": self.minutes_spin.value(),
            "service": self.service_combo.currentData(),
            "tier": self.tier_combo.currentData(),
            "modality": self.modality_combo.currentData(),
            "location": self.location_combo.currentData(),
            "kind": self.kind_combo.currentData(),
            "template": self.template(),
        }

    def from_dict(self, data: dict[str, Any]) -> None:
        self.date_edit.setDate(QDate.fromString(str(data.get("date", "")), "yyyy-MM-dd"))
        self.start_edit.setTime(QTime.fromString(str(data.get("start", "10:00")), "HH:mm"))
        self.minutes_spin.setValue(int(data.get("minutes", 45)))
        for combo, key in (
            (self.service_combo, "service"),
            (self.tier_combo, "tier"),
            (self.modality_combo, "modality"),
            (self.location_combo, "location"),
            (self.kind_combo, "kind"),
            (self.template_combo, "template"),
        ):
            index = combo.findData(data.get(key))
            if index >= 0:
                combo.setCurrentIndex(index)
