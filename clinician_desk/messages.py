"""Messages the core shows to people, in English, and translatable by a UI.

The core imports no Qt and no UI catalogue. A message meant for a person is written
``M("The {what} must be exactly 14 digits.", what=...)``. That is a ``str``: the English text,
formatted, so the CLI, logs and tests use it as before. It also keeps its ``msgid`` (the
unformatted English) and its ``params``.

A UI translates it with ``ui.i18n.core_text``. It looks the msgid up in its own catalogue and
formats the translation with the same params; params that are themselves ``M`` messages are
translated first. ``python -m ui.i18n extract`` collects every literal ``M("…")`` of the core
into the UI catalogue, the way it collects ``_("…")`` in the UI. ``tests/ui/test_spanish_
everywhere.py`` fails when one has no Spanish.

Rules, as for every error text: no student data in a message or its params. Params are counts,
line numbers, field names, codes and other ``M`` messages.
"""

from __future__ import annotations

from collections.abc import Mapping


class Msg(str):
    """English text that remembers its msgid and params (see the module docstring)."""

    msgid: str
    params: Mapping[str, object]

    def __new__(cls, msgid: str, /, **params: object) -> Msg:
        self = super().__new__(cls, msgid.format(**params) if params else msgid)
        self.msgid = msgid
        self.params = params
        return self


M = Msg
