"""A date typed as text, parsed strictly: empty until typed, refused when it is not a real date.

``QDateEdit`` always holds some date (a default such as 2012-01-01 is saved if nobody changes
it) and its section-by-section keyboard entry can turn what was typed into another date. This
field starts empty and accepts only ``YYYY-MM-DD`` (ISO) or ``MM/DD/YYYY`` (US), both checked
against the calendar (no 2012-02-30); anything else is refused with a message naming the field.
A valid entry is shown back in ISO form when the field loses focus.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from PySide6.QtWidgets import QLineEdit, QWidget

from clinician_desk.errors import ValidationError
from ui.i18n import _
from ui.theme.apply import set_invalid

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_date(text: str) -> date | None:
    """The date in ``text`` (None when empty); ValueError when it is not a real date."""
    t = text.strip()
    if not t:
        return None
    m = _ISO.match(t)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    m = _US.match(t)
    if m:
        return date(int(m[3]), int(m[1]), int(m[2]))
    raise ValueError(t)


class DateField(QLineEdit):
    def __init__(self, name: str, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.setObjectName(name)
        self.setAccessibleName(label)
        self.setPlaceholderText(_("YYYY-MM-DD"))
        self.setMaxLength(10)
        self.editingFinished.connect(self._tidy)

    def set_date(self, value: Any) -> None:
        """Show ``value`` (a ``date``, a ``QDate`` or None)."""
        if value is None:
            self.clear()
        elif hasattr(value, "toPython"):
            self.setText(value.toPython().isoformat())
        else:
            self.setText(value.isoformat())

    def value(self, *, required: bool = True) -> date | None:
        """The typed date; ValidationError if it is missing (when required) or not a date."""
        try:
            parsed = parse_date(self.text())
        except ValueError:
            raise ValidationError(
                _(
                    "{label}: “{text}” is not a date. Type it as YYYY-MM-DD, e.g. 2012-09-14."
                ).format(label=self.label, text=self.text().strip()[:20])
            ) from None
        if parsed is None and required:
            raise ValidationError(_("{label}: enter the date.").format(label=self.label))
        return parsed

    def required(self) -> date:
        """The typed date; ValidationError if it is missing or not a date."""
        parsed = self.value(required=True)
        assert parsed is not None  # value(required=True) raises instead
        return parsed

    def _tidy(self) -> None:
        try:
            parsed = parse_date(self.text())
        except ValueError:
            set_invalid(self, True)
            return
        set_invalid(self, False)
        if parsed is not None:
            self.setText(parsed.isoformat())
