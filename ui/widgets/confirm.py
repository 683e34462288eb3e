"""Confirmation questions that tests can pre-answer (the KeePassXC ``setNextAnswer`` habit).

``ask(parent, title, text, yes_text)`` shows a modal question and returns True for yes. Tests
push answers with ``set_next_answers(True, ...)``: each queued answer is consumed by the next
question instead of showing a box, so a whole flow runs headless without timers poking at modal
dialogs. The text of the latest questions asked (``ASKED_KEPT`` of them) is kept in ``asked``
for assertions; older ones are dropped, so a running app does not keep every question for its
whole life.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtWidgets import QMessageBox, QWidget

ASKED_KEPT = 50


class _Latest(list[str]):
    """A list that keeps only its last ``ASKED_KEPT`` items (compares as a list in tests)."""

    def append(self, text: str) -> None:
        super().append(text)
        if len(self) > ASKED_KEPT:
            del self[: len(self) - ASKED_KEPT]


_next: deque[bool] = deque()
asked: list[str] = _Latest()


def set_next_answers(*answers: bool) -> None:
    _next.extend(answers)


def ask(parent: QWidget | None, title: str, text: str, yes_text: str) -> bool:
    asked.append(text)
    if _next:
        return _next.popleft()
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    box.setObjectName("confirm_message_box")
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    yes.setObjectName("confirm_yes_button")
    no = box.addButton(QMessageBox.StandardButton.Cancel)
    no.setObjectName("confirm_cancel_button")
    box.setDefaultButton(no)
    box.exec()
    chosen = box.clickedButton() is yes
    box.deleteLater()  # not kept by the parent once answered
    return chosen
