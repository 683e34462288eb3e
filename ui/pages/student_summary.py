"""The student page's summary header: what a clinician looks for before a session, at a glance.

Four facts above the tables, from data the page already loads through the core's queries
(``record.student_page``, ``screenings.trend``, ``screenings.open_follow_ups``): the last
session, open safety follow-ups, the latest screening result with its trend, and the next
referral follow-up. Each fact is words first; a state (risk, overdue, ok) adds its colour and
icon, never colour alone. ``summary_facts`` is plain Python so the wording is tested directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui.i18n import _, ngettext
from ui.theme import icons
from ui.theme.apply import set_semantic, set_text_role
from ui.theme.tokens import SPACE_L, SPACE_S, SPACE_XS


@dataclass(frozen=True)
class Fact:
    key: str  # last_session, follow_ups, screening, referral
    label: str
    text: str
    kind: str | None = None  # risk, overdue, ok or None (plain)


def _days_ago(day: date, today: date) -> str:
    days = (today - day).days
    if days == 0:
        return _("today")
    if days < 0:
        return _("in {n} days").format(n=-days)
    return ngettext("{n} day ago", "{n} days ago", days).format(n=days)


def _trend_words(points: list[Any]) -> str:
    totals = [p for p in points if p.total is not None]
    if len(totals) < 2:
        return _("first result")
    previous, latest = totals[-2], totals[-1]
    change = latest.total - previous.total
    since = previous.administered_on.isoformat()
    if change > 0:
        return _("↑ up {n} since {day}").format(n=change, day=since)
    if change < 0:
        return _("↓ down {n} since {day}").format(n=-change, day=since)
    return _("→ unchanged since {day}").format(day=since)


def summary_facts(
    page: Any,
    trends: Iterable[Any],
    open_follow_ups: int,
    today: date,
    titles: Mapping[str, str] | None = None,
) -> list[Fact]:
    from clinician_desk.domain.referrals import OPEN_STATUSES

    titles = titles or {}
    facts = []
    sessions = [s.session_date for s in page.sessions]
    if sessions:
        last = max(sessions)
        facts.append(
            Fact(
                "last_session",
                _("Last session"),
                f"{last.isoformat()} ({_days_ago(last, today)})",
            )
        )
    else:
        facts.append(Fact("last_session", _("Last session"), _("No sessions yet")))

    open_count = open_follow_ups
    if open_count:
        text = ngettext(
            "{n} open safety follow-up — record it",
            "{n} open safety follow-ups — record them",
            open_count,
        ).format(n=open_count)
        facts.append(Fact("follow_ups", _("Follow-ups"), text, "risk"))
    else:
        facts.append(Fact("follow_ups", _("Follow-ups"), _("None open"), "ok"))

    latest: tuple[Any, Any] | None = None
    for trend in trends:
        point = trend.latest
        if point is not None and (
            latest is None or point.administered_on > latest[1].administered_on
        ):
            latest = (trend, point)
    if latest is None:
        facts.append(Fact("screening", _("Latest screening"), _("No screenings yet")))
    else:
        trend, point = latest
        title = _(titles[trend.instrument]) if trend.instrument in titles else trend.instrument
        result = str(point.total) if point.total is not None else _("not scored")
        if point.band:
            result = f"{result} ({_(point.band)})"
        when = point.administered_on.isoformat()
        text = f"{title} {when}: {result}, {_trend_words(list(trend.points))}"
        kind = "risk" if point.critical else None
        if point.critical:
            text += " — " + _("critical answer")
        facts.append(Fact("screening", _("Latest screening"), text, kind))

    waiting = [
        r for r in page.referrals if r.status in OPEN_STATUSES and r.follow_up_on is not None
    ]
    if not waiting:
        facts.append(Fact("referral", _("Next referral follow-up"), _("None scheduled")))
    else:
        nearest = min(waiting, key=lambda r: r.follow_up_on)
        day = nearest.follow_up_on
        if day < today:
            text = _("Overdue since {day} ({ago})").format(
                day=day.isoformat(), ago=_days_ago(day, today)
            )
            facts.append(Fact("referral", _("Next referral follow-up"), text, "overdue"))
        else:
            text = f"{day.isoformat()} ({_days_ago(day, today)})"
            facts.append(Fact("referral", _("Next referral follow-up"), text))
    return facts


ICON_OF = {"risk": "risk", "overdue": "overdue", "ok": "ok"}


class StudentSummary(QFrame):
    """Four facts side by side, each a caption over its words (with a state's icon)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("summary_frame")
        self.setAccessibleName(_("Student summary"))
        row = QHBoxLayout(self)
        row.setContentsMargins(SPACE_L, SPACE_S, SPACE_L, SPACE_S)
        row.setSpacing(SPACE_L)
        self.cells: dict[str, tuple[QLabel, QLabel, QLabel]] = {}
        stretches = {"last_session": 2, "follow_ups": 2, "screening": 4, "referral": 2}
        for key, stretch in stretches.items():
            cell = QVBoxLayout()
            cell.setSpacing(SPACE_XS)
            caption = set_text_role(QLabel(), "caption")
            caption.setObjectName(f"summary_{key}_caption_label")
            icon = QLabel()
            icon.setObjectName(f"summary_{key}_icon_label")
            value = QLabel()
            value.setObjectName(f"summary_{key}_label")
            value.setWordWrap(True)
            line = QHBoxLayout()
            line.setSpacing(SPACE_XS)
            line.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
            line.addWidget(value, 1)
            cell.addWidget(caption)
            cell.addLayout(line)
            cell.addStretch(1)
            row.addLayout(cell, stretch)
            self.cells[key] = (caption, icon, value)
        self.facts: list[Fact] = []
        self.setVisible(False)

    def set_facts(self, facts: list[Fact]) -> None:
        self.facts = facts
        for fact in facts:
            caption, icon, value = self.cells[fact.key]
            caption.setText(fact.label)
            value.setText(fact.text)
            value.setAccessibleName(fact.label)
            set_semantic(value, fact.kind)
            if fact.kind in ICON_OF:
                icons.attach_label(icon, ICON_OF[fact.kind], 16, fact.kind)
                icon.setVisible(True)
            else:
                icon.clear()
                icon.setVisible(False)
        self.setVisible(bool(facts))
        self._hold_height()

    def _hold_height(self) -> None:
        """Keep the strip at least as tall as its wrapped words need at its width: a layout
        never gives a widget less than its minimum, so a parent that sizes by hints (the page's
        scroll area, a short window) cannot cut the last line of a long "Latest screening"."""
        layout = self.layout()
        if layout is None:
            return
        needed = layout.totalHeightForWidth(self.width()) if self.facts else 0
        if needed != self.minimumHeight():
            self.setMinimumHeight(max(needed, 0))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._hold_height()

    def clear(self) -> None:
        self.facts = []
        self.setVisible(False)
        self._hold_height()
