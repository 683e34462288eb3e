"""Hypothesis: messy generated rosters never crash the parser, and clean ones round-trip."""

from __future__ import annotations

import csv
import io
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinician_desk.domain.roster import parse_roster
from clinician_desk.errors import ValidationError

TODAY = date(2026, 10, 5)
HEADER = ["Student Number", "Last Name", "First Name", "Birthdate", "Grade", "School CDS Code"]
names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12
).filter(lambda s: s.strip() == s and s.strip() != "")
student = st.tuples(
    st.from_regex(r"0{0,3}[1-9][0-9]{0,5}", fullmatch=True),
    names,
    names,
    st.dates(min_value=date(2005, 1, 1), max_value=date(2022, 12, 31)),
    st.sampled_from(["TK", "K", "1", "5", "8", "12"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(student, min_size=1, max_size=8, unique_by=lambda r: r[0]),
    delimiter=st.sampled_from([",", "\t", "^", ";", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    ymd=st.booleans(),
)
def test_clean_rosters_round_trip(rows, delimiter, encoding, newline, ymd) -> None:  # type: ignore[no-untyped-def]
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    w.writerow(HEADER)
    for num, last, first, dob, grade in rows:
        shown = dob.strftime("%Y%m%d") if ymd else dob.strftime("%m/%d/%Y")
        w.writerow([num, last, first, shown, grade, "99999990000011"])
    try:
        data = buf.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return  # the name is not representable in this encoding; nothing to check
    result = parse_roster(data, TODAY)
    assert result.ok, result.report()
    got = [
        (r.district_student_number, r.legal_last_name, r.legal_first_name, r.date_of_birth)
        for r in result.rows
    ]
    assert got == [(n, la, fi, d) for n, la, fi, d, _ in rows]


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(lambda t: t.encode("utf-8")))
def test_garbage_never_crashes(data: bytes) -> None:
    try:
        result = parse_roster(data, TODAY)
    except ValidationError as exc:
        assert exc.message  # refused with a message
        return
    assert result.problems or result.rows
    for p in result.problems:
        assert p.line >= 0 and p.message


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(student, min_size=2, max_size=6, unique_by=lambda r: r[0]),
    bad_index=st.integers(min_value=0, max_value=5),
    damage=st.sampled_from(["date", "grade", "dup", "short"]),
)
def test_one_damaged_row_is_reported_on_its_line(rows, bad_index, damage) -> None:  # type: ignore[no-untyped-def]
    bad_index %= len(rows)
    lines = [",".join(HEADER)]
    for i, (num, _last, _first, dob, grade) in enumerate(rows):
        cells = [num, "Fictional", "Person", dob.strftime("%m/%d/%Y"), grade, "99999990000011"]
        if i == bad_index:
            if damage == "date":
                cells[3] = "31/31/2014"
            elif damage == "grade":
                cells[4] = "14"
            elif damage == "dup":
                cells[0] = rows[0][0] if bad_index else rows[1][0]
            else:
                cells = cells[:3]
        lines.append(",".join(cells))
    result = parse_roster("\n".join(lines).encode(), TODAY)
    assert not result.ok
    lines_with_problems = {p.line for p in result.problems}
    if damage == "dup" and bad_index == 0:
        assert lines_with_problems == {3}  # the repeat is reported where it repeats
    else:
        assert lines_with_problems == {bad_index + 2}
