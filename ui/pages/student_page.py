"""One student's page: profile, consent, guardians, sessions, screenings trend, referrals, plan.

Loads ``services.students.student_page`` (one audited read) and the screening trends on the
database worker; shows the profile as read-only rich text, sessions and referrals as tables
(frozen rows, services by name), the chosen instrument's trend as a chart, and the selected
session's note with its addenda. Actions: new note, administer a screening, continue the selected
session's unsigned note (also Enter / double-click on the row), add an addendum to the selected
signed note, print centre, edit the student (corrections and consent, ``StudentDialog``).
Open safety follow-ups sit in a red panel at the top with "Record safety follow-up…"
(``student_follow_ups``). Nothing here writes except through a service call.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui.context import UiContext
from ui.dialogs.drafts_dialog import service_label
from ui.dialogs.retention_dialog import DestroyRecordButton
from ui.i18n import N_, _
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.pages.student_actions import (
    StudentRecordActions,
    profile_side,
    referral_overdue,
    referrals_model,
    referrals_tab,
)
from ui.pages.student_follow_ups import OpenFollowUpsPanel
from ui.pages.student_summary import StudentSummary, summary_facts
from ui.theme.apply import semantic_hex, set_text_role
from ui.widgets.buttons import named_button
from ui.widgets.flow_layout import FlowLayout
from ui.widgets.tables import configure_table, fit_columns
from ui.widgets.trend_chart import TrendChartWidget

CONSENT_TEXT = {
    "parent_consent": N_("Parent/guardian consent"),
    "minor_consent": N_("Minor consent (HSC 124260 / Family Code 6924)"),
}


def _table(name: str, accessible: str, model: RowsTableModel) -> QTableView:
    view = configure_table(QTableView(), name, accessible)
    view.setModel(model)
    return view


def profile_html(page: Any, now: Any = None) -> str:
    s = page.student
    e = html.escape
    rows = [
        (_("Date of birth"), s.date_of_birth.isoformat()),
        (_("Grade"), s.grade),
        (_("School"), s.school_name or s.school_cds),
        (_("District no."), s.district_student_number or "—"),
        (_("Language"), s.language or "—"),
        (_("Retain record until"), s.retain_until.isoformat()),
    ]
    out = [f"<h2>{e(s.display_name)}</h2><table cellspacing='3'>"]
    out += [f"<tr><td><b>{e(k)}</b></td><td>{e(str(v))}</td></tr>" for k, v in rows]
    out.append("</table>")
    out.append(f"<h3>{e(_('Consent'))}</h3><p>")
    out.append(e(_(CONSENT_TEXT.get(s.consent_basis or "", "Not recorded"))))
    contact = s.parent_contact
    if contact is not None:
        if contact.attempted_on:
            out.append(
                "<br>"
                + e(_("Parent contact attempted {d}: {o}")).format(
                    d=contact.attempted_on.isoformat(), o=e(contact.outcome)
                )
            )
        if contact.inappropriate_reason:
            out.append(
                "<br>" + e(_("Parent contact inappropriate: ")) + e(contact.inappropriate_reason)
            )
    for gap in s.consent_gaps:
        out.append(f"<br><span style='color:{semantic_hex('risk')}'>⚠ {e(gap)}</span>")
    out.append("<br>" + e(_("Personalized handouts: ")) + e(s.personalized_handout_reason) + "</p>")
    out.append(f"<h3>{e(_('Guardians'))}</h3><ul>")
    for g in s.guardians:
        details = ", ".join(x for x in (g.relationship, g.phone, g.preferred_language) if x)
        out.append(f"<li>{e(g.name)} <small>{e(details)}</small></li>")
    if not s.guardians:
        out.append(f"<li>{e(_('None recorded'))}</li>")
    out.append("</ul>")
    plan = page.safety_plan
    out.append(f"<h3>{e(_('Safety plan'))}</h3>")
    if plan is None:
        out.append(f"<p>{e(_('No safety plan on file.'))}</p>")
    else:
        made = _("Made {d} by {who}").format(d=plan.created_on.isoformat(), who=plan.created_by)
        out.append(f"<p>{e(made)}</p>")
    if page.mandated_reports:
        out.append(f"<h3>{e(_('Mandated reports'))}</h3><ul>")
        from ui.dialogs.mandated_report_dialog import AGENCY_TEXT, time_left_text
        from ui.times import parse_utc, shown_time

        for r in page.mandated_reports:
            left, overdue = time_left_text(
                r.status, r.follow_up_due_at, now or parse_utc(r.phone_report_at)
            )
            style = f" style='color:{semantic_hex('overdue')}'" if overdue else ""
            agency = _(AGENCY_TEXT.get(r.agency, r.agency))
            out.append(
                f"<li{style}>{e(shown_time(r.phone_report_at))} — {e(agency)} — "
                f"{e(_('written follow-up due'))} {e(shown_time(r.follow_up_due_at))}"
                f" — <b>{e(left)}</b></li>"
            )
        out.append("</ul>")
    return "".join(out)


def note_html(view: Any, profile: Any = None) -> str:
    """The note as the student page shows it; ``profile`` (the clinician's, from the vault)
    names the signer as documents do: "Signed by Alex Sample, AMFT at 2026-12-02 12:28 PST"."""
    from ui.times import shown_time

    e = html.escape

    def who(login: str) -> str:
        return str(profile.signature(login)) if profile is not None else login

    head = f"{view.session_date.isoformat()} · {view.service_name} · {view.minutes} min"
    out = [f"<h3>{e(head)}</h3>"]
    for section in view.sections:
        out.append(
            f"<p><b>{e(_(section.title))}</b><br>{e(section.text).replace(chr(10), '<br>')}</p>"
        )
    if view.status == "signed":
        signed = _("Signed by {who} at {when}").format(
            who=who(view.signed_by), when=shown_time(view.signed_at)
        )
        out.append(f"<p><i>{e(signed)}</i></p>")
    else:
        out.append(f"<p><i>{e(_('Draft — not signed'))}</i></p>")
    for a in view.addenda:
        by = _("signed by {who} at {when}").format(
            who=who(a.signed_by), when=shown_time(a.signed_at)
        )
        out.append(
            f"<div style='margin-left:12px'><b>{e(_('Addendum'))}</b> "
            f"<i>{e(by)}</i>"
            f"<br>{e(a.body).replace(chr(10), '<br>')}</div>"
        )
    return "".join(out)


class StudentPage(QWidget):
    new_note_requested = Signal(object)
    screening_requested = Signal(object)
    print_requested = Signal(object, str)
    draft_requested = Signal(int)  # an unsigned note to continue in the editor

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("student_page")
        self.title = _("Student")
        self.ctx = ctx
        self.student_id: Any = None
        self.page: Any = None  # the loaded page, once every load step has shown it
        self._showing: Any = None  # the page the load steps are showing
        self._load_generation = 0
        self.header = QLabel(_("No student open. Choose one from the caseload."))
        self.header.setObjectName("student_header_label")
        self.profile = QTextBrowser()
        self.profile.setObjectName("student_profile_text_browser")
        self.profile.setAccessibleName(_("Student profile"))
        self.sessions_model = RowsTableModel(
            [
                (_("Date"), lambda r: r.session_date),
                (_("Service"), lambda r: service_label(r.service_code)),
                (_("Tier"), lambda r: r.tier),
                (_("Minutes"), lambda r: r.minutes),
                (_("Note"), lambda r: _(r.note_status or "—")),
                (_("Addenda"), lambda r: r.addenda or ""),
            ],
            self,
        )
        self.sessions_view = _table("sessions_table_view", _("Sessions"), self.sessions_model)
        # The Service column takes the room the others leave (they fit their contents): a long
        # service name is elided (the selected session's note names it in full) instead of the
        # table scrolling sideways on a 1366 px screen at 150 %.
        columns = self.sessions_view.horizontalHeader()
        columns.setStretchLastSection(False)
        columns.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.referrals_model = referrals_model(self, self._referral_overdue)
        self.referrals_view = _table("referrals_table_view", _("Referrals"), self.referrals_model)
        self.record_actions = StudentRecordActions(self)
        self.follow_ups = OpenFollowUpsPanel(self)
        self.follow_ups.follow_up_closed.connect(lambda: self.show_student(self.student_id))
        self.note_view = QTextBrowser()
        self.note_view.setObjectName("note_view_text_browser")
        self.note_view.setAccessibleName(_("Selected note"))
        self.instrument_combo = QComboBox()
        self.instrument_combo.setObjectName("trend_instrument_combo_box")
        self.instrument_combo.setAccessibleName(_("Instrument"))
        self.chart = TrendChartWidget()
        # The chart's points again as rows: readable by keyboard and screen reader.
        self.trend_model = RowsTableModel(
            [
                (_("Date"), lambda r: r[0]),
                (_("Score"), lambda r: f"{r[1]:g}"),
                (_("Band"), lambda r: _(r[2]) if r[2] else ""),
            ],
            self,
        )
        self.trend_table = _table("trend_table_view", _("Scores as a table"), self.trend_model)
        self.new_note_button = named_button("new_note_button", _("New note"))
        self.screening_button = named_button(
            "administer_screening_button", _("Administer screening…")
        )
        self.addendum_button = named_button("add_addendum_button", _("Add addendum…"))
        self.continue_draft_button = named_button("continue_draft_button", _("Continue draft"))
        self.continue_draft_button.setEnabled(False)
        self.print_button = named_button("print_student_button", _("Print…"))
        self.edit_button = named_button("edit_student_button", _("Edit student…"))
        self.addendum_button.setEnabled(False)
        # Shown only while the record is past its retention date (ui/dialogs/retention_dialog).
        self.destroy_button = DestroyRecordButton(ctx)
        self.destroy_button.record_destroyed.connect(lambda _r: self.show_student(self.student_id))

        # The name on its own line, the buttons below wrapping to the width (issue 24: a row of
        # seven buttons made the page 943 px wide, wider than the window at 150 %).
        set_text_role(self.header, "section")
        self.actions_row = QWidget()
        self.actions_row.setObjectName("student_actions_widget")
        actions = FlowLayout(self.actions_row)
        for b in (
            self.new_note_button,
            self.screening_button,
            self.continue_draft_button,
            self.addendum_button,
            self.print_button,
            self.edit_button,
            self.destroy_button,
        ):
            actions.addWidget(b)
        sessions_tab = QSplitter(Qt.Orientation.Vertical)
        sessions_tab.addWidget(self.sessions_view)
        sessions_tab.addWidget(self.note_view)
        screenings_tab = QWidget()
        s_layout = QVBoxLayout(screenings_tab)
        s_layout.addWidget(self.instrument_combo)
        s_layout.addWidget(self.chart)
        s_layout.addWidget(self.trend_table, 1)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("student_tab_widget")
        self.tabs.addTab(sessions_tab, _("Sessions"))
        self.tabs.addTab(screenings_tab, _("Screenings"))
        self.tabs.addTab(referrals_tab(self.referrals_view, self.record_actions), _("Referrals"))
        self.splitter = QSplitter()
        self.splitter.setObjectName("student_splitter")
        self.splitter.addWidget(profile_side(self.profile, self.record_actions))
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(1, 2)
        ctx.settings.restore_splitter("student", self.splitter)
        self.splitter.splitterMoved.connect(
            lambda *_a: ctx.settings.save_splitter("student", self.splitter)
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.actions_row)
        self.summary = StudentSummary()  # issue 24: the facts before the tables
        layout.addWidget(self.summary)
        layout.addWidget(self.follow_ups)
        layout.addWidget(self.splitter, 1)
        self._trends: dict[str, Any] = {}
        self.sessions_view.selectionModel().currentRowChanged.connect(self._session_selected)
        self.instrument_combo.currentIndexChanged.connect(self._show_trend)
        self.new_note_button.clicked.connect(lambda: self.new_note_requested.emit(self.student_id))
        self.screening_button.clicked.connect(
            lambda: self.screening_requested.emit(self.student_id)
        )
        self.print_button.clicked.connect(lambda: self.print_requested.emit(self.student_id, ""))
        self.addendum_button.clicked.connect(self.add_addendum)
        self.continue_draft_button.clicked.connect(self.continue_draft)
        self.edit_button.clicked.connect(self.edit_student)
        self.sessions_view.activated.connect(lambda _i: self.continue_draft())
        self.referrals_view.selectionModel().currentRowChanged.connect(
            lambda *_a: self.record_actions.referral_selection_changed()
        )
        self._set_enabled(False)

    @property
    def shown_page(self) -> Any:
        """The student page whose header and summary are shown: set by the first load step,
        while ``page`` is set by the last (the tables may still be filling in between)."""
        return self._showing

    def _set_enabled(self, enabled: bool) -> None:
        for b in (self.new_note_button, self.screening_button, self.print_button, self.edit_button):
            b.setEnabled(enabled)
        self.record_actions.set_enabled(enabled)

    def activate(self) -> None:
        if self.student_id is not None:
            self.show_student(self.student_id)

    def show_student(self, student_id: Any) -> None:
        services = self.ctx.services
        if services is None:
            return
        if student_id != self.student_id:
            # Another student: the previous one's page no longer answers for this one (issue 23):
            # ``page`` (and ``shown_page``) stay None and the record buttons off until this
            # student's load is shown, and a pending load of the previous student stops.
            self._load_generation += 1
            self.page = None
            self._showing = None
            self._set_enabled(False)
        self.student_id = student_id

        def current(show: Any) -> Any:
            # A delivery is shown only while this student is still the one asked for: a load
            # asked for before ``clear()`` (the lock's hook) or before another student's open
            # arrived after it and filled the page again (issue 23, the kiosk test's lock).
            def deliver(result: Any) -> None:
                if self.student_id is not None and self.student_id == student_id:
                    show(result)

            return deliver

        self.ctx.tasks.run_db(
            lambda _c: services.record.student_page(student_id),
            context=self,
            on_done=current(self._loaded),
            name="student-page",
        )
        self._load_trends(services, student_id, current(self._trends_loaded))
        self.ctx.tasks.run_db(
            lambda _c: services.screenings.open_follow_ups(student_id),
            context=self,
            on_done=current(self._follow_ups_loaded),
            name="open-follow-ups",
        )

    # The load shown in posted steps, one per event-loop turn (issue 23, decision 0131): done in
    # one slot, two table resets, two column fits, the profile's rich text and the summary held
    # the GUI thread ~20 ms. The summary goes first (the facts before the tables); ``self.page``
    # is set by the last step, so "page is not None" still means everything is shown.
    LOAD_STEPS = (
        "_show_summary",
        "_show_profile",
        "_show_sessions",
        "_show_referrals",
        "_fit_sessions",
        "_fit_referrals",
        "_finish_load",
    )

    def _loaded(self, page: Any) -> None:
        self._load_generation += 1
        generation = self._load_generation

        def step(name: str) -> Any:
            def run() -> bool:
                if generation != self._load_generation:
                    return False  # cleared, or a newer load took over
                getattr(self, name)(page)
                return True

            return run

        self.ctx.tasks.run_steps(
            [step(name) for name in self.LOAD_STEPS], context=self, name="student-page-show"
        )

    def _show_summary(self, page: Any) -> None:
        if self._showing is None or self._showing.student.id != page.student.id:
            # another student: nothing of the previous one stays while the steps run
            self.profile.clear()
            self.sessions_model.clear()
            self.referrals_model.clear()
            self._set_enabled(False)
        self._showing = page
        self.header.setText(
            f"<b>{html.escape(page.student.display_name)}</b> · "
            + html.escape(_("Grade {g}").format(g=page.student.grade))
        )
        self.note_view.clear()
        self.addendum_button.setEnabled(False)
        self.continue_draft_button.setEnabled(False)
        self._refresh_summary()

    def _show_profile(self, page: Any) -> None:
        self.profile.setHtml(profile_html(page, self.ctx.clock.now()))

    def _show_sessions(self, page: Any) -> None:
        self.sessions_model.set_rows(page.sessions)

    def _show_referrals(self, page: Any) -> None:
        self.referrals_model.set_rows(page.referrals)

    def _fit_sessions(self, _page: Any) -> None:
        fit_columns(self.sessions_view)

    def _fit_referrals(self, _page: Any) -> None:
        fit_columns(self.referrals_view)

    def _finish_load(self, page: Any) -> None:
        self._set_enabled(True)
        self.destroy_button.set_student(self.student_id)
        self.page = page

    def _follow_ups_loaded(self, rows: Any) -> None:
        self.follow_ups.set_rows(rows)
        self._refresh_summary()

    def _refresh_summary(self) -> None:
        if self._showing is None:
            return
        from clinician_desk.bundled.instruments import load_instruments

        titles = {i.id: i.title for i in load_instruments().values()}
        facts = summary_facts(
            self._showing,
            self._trends.values(),
            self.follow_ups.model.rowCount(),
            self.ctx.clock.now().astimezone().date(),
            titles,
        )
        self.summary.set_facts(facts)

    def _referral_overdue(self, row: Any) -> bool:
        return referral_overdue(row, self.ctx.clock.now())

    def _load_trends(
        self, services: Any, student_id: Any, on_done: Callable[[Any], None] | None = None
    ) -> None:
        screenings = services.screenings

        def work(_c: Any) -> list[Any]:
            instruments = sorted({row.instrument for row in screenings.history(student_id)})
            return [screenings.trend(student_id, name) for name in instruments]

        self.ctx.tasks.run_db(
            work,
            context=self,
            on_done=on_done or self._trends_loaded,
            name="trends",
        )

    def _trends_loaded(self, trends: Any) -> None:
        from clinician_desk.bundled.instruments import load_instruments

        titles = {i.id: _(i.title) for i in load_instruments().values()}
        self._trends = {t.instrument: t for t in trends}
        self.instrument_combo.blockSignals(True)
        self.instrument_combo.clear()
        for key in self._trends:
            self.instrument_combo.addItem(titles.get(key, key), key)
        self.instrument_combo.blockSignals(False)
        self._show_trend()
        self._refresh_summary()

    def _show_trend(self) -> None:
        trend = self._trends.get(self.instrument_combo.currentData())
        if trend is None:
            self.chart.set_series(_("No screenings yet"), [], 27)
            self.trend_model.clear()
            return
        from clinician_desk.bundled.instruments import get_instrument

        instrument = get_instrument(trend.instrument)
        scored = [p for p in trend.points if p.total is not None]
        points = [(p.administered_on, float(p.total)) for p in scored]
        bands = [p.band or "" for p in scored]
        low_high = trend.total_range or (0, max((p[1] for p in points), default=1))
        cutoffs = [band.low for band in instrument.scoring.bands[1:]]
        self.chart.set_series(_(instrument.title), points, low_high[1], cutoffs, bands)
        self.trend_model.set_rows(
            [
                (day.isoformat(), value, band)
                for (day, value), band in zip(points, bands, strict=True)
            ]
        )
        fit_columns(self.trend_table)

    def _session_selected(self, current: Any, _previous: Any) -> None:
        row = current.data(ROW_ROLE) if current.isValid() else None
        note_id = getattr(row, "note_id", None)
        self.addendum_button.setEnabled(row is not None and row.note_status == "signed")
        self.continue_draft_button.setEnabled(
            row is not None and row.note_status == "draft" and note_id is not None
        )
        if note_id is None or self.ctx.services is None:
            self.note_view.clear()
            return
        services = self.ctx.services

        def work(_c: Any) -> tuple[Any, Any]:
            from clinician_desk.services.profile import current_profile

            return services.record.open_note(note_id), current_profile(services.db)

        self.ctx.tasks.run_db(
            work,
            context=self,
            on_done=lambda loaded: self.note_view.setHtml(note_html(*loaded)),
            name="note-view",
        )

    def selected_session(self) -> Any:
        index = self.sessions_view.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def edit_student(self) -> None:
        """Correct the record and record consent (the core's rules; the change is audited)."""
        services = self.ctx.services
        student_id = self.student_id
        if services is None or student_id is None:
            return
        self.ctx.tasks.run_db(
            lambda _c: services.record.student_for_edit(student_id),
            context=self,
            on_done=lambda data: self._open_editor(student_id, data),
            name="student-for-edit",
        )

    def _open_editor(self, student_id: Any, data: Any) -> None:
        from ui.dialogs.student_dialog import StudentDialog

        dialog = StudentDialog(self.ctx, self, student_id=student_id, initial=data)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not kept once closed
        dialog.student_saved.connect(lambda _sid: self.show_student(student_id))
        dialog.open()
        self.student_dialog = dialog

    def continue_draft(self) -> None:
        """Reopen the selected session's unsigned note in the editor, to continue and sign it."""
        row = self.selected_session()
        if row is None or row.note_id is None or row.note_status != "draft":
            return
        self.draft_requested.emit(int(row.note_id))

    def add_addendum(self) -> None:
        from ui.dialogs.addendum_dialog import AddendumDialog

        row = self.selected_session()
        if row is None or row.note_id is None:
            return
        dialog = AddendumDialog(self.ctx, row.note_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not kept once closed
        dialog.addendum_added.connect(lambda: self.show_student(self.student_id))
        dialog.open()

    def clear(self) -> None:
        self._load_generation += 1  # a pending load stops here
        self.student_id = None
        self.page = None
        self._showing = None
        self.header.setText(_("No student open. Choose one from the caseload."))
        self.profile.clear()
        self.note_view.clear()
        self.continue_draft_button.setEnabled(False)
        self.sessions_model.clear()
        self.referrals_model.clear()
        self.follow_ups.clear()
        self.summary.clear()
        self._trends = {}
        self.instrument_combo.clear()
        self.trend_model.clear()
        self._set_enabled(False)
        self.destroy_button.set_student(None)
