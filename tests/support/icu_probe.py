"""Prints, as JSON, everything Qt asks ICU for, in the languages given on the command line.

Run as a child process by tests/integration/packaging/test_icu_data.py, once with the full ICU
data library and once with the reduced one loaded first (LD_PRELOAD): the two outputs must be
equal for every language the bundle keeps. Covers the four ICU services Qt Core imports
(collation, case mapping, time-zone names, code conversion) and Qt's own text boundaries and
layout in the same languages (which must not depend on ICU data at all).

    python tests/support/icu_probe.py en,es,ar,...
"""

from __future__ import annotations

import functools
import json
import os
import sys

WORDS = [
    "zebra", "Zürich", "ñu", "nz", "oa", "árbol", "arbol", "Ángel", "chico", "cuna", "lluvia",
    "luz", "ёж", "еда", "жук", "ґанок", "гора", "ін", "її", "кит", "ب", "پ", "ت", "ا", "آ", "ی",
    "ي", "乙", "丁", "二", "人", "十", "ਕ", "ਖ", "ਅ", "đi", "di", "ăn", "an", "ân", "item10",
    "item9", "å", "ä", "ö", "z", "Hmoob", "ntawv",
]  # fmt: skip
ZONES = [
    b"America/Los_Angeles", b"America/Mexico_City", b"Europe/Kyiv", b"Europe/Moscow",
    b"Asia/Kabul", b"Asia/Taipei", b"Asia/Ho_Chi_Minh", b"Asia/Kolkata", b"Asia/Riyadh",
]  # fmt: skip
SAMPLES = {
    "en": "The school counselor meets the student every Tuesday afternoon.",
    "es": "La consejera escolar se reúne con el estudiante cada martes por la tarde.",
    "ar": "يلتقي المرشد المدرسي بالطالب كل يوم ثلاثاء بعد الظهر.",
    "fa": "مشاور مدرسه هر سه‌شنبه بعدازظهر با دانش‌آموز ملاقات می‌کند.",
    "pa": "ਸਕੂਲ ਸਲਾਹਕਾਰ ਹਰ ਮੰਗਲਵਾਰ ਦੁਪਹਿਰ ਨੂੰ ਵਿਦਿਆਰਥੀ ਨੂੰ ਮਿਲਦਾ ਹੈ।",
    "ru": "Школьный консультант встречается с учеником каждый вторник днём.",
    "uk": "Шкільний консультант зустрічається з учнем щовівторка вдень.",
    "vi": "Cố vấn học đường gặp học sinh vào mỗi chiều thứ Ba.",
    "zh": "學校輔導員每週二下午與學生見面。",
    "hmn": "Tus kws pab tswv yim ntsib tus menyuam kawm ntawv txhua hnub Tuesday.",
}


def collation(locale) -> dict:
    from PySide6.QtCore import QCollator, Qt

    collator = QCollator(locale)
    out = {"default": sorted(WORDS, key=functools.cmp_to_key(collator.compare))}
    collator.setNumericMode(True)
    collator.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    collator.setIgnorePunctuation(True)
    out["numeric_ci"] = sorted(WORDS, key=functools.cmp_to_key(collator.compare))
    return out


def zone_names(locale) -> dict:
    from PySide6.QtCore import QTimeZone

    out = {}
    for zone in ZONES:
        tz = QTimeZone(zone)
        for kind in QTimeZone.TimeType:
            for name in QTimeZone.NameType:
                out[f"{zone.decode()}/{kind.name}/{name.name}"] = tz.displayName(kind, name, locale)
    return out


def text(lang: str) -> dict:
    from PySide6.QtCore import QTextBoundaryFinder
    from PySide6.QtGui import QTextLayout

    sample = SAMPLES.get(lang.split("_")[0], SAMPLES["en"])
    out = {}
    for kind in (QTextBoundaryFinder.BoundaryType.Word, QTextBoundaryFinder.BoundaryType.Line):
        finder = QTextBoundaryFinder(kind, sample)
        stops = []
        while (at := finder.toNextBoundary()) != -1:
            stops.append(at)
        out[kind.name] = stops
    layout = QTextLayout(sample)
    layout.beginLayout()
    lines = []
    while (line := layout.createLine()).isValid():
        line.setLineWidth(120)
        lines.append([line.textStart(), line.textLength()])
    layout.endLayout()
    out["layout"] = lines
    return out


def converters() -> dict:
    from PySide6.QtCore import QBuffer, QByteArray, QStringConverter, QXmlStreamReader

    out: dict = {"available": sorted(QStringConverter.availableCodecs())}
    body = bytes(b for b in range(0xA1, 0xFF))
    for name in ("windows-1252", "ISO-8859-15", "KOI8-R", "windows-1251", "windows-1256",
                 "Shift_JIS", "GB18030", "Big5", "EUC-KR", "windows-1258"):  # fmt: skip
        raw = b'<?xml version="1.0" encoding="' + name.encode() + b'"?><a>' + body + b"</a>"
        buffer = QBuffer()
        buffer.setData(QByteArray(raw))
        buffer.open(QBuffer.OpenModeFlag.ReadOnly)
        reader = QXmlStreamReader(buffer)  # decodes through QStringDecoder, i.e. ICU
        chunks = []
        while not reader.atEnd():
            reader.readNext()
            if reader.isCharacters():
                chunks.append(reader.text())
        out[name] = ["".join(chunks), reader.errorString()]
    return out


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QLocale
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication([])  # text layout needs fonts
    out: dict = {"_converters": converters()}
    for lang in sys.argv[1].split(","):
        locale = QLocale(lang)
        out[lang] = {
            "collation": collation(locale),
            "upper": [locale.toUpper(s) for s in ("straße", "istanbul ıi", "ǆ άέ", "ёж đăng")],
            "lower": [locale.toLower(s) for s in ("İSTANBUL", "ΣΑΣ", "ĐĂNG ЁЖ")],
            "zones": zone_names(locale),
            "text": text(lang),
        }
    del app
    print(json.dumps(out, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()
