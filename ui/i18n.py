"""gettext translations for the desktop UI, compiled from the ``.po`` catalogues at start-up.

The catalogues live in ``resources/translations/<lang>/LC_MESSAGES/clinician_desk_ui.po``. They
are compiled in memory when the app starts (``.mo`` files are build products and git-ignored),
so a fresh checkout works with no build step; ``python -m ui.i18n compile`` writes ``.mo`` files
for packagers. ``LANGUAGE=pseudo`` selects a pseudo-locale that lengthens and accents every
string so clipped layouts show up in screenshots. ``_()`` is the one translation function the UI
uses; ``install()`` picks the catalogue once, before any widget is built. ``N_()`` marks a string
in a module-level table for extraction without translating it (the table is read before
``install()``); translate it with ``_()`` where it is shown.

``python -m ui.i18n extract`` refreshes the template and the catalogues (``ui.i18n_catalogue``);
``tests/ui/test_spanish_catalogue.py`` fails when a marked string has no Spanish.
"""

from __future__ import annotations

import ast
import gettext
import io
import os
import re
import struct
import sys
from pathlib import Path

from clinician_desk.bundled.paths import resource_path

DOMAIN = "clinician_desk_ui"
_ACCENTS = str.maketrans("aeiouAEIOUcnyCNY", "àéîõüÀÉÎÕÜçñýÇÑÝ")
_translations: gettext.NullTranslations = gettext.NullTranslations()


class PseudoTranslations(gettext.NullTranslations):
    """Accents every letter and pads by about 40 % so layouts meet long languages early."""

    def gettext(self, message: str) -> str:
        return pseudo(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo(msgid1 if n == 1 else msgid2)


def pseudo(message: str) -> str:
    if not message:
        return message
    padding = "~" * max(2, len(message) * 2 // 5)
    # Leave {placeholders} alone so str.format still finds its fields.
    parts = re.split(r"(\{[^{}]*\})", message)
    body = "".join(p if p.startswith("{") else p.translate(_ACCENTS) for p in parts)
    return f"[{body} {padding}]"


def translations_dir() -> Path:
    return resource_path("translations")


def available_languages() -> list[str]:
    base = translations_dir()
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.po").exists())


def parse_po(text: str) -> dict[str, str]:
    """The msgid → msgstr pairs of a ``.po`` file (untranslated and fuzzy entries skipped).

    Plural entries are keyed ``singular\\0plural`` with the forms joined by NUL, as in ``.mo``.
    """
    entries: dict[str, str] = {}
    fields: dict[str, list[str]] = {}
    current: list[str] | None = None
    fuzzy = False

    def flush() -> None:
        nonlocal fuzzy
        if "msgid" in fields and not fuzzy:
            key = "".join(fields["msgid"])
            if "msgid_plural" in fields:
                key += "\0" + "".join(fields["msgid_plural"])
                forms = sorted(k for k in fields if k.startswith("msgstr["))
                value = "\0".join("".join(fields[k]) for k in forms)
                complete = all("".join(fields[k]) for k in forms)
            else:
                value = "".join(fields.get("msgstr", []))
                complete = bool(value)
            if complete or key == "":
                entries[key] = value
        fields.clear()
        fuzzy = False

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
            current = None
        elif line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
        elif line.startswith('"'):
            if current is not None:
                current.append(ast.literal_eval(line))
        else:
            name, _sep, rest = line.partition(" ")
            if name == "msgid" and "msgid" in fields:
                keep_fuzzy = fuzzy
                flush()
                fuzzy = keep_fuzzy
            current = fields.setdefault(name, [])
            current.append(ast.literal_eval(rest))
    flush()
    return entries


def compile_mo(entries: dict[str, str]) -> bytes:
    """GNU ``.mo`` bytes for ``entries`` (the format ``gettext.GNUTranslations`` reads)."""
    keys = sorted(entries)
    ids = b"".join(k.encode() + b"\0" for k in keys)
    strs = b"".join(entries[k].encode() + b"\0" for k in keys)
    header_size = 7 * 4
    table = 8 * len(keys)
    ids_start = header_size + 2 * table
    strs_start = ids_start + len(ids)
    offsets_ids: list[int] = []
    offsets_strs: list[int] = []
    pos_id, pos_str = ids_start, strs_start
    for key in keys:
        k, v = key.encode(), entries[key].encode()
        offsets_ids += [len(k), pos_id]
        offsets_strs += [len(v), pos_str]
        pos_id += len(k) + 1
        pos_str += len(v) + 1
    out = struct.pack("<7I", 0x950412DE, 0, len(keys), header_size, header_size + table, 0, 0)
    out += struct.pack(f"<{len(offsets_ids)}I", *offsets_ids)
    out += struct.pack(f"<{len(offsets_strs)}I", *offsets_strs)
    return out + ids + strs


def load_language(lang: str) -> gettext.NullTranslations:
    """The catalogue for ``lang`` ("es", "pseudo", …); English (identity) when there is none."""
    if lang == "pseudo":
        return PseudoTranslations()
    po = translations_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return gettext.NullTranslations()
    mo = compile_mo(parse_po(po.read_text(encoding="utf-8")))
    return gettext.GNUTranslations(io.BytesIO(mo))


def wanted_language(environ: dict[str, str] | None = None) -> str:
    """The first language named by LANGUAGE / LC_ALL / LC_MESSAGES / LANG (e.g. "es")."""
    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            first = value.split(":")[0]
            return first.split(".")[0].split("_")[0]
    return "en"


def install(lang: str | None = None) -> str:
    """Choose the UI catalogue once at start-up; returns the language code in effect."""
    global _translations
    chosen = lang or wanted_language()
    _translations = load_language(chosen)
    return chosen


_qt_translators: list[object] = []


def install_qt(lang: str) -> bool:
    """Qt's own strings (standard buttons, file and message boxes, context menus) in ``lang``:
    installs Qt's ``qtbase_<lang>.qm`` from the Qt installation (or the frozen bundle) on the
    application, replacing the previous one. Needs a ``QCoreApplication``; returns whether a
    translation was found (English needs none)."""
    from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

    app = QCoreApplication.instance()
    if app is None:
        return False
    for old in _qt_translators:
        QCoreApplication.removeTranslator(old)  # type: ignore[arg-type]
    _qt_translators.clear()
    if lang in ("en", "pseudo"):
        return False
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(f"qtbase_{lang}", folder):
        return False
    QCoreApplication.installTranslator(translator)
    _qt_translators.append(translator)
    return True


def _(message: str) -> str:
    return _translations.gettext(message)


def core_text(text: str) -> str:
    """A message from the core in the UI's language.

    Messages written ``M("…", **params)`` (``clinician_desk.messages``) are looked up by msgid
    and formatted with their params, which are translated first when they are messages too.
    Other text is looked up as it is, whole and then line by line. Without a translation the
    English stays."""
    from clinician_desk.messages import Msg

    if isinstance(text, Msg):
        params = {k: core_text(v) if isinstance(v, Msg) else v for k, v in text.params.items()}
        try:
            return _(text.msgid).format(**params)
        except (KeyError, IndexError, ValueError):  # a broken translation: show the English
            return str.__str__(text)
    whole = _(text)
    if whole != text or "\n" not in text:
        return whole
    return "\n".join(_(line) if line.strip() else line for line in text.split("\n"))


def N_(message: str) -> str:
    """Mark ``message`` for extraction only; it is translated later with ``_()``."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def compile_all() -> list[Path]:
    """Write ``.mo`` files beside every ``.po`` (for installers and frozen bundles)."""
    written = []
    for lang in available_languages():
        po = translations_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo = po.with_suffix(".mo")
        mo.write_bytes(compile_mo(parse_po(po.read_text(encoding="utf-8"))))
        written.append(mo)
    return written


if __name__ == "__main__":  # pragma: no cover - packaging helper
    if sys.argv[1:] == ["compile"]:
        for path in compile_all():
            print(path)
    elif sys.argv[1:] == ["extract"]:
        from ui.i18n_catalogue import update_catalogues

        root = Path(__file__).resolve().parent
        for lang, todo in update_catalogues(root, translations_dir()).items():
            print(f"{lang}: {len(todo)} untranslated", *todo, sep="\n  ")
    else:
        print("usage: python -m ui.i18n compile|extract", file=sys.stderr)
        sys.exit(2)
