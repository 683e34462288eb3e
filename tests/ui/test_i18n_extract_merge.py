"""``python -m ui.i18n extract`` merges new and vanished strings into a catalogue without
rewriting it: its order and comments stay, new strings are appended, vanished ones become
obsolete where they stand (``ui.i18n_catalogue.merge_po``)."""

from __future__ import annotations

from pathlib import Path

from ui.i18n import parse_po
from ui.i18n_catalogue import DOMAIN, extract_messages, merge_po, template_po, update_catalogues

ROOT = Path(__file__).resolve().parents[2]

HEADER = """# Spanish translations (a fictional test catalogue).
msgid ""
msgstr ""
"Language: es\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"""


def test_a_merge_appends_new_strings_keeps_order_and_comments_and_obsoletes_vanished(
    tmp_path: Path,
) -> None:
    ui_dir, core_dir = tmp_path / "ui", tmp_path / "clinician_desk"
    ui_dir.mkdir()
    core_dir.mkdir()
    (ui_dir / "page.py").write_text(
        'a = _("Beta")\nb = _("Alpha")\nc = N_("New \\"quoted\\" words")\n'
        'd = ngettext("{n} day", "{n} days", n)\n',
        encoding="utf-8",
    )
    (core_dir / "service.py").write_text('e = M("Core words")\n', encoding="utf-8")
    po = tmp_path / "translations" / "es" / "LC_MESSAGES" / f"{DOMAIN}.po"
    po.parent.mkdir(parents=True)
    before = (
        HEADER
        + '\n#: ui/page.py\nmsgid "Alpha"\nmsgstr "Alfa"\n'
        + '\n# a translator\'s note\nmsgid "Gone"\nmsgstr "Ido"\n'
        + '\nmsgid "Beta"\nmsgstr "Beta (es)"\n'
        + '\nmsgid "Core words"\nmsgstr "Palabras"\n'
    )
    po.write_text(before, encoding="utf-8")

    missing = update_catalogues(ui_dir, tmp_path / "translations")

    after = po.read_text(encoding="utf-8")
    assert missing == {"es": ['New "quoted" words', "{n} day"]}
    # the existing entries in their own order, comments kept; the vanished one obsolete in place
    assert after.index('msgid "Alpha"') < after.index("Gone") < after.index('msgid "Beta"')
    assert '#: ui/page.py\nmsgid "Alpha"' in after and "# a translator's note" in after
    assert '#~ msgid "Gone"\n#~ msgstr "Ido"' in after
    # new strings appended at the end, untranslated, with their file
    tail = after[after.index('msgid "Core words"') :]
    assert '#: ui/page.py\nmsgid "New \\"quoted\\" words"\nmsgstr ""' in tail
    assert 'msgid_plural "{n} days"' in tail
    # and the app still reads it: translated entries as before, obsolete and new ones not
    read = parse_po(after)
    assert read["Alpha"] == "Alfa" and read["Beta"] == "Beta (es)" and "Gone" not in read
    # merging again changes nothing
    assert merge_po(after, extract_messages(ui_dir) + extract_messages(core_dir)) == after
    assert (tmp_path / "translations" / f"{DOMAIN}.pot").exists()


def test_the_shipped_catalogues_are_what_extract_writes() -> None:
    # what `python -m ui.i18n extract` would write is what is checked in: no string waits to be
    # added or made obsolete, the merge does not reorder a hand-edited catalogue, and the
    # template is the generated one (a hand-edited template had lost msgstr lines)
    translations = ROOT / "resources" / "translations"
    messages = extract_messages(ROOT / "ui") + extract_messages(ROOT / "clinician_desk")
    po = translations / "es" / "LC_MESSAGES" / f"{DOMAIN}.po"
    text = po.read_text(encoding="utf-8")
    assert merge_po(text, messages) == text
    assert (translations / f"{DOMAIN}.pot").read_text(encoding="utf-8") == template_po(messages)
