"""Roster parsing (pure): presets, encodings, separators, dates, problems with line numbers."""

from __future__ import annotations

from datetime import date

import pytest

from clinician_desk.domain.roster import (
    mapping_from_dict,
    parse_date,
    parse_roster,
)
from clinician_desk.errors import ValidationError

TODAY = date(2026, 10, 5)
PS = (
    "Student_Number^Last_Name^First_Name^DOB^Grade_Level^School_CDS^SSID\n"
    "0042^Testington^Demo^09/01/2011^09^99999990000033^0123456789\n"
    "0043^Notreal^Fakey^20101231^12^99999990000033^\n"
)


def test_template_caret_detected_and_text_preserved() -> None:
    r = parse_roster(PS.encode(), TODAY)
    assert r.ok, r.report()
    assert (r.preset, r.delimiter, r.encoding) == ("template", "^", "utf-8")
    a, b = r.rows
    assert a.district_student_number == "0042" and a.ssid == "0123456789"
    assert a.grade == "9" and a.date_of_birth == date(2011, 9, 1)
    assert b.date_of_birth == date(2010, 12, 31) and b.line == 3


def test_cp1252_and_bom_and_tab() -> None:
    text = "Student Number\tLast Name\tFirst Name\tBirthdate\tGrade\tSchool CDS Code\r\n"
    text += "7\tNu\u00f1ez-Ficticio\tJos\u00e9\t1/2/2015\tTK\t99999990000011\r\n"
    r = parse_roster(text.encode("cp1252"), TODAY)
    assert r.ok and r.encoding == "cp1252" and r.delimiter == "\t"
    assert r.rows[0].legal_last_name == "Nu\u00f1ez-Ficticio" and r.rows[0].grade == "TK"
    r2 = parse_roster(b"\xef\xbb\xbf" + text.encode("utf-8"), TODAY)
    assert r2.ok and r2.encoding == "utf-8-sig" and r2.rows[0].legal_first_name == "Jos\u00e9"


def test_every_problem_reported_with_line() -> None:
    text = (
        "Student Number,Last Name,First Name,Birthdate,Grade,School CDS Code\n"
        "1,A,B,02/30/2014,K,99999990000011\n"
        "2,,B,01/01/2014,K,99999990000011\n"
        "1,C,D,2014/01/01,PK,1234\n"
        "3,E,F\n"
    )
    r = parse_roster(text.encode(), TODAY)
    msgs = [str(p) for p in r.problems]
    assert "line 2: date_of_birth is not a real calendar date" in msgs
    assert "line 3: legal_last_name is empty" in msgs
    assert "line 4: date_of_birth is not a date (MM/DD/YYYY or YYYYMMDD)" in msgs
    assert "line 4: grade is not one of TK, K, 1-12" in msgs
    assert "line 4: school_cds is not a 14-digit CDS code" in msgs
    assert "line 4: district student number repeats the one on line 2" in msgs
    assert "line 5: has 3 fields, the header has 6" in msgs
    assert "nothing will be imported" in r.report()
    assert "02/30" not in r.report()  # values (student data) are never echoed


def test_missing_columns_binary_and_empty_refused() -> None:
    with pytest.raises(ValidationError, match=r"required column.*date_of_birth"):
        parse_roster(
            b"Student Number,Last Name,First Name,Grade,School CDS Code\n1,A,B,K,1\n", TODAY
        )
    with pytest.raises(ValidationError, match="binary"):
        parse_roster(b"\x00\x01\x02PK", TODAY)
    with pytest.raises(ValidationError, match="empty"):
        parse_roster(b"  \n", TODAY)


def test_custom_mapping_with_default_school() -> None:
    mapping = mapping_from_dict(
        {
            "columns": {
                "district_student_number": "Pupil",
                "legal_last_name": "Surname",
                "legal_first_name": "Given",
                "date_of_birth": "Born",
                "grade": "Yr",
            },
            "delimiter": ";",
            "defaults": {"school_cds": "99999990000011"},
        }
    )
    r = parse_roster(b"Pupil;Surname;Given;Born;Yr\n0001;Ipsum;Lorem;20150101;1\n", TODAY, mapping)
    assert r.ok and r.rows[0].school_cds == "99999990000011"
    with pytest.raises(ValidationError, match="unknown field"):
        mapping_from_dict({"columns": {"shoe_size": "x"}})
    with pytest.raises(ValidationError, match="columns"):
        mapping_from_dict([])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/04/2014", date(2014, 3, 4)),
        ("3/4/2014", date(2014, 3, 4)),
        ("20140304", date(2014, 3, 4)),
        ("2014-03-04", date(2014, 3, 4)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("bad", ["2014/03/04", "13/01/2014", "0304201", "March 4"])
def test_bad_dates(bad: str) -> None:
    with pytest.raises(ValidationError):
        parse_date(bad)
