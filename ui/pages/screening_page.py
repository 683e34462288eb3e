"""Screening administration: pick an instrument, one item at a time in large type, the result.

The core decides everything: ``ScreeningFlow`` (``clinician_desk.domain.screenings``) says which
item comes next given the answers so far (ASQ item 5, the C-SSRS skips, CRAFFT's CAR-only path),
and scoring gives the result. This page only renders ``flow.current`` big enough to hand the
laptop to a student, with one large button per option, Back, and Skip for optional items.
While the questions show, the page is a kiosk (``kiosk_changed``): the main window hides the
sidebar and menus and disables every shortcut but Lock; leaving before the last question needs
the clinician's passphrase ("Clinician: end screening…") or the lock screen.

At the end the administration is stored through ``services.screenings`` on the database worker.
A critical result opens the safety workflow dialog at once, and the screening cannot be closed —
"Close screening" stays disabled and navigation away is refused — until the follow-up is recorded.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.i18n import N_, _
from ui.theme.apply import semantic_hex
from ui.widgets.buttons import named_button

RESPONDENTS = (
    (N_("Student (self)"), "self"),
    (N_("Parent"), "parent"),
    (N_("Teacher"), "teacher"),
)


def _big(widget: QWidget, points: int) -> None:
    font = widget.font()
    font.setPointSize(points)
    widget.setFont(font)


class ScreeningPage(QWidget):
    finished = Signal(object)
    kiosk_changed = Signal(bool)  # True while a student answers: the window shows only this

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screening_page")
        self.title = _("Screening")
        self.ctx = ctx
        self.student_id: Any = None
        self.flow: Any = None
        self.result: Any = None
        self.administration_id: Any = None
        self.follow_up_pending = False
        self._option_buttons: list[QPushButton] = []
        self.kiosk = False
        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_choose())
        self.stack.addWidget(self._build_item())
        self.stack.addWidget(self._build_result())
        QVBoxLayout(self).addWidget(self.stack)

    # -- building -----------------------------------------------------------------------------
    def _build_choose(self) -> QWidget:
        from clinician_desk.bundled.instruments import load_instruments

        page = QWidget()
        self.instrument_combo = QComboBox()
        self.instrument_combo.setObjectName("instrument_combo_box")
        self.instrument_combo.setAccessibleName(_("Instrument"))
        for instrument in load_instruments().values():
            self.instrument_combo.addItem(_(instrument.title), instrument.id)
        self.respondent_combo = QComboBox()
        self.respondent_combo.setObjectName("respondent_combo_box")
        self.respondent_combo.setAccessibleName(_("Respondent"))
        for text, value in RESPONDENTS:
            self.respondent_combo.addItem(_(text), value)
        self.attribution_label = QLabel()
        self.attribution_label.setObjectName("attribution_label")
        self.attribution_label.setWordWrap(True)
        self.begin_button = named_button("begin_screening_button", _("Begin"))
        self.choose_header = QLabel(_("Open a student and choose “Administer screening”."))
        layout = QVBoxLayout(page)
        layout.addWidget(self.choose_header)
        layout.addWidget(QLabel(_("Instrument")))
        layout.addWidget(self.instrument_combo)
        layout.addWidget(QLabel(_("Who answers")))
        layout.addWidget(self.respondent_combo)
        layout.addWidget(self.attribution_label)
        layout.addWidget(self.begin_button, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self.instrument_combo.currentIndexChanged.connect(self._instrument_changed)
        self.begin_button.clicked.connect(self.begin)
        self._instrument_changed()
        return page

    def _build_item(self) -> QWidget:
        page = QWidget()
        self.progress_label = QLabel()
        self.progress_label.setObjectName("screening_progress_label")
        self.instructions_label = QLabel()
        self.instructions_label.setWordWrap(True)
        self.instructions_label.setObjectName("screening_instructions_label")
        _big(self.instructions_label, 14)
        self.item_label = QLabel()
        self.item_label.setObjectName("screening_item_label")
        self.item_label.setWordWrap(True)
        self.item_label.setAccessibleName(_("Question"))
        _big(self.item_label, 22)
        self.options_box = QWidget()
        self.options_layout = QGridLayout(self.options_box)
        self.count_spin = QSpinBox()
        self.count_spin.setObjectName("count_answer_spin_box")
        self.count_spin.setAccessibleName(_("Number"))
        _big(self.count_spin, 20)
        self.count_next_button = named_button("count_next_button", _("Next"))
        _big(self.count_next_button, 18)
        count_row = QHBoxLayout()
        count_row.addWidget(self.count_spin)
        count_row.addWidget(self.count_next_button)
        count_row.addStretch(1)
        self.back_button = named_button("screening_back_button", _("Back"))
        self.skip_button = named_button("screening_skip_button", _("Skip"))
        self.hand_back_button = named_button(
            "hand_back_to_clinician_button", _("Clinician: end screening…")
        )
        nav = QHBoxLayout()
        nav.addWidget(self.back_button)
        nav.addStretch(1)
        nav.addWidget(self.skip_button)
        nav.addSpacing(24)
        nav.addWidget(self.hand_back_button)
        layout = QVBoxLayout(page)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.instructions_label)
        layout.addSpacing(12)
        layout.addWidget(self.item_label)
        layout.addSpacing(12)
        layout.addWidget(self.options_box)
        layout.addLayout(count_row)
        layout.addStretch(1)
        layout.addLayout(nav)
        self.count_next_button.clicked.connect(lambda: self.answer(self.count_spin.value()))
        self.back_button.clicked.connect(self.back)
        self.skip_button.clicked.connect(self.skip)
        self.hand_back_button.clicked.connect(self.ask_clinician)
        self._count_widgets = (self.count_spin, self.count_next_button)
        return page

    def _build_result(self) -> QWidget:
        page = QWidget()
        self.result_label = QLabel()
        self.result_label.setObjectName("screening_result_label")
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        _big(self.result_label, 13)
        self.follow_up_button = named_button(
            "record_safety_follow_up_button", _("Record safety follow-up…")
        )
        self.close_button = named_button("close_screening_button", _("Close screening"))
        row = QHBoxLayout()
        row.addWidget(self.follow_up_button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout = QVBoxLayout(page)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        layout.addLayout(row)
        self.follow_up_button.clicked.connect(self.open_safety_workflow)
        self.close_button.clicked.connect(self.close_screening)
        return page

    # -- choosing -----------------------------------------------------------------------------
    def instrument(self) -> Any:
        from clinician_desk.bundled.instruments import get_instrument

        return get_instrument(self.instrument_combo.currentData())

    def _instrument_changed(self) -> None:
        instrument = self.instrument()
        self.attribution_label.setText(instrument.attribution)
        index = self.respondent_combo.findData(instrument.respondent)
        if index >= 0:
            self.respondent_combo.setCurrentIndex(index)

    def activate(self) -> None:
        """Nothing to reload; an administration in progress stays as it is."""

    def start_for(self, student_id: Any, name: str = "") -> None:
        if self.follow_up_pending:
            return  # the open critical screening must be finished first
        self.student_id = student_id
        self.choose_header.setText(_("Screening for {name}").format(name=name or student_id))
        self.begin_button.setEnabled(student_id is not None)
        self.stack.setCurrentIndex(0)

    def select_instrument(self, instrument_id: str) -> None:
        self.instrument_combo.setCurrentIndex(self.instrument_combo.findData(instrument_id))

    def begin(self) -> None:
        from clinician_desk.domain.screenings import ScreeningFlow

        self.flow = ScreeningFlow.start(self.instrument())
        self.result = None
        self.administration_id = None
        self.instructions_label.setText(self.flow.instrument.instructions)
        self.stack.setCurrentIndex(1)
        self._set_kiosk(True)
        self._render()

    # -- kiosk ----------------------------------------------------------------------------------
    def _set_kiosk(self, on: bool) -> None:
        if self.kiosk != on:
            self.kiosk = on
            self.kiosk_changed.emit(on)

    def ask_clinician(self) -> None:
        """Leaving before the last question needs the clinician's passphrase."""
        from ui.dialogs.clinician_check_dialog import ClinicianCheckDialog

        dialog = ClinicianCheckDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not kept once closed
        dialog.verified.connect(self.abandon)
        dialog.open()
        self.clinician_dialog = dialog

    def abandon(self) -> None:
        """The clinician ended the screening early: nothing is stored, the window is theirs."""
        self.flow = None
        self.item_label.clear()
        self.stack.setCurrentIndex(0)
        self._set_kiosk(False)

    # -- administering ------------------------------------------------------------------------
    def _render(self) -> None:
        item = self.flow.current
        if item is None:
            self._finish()
            return
        asked = self.flow.asked_items()
        number = [i.id for i in asked].index(item.id) + 1 if item in asked else len(asked)
        self.progress_label.setText(
            _("{title} — question {n} of {m}").format(
                title=_(self.flow.instrument.title), n=number, m=len(asked)
            )
        )
        self.item_label.setText(item.text)
        # The instrument's heading ("…during the past two weeks") belongs to its main items;
        # the additional ones (PHQ-A: past year, past month, ever) name their own time frame.
        self.instructions_label.setText(
            _("A few more questions. Each one says which time it asks about.")
            if item.section
            else self.flow.instrument.instructions
        )
        while self.options_layout.count():
            taken = self.options_layout.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        for w in self._count_widgets:
            w.setVisible(item.is_count)
        if item.is_count:
            low, high = item.count_range
            self.count_spin.setRange(low, high)
            self.count_spin.setValue(low)
        self._option_buttons = []
        for i, option in enumerate(item.options):
            button = named_button(f"option_{i}_button", option.label)
            button.setMinimumHeight(56)
            _big(button, 18)
            button.clicked.connect(lambda _c=False, v=option.value: self.answer(v))
            self.options_layout.addWidget(button, i // 2, i % 2)
            self._option_buttons.append(button)
            button.show()  # children added to a visible widget must be shown explicitly
        self.back_button.setEnabled(bool(self.flow.answers))
        self.skip_button.setVisible(not item.required)

    def option_buttons(self) -> list[QPushButton]:
        return list(self._option_buttons)

    def answer(self, value: Any) -> None:
        try:
            self.flow = self.flow.answer(value)
        except ClinicianDeskError as exc:
            self.progress_label.setText(exc.message)
            return
        self._render()

    def back(self) -> None:
        self.flow = self.flow.back()
        self._render()

    def skip(self) -> None:
        try:
            self.flow = self.flow.skip()
        except ClinicianDeskError as exc:
            self.progress_label.setText(exc.message)
            return
        self._render()

    # -- result and safety workflow -----------------------------------------------------------
    def _finish(self) -> None:
        self.result = self.flow.result()
        self._set_kiosk(False)
        self.follow_up_pending = self.result.requires_follow_up
        self.result_label.setText(result_html(self.flow.instrument, self.result))
        self.stack.setCurrentIndex(2)
        self.follow_up_button.setVisible(self.follow_up_pending)
        self.close_button.setEnabled(False)
        from clinician_desk.services.screenings.use_cases import AdministrationInput

        services = self.ctx.require_services()
        data = AdministrationInput(
            student_id=self.student_id,
            instrument=self.flow.instrument.id,
            administered_on=self.ctx.clock.now().astimezone().date(),
            responses=self.flow.answer_map,
            respondent=self.respondent_combo.currentData(),
        )
        self.ctx.tasks.run_db(
            lambda _c: services.screenings.record(data),
            context=self,
            on_done=self._stored,
            on_error=self._store_failed,
            name="store-screening",
        )

    def _stored(self, recorded: Any) -> None:
        # The stored result is the core's own scoring; show that one.
        self.administration_id = recorded.screening_id
        self.result = recorded.result
        self.follow_up_pending = recorded.result.requires_follow_up
        self.result_label.setText(result_html(self.flow.instrument, recorded.result))
        if self.follow_up_pending:
            self.open_safety_workflow()
        else:
            self.close_button.setEnabled(True)

    def _store_failed(self, exc: ClinicianDeskError) -> None:
        # Nothing was stored, so nothing is left to follow up here; say so plainly.
        self.follow_up_pending = False
        self.close_button.setEnabled(True)
        self.result_label.setText(
            self.result_label.text() + f"<p><b>{html.escape(exc.message)}</b></p>"
        )

    def open_safety_workflow(self) -> None:
        from ui.dialogs.safety_workflow_dialog import SafetyWorkflowDialog

        if self.administration_id is None:
            return
        dialog = SafetyWorkflowDialog(
            self.ctx, self.student_id, self.administration_id, self.result, self
        )
        dialog.recorded.connect(self._follow_up_recorded)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not kept once closed
        dialog.open()
        self.safety_dialog = dialog

    def _follow_up_recorded(self) -> None:
        self.follow_up_pending = False
        self.follow_up_button.setVisible(False)
        self.close_button.setEnabled(True)
        self.result_label.setText(
            self.result_label.text()
            + "<p style='color:#1b5e20'><b>"
            + html.escape(_("Safety follow-up recorded."))
            + "</b></p>"
        )

    def can_leave(self) -> bool:
        """False while a student answers (kiosk) or a critical result's safety follow-up is not
        recorded."""
        return not self.follow_up_pending and not self.kiosk

    def close_screening(self) -> None:
        if not self.can_leave():
            return
        student_id = self.student_id
        self.flow = None
        self.result = None
        self.stack.setCurrentIndex(0)
        self.finished.emit(student_id)

    def clear(self) -> None:
        # Locking keeps nothing on screen; an unrecorded follow-up stays open in the vault
        # (the caseload flags it) and is finished from there after unlock.
        self.flow = None
        self.result = None
        self.administration_id = None
        self.follow_up_pending = False
        self.student_id = None
        self.item_label.clear()
        self.result_label.clear()
        self.stack.setCurrentIndex(0)
        self.begin_button.setEnabled(False)
        self._set_kiosk(False)


def result_html(instrument: Any, result: Any) -> str:
    e = html.escape
    out = [f"<h2>{e(_(instrument.title))}</h2>"]
    if not result.scorable:
        out.append(f"<p>{e(_('This form cannot be scored:'))} {e(result.reason or '')}</p>")
    if result.total is not None:
        low, high = result.total_range or (0, 0)
        out.append(f"<p>{e(_('Total'))}: <b>{result.total}</b> ({low}–{high})</p>")
    if result.band:
        out.append(f"<p>{e(_('Band'))}: <b>{e(_(result.band))}</b></p>")
    if result.positive is not None:
        word = _("positive") if result.positive else _("negative")
        out.append(f"<p>{e(_('Screen'))}: <b>{e(word)}</b></p>")
    for sub in result.subscales:
        out.append(f"<p>{e(getattr(sub, 'title', sub.id))}: {getattr(sub, 'score', '')}</p>")
    if result.critical:
        heading = e(_("Critical response — safety follow-up required"))
        out.append(f"<h3 style='color:{semantic_hex('risk')}'>{heading}</h3><ul>")
        for flag in result.critical:
            out.append(f"<li>{e(_('Item'))} {e(flag.item)}: {e(flag.reason)}</li>")
        out.append("</ul>")
    out.append(f"<p><small>{e(instrument.attribution)}</small></p>")
    return "".join(out)
