"""OneRoster 1.1 / 1.2 bundles, the pure part: what is imported, what is skipped, and every
malformed bundle refused with its file, line and column (never a student's value)."""

from __future__ import annotations

from datetime import date

import pytest

from clinician_desk.domain.roster import RosterBundle, parse_oneroster
from clinician_desk.errors import ValidationError
from tests.support.oneroster import (
    OTHER_CDS,
    SCHOOL_CDS,
    USERS_11,
    bundle_11,
    bundle_12,
    replace_line,
)

TODAY = date(2026, 10, 5)


def _parse(files: dict[str, bytes]):
    return parse_oneroster(RosterBundle(files, "export.zip"), TODAY)


def test_oneroster_11_students_schools_guardians_and_skips() -> None:
    result = _parse(bundle_11())
    assert result.ok, result.report()
    assert result.preset == "oneroster-1.1"
    by_number = {r.district_student_number: r for r in result.rows}
    assert set(by_number) == {"000101", "000102"}  # u-3 is tobedeleted
    testy = by_number["000101"]
    assert (testy.legal_first_name, testy.legal_last_name) == ("Testy", "McFakeface")
    assert (testy.grade, testy.school_cds, testy.school_name) == (
        "K",
        SCHOOL_CDS,
        "Imaginary Elementary",
    )
    assert testy.date_of_birth == date(2019, 3, 4)
    assert testy.guardian is not None
    assert (testy.guardian.name, testy.guardian.phone) == ("Pat McFakeface", "555-0100")
    # Only the district in orgSourcedIds: the school comes from the student enrollment.
    assert (by_number["000102"].grade, by_number["000102"].school_cds) == ("7", OTHER_CDS)
    assert (result.skipped_non_students, result.skipped_deleted) == (2, 1)
    assert "1 row(s) marked tobedeleted skipped" in result.report()


def test_oneroster_12_roles_file_preferred_name_and_primary_org() -> None:
    result = _parse(bundle_12())
    assert result.ok, result.report()
    assert result.preset == "oneroster-1.2"
    (row,) = result.rows
    assert (row.preferred_name, row.grade, row.school_cds) == ("Fay", "TK", OTHER_CDS)
    assert result.skipped_non_students == 1  # the counselor (role in roles.csv)


@pytest.mark.parametrize("name", ["users.csv", "demographics.csv", "orgs.csv"])
def test_a_missing_file_is_named(name: str) -> None:
    files = bundle_11()
    del files[name]
    with pytest.raises(ValidationError, match=f"export.zip: {name} missing"):
        _parse(files)


def test_a_missing_column_is_named_with_its_file() -> None:
    files = bundle_11()
    files["users.csv"] = replace_line(
        files["users.csv"], 1, USERS_11.replace(",identifier,", ",studentNumber,")
    )
    with pytest.raises(
        ValidationError, match=r"users.csv line 1: required column\(s\) missing: identifier"
    ):
        _parse(files)
    files = bundle_11()
    files["demographics.csv"] = b"sourcedId,status,dateLastModified,sex\r\nu-1,,,female\r\n"
    with pytest.raises(ValidationError, match=r"demographics.csv line 1: .*birthDate"):
        _parse(files)


def test_bad_birth_date_names_file_line_and_column_never_the_value() -> None:
    files = bundle_11()
    files["demographics.csv"] = replace_line(
        files["demographics.csv"], 2, "u-1,,,03/04/2019,,,,,,,,,,,,"
    )
    result = _parse(files)
    assert not result.ok
    report = result.report()
    assert (
        "demographics.csv line 2: column birthDate is not a date in the form YYYY-MM-DD" in report
    )
    assert "03/04/2019" not in report and "McFakeface" not in report
    assert "nothing will be imported" in report
    files["demographics.csv"] = replace_line(
        files["demographics.csv"], 2, "u-1,,,2019-02-30,,,,,,,,,,,,"
    )
    assert "column birthDate is not a real calendar date" in _parse(files).report()


def test_unknown_org_and_non_cds_identifier_are_named() -> None:
    files = bundle_11()
    text = files["users.csv"].decode().replace("u-1,,,true,org-s1,", "u-1,,,true,org-zz,")
    files["users.csv"] = text.encode()
    report = _parse(files).report()
    assert (
        "users.csv line 2: column orgSourcedIds names org 'org-zz', not found in orgs.csv" in report
    )
    files = bundle_11()
    files["orgs.csv"] = files["orgs.csv"].replace(SCHOOL_CDS.encode(), b"1234")
    report = _parse(files).report()
    assert "orgs.csv line 3: column identifier is not a 14-digit CDS code" in report
    files = bundle_11()
    files["enrollments.csv"] = files["enrollments.csv"].replace(b"org-s2", b"org-nope")
    report = _parse(files).report()
    assert "enrollments.csv line 2: column schoolSourcedId names org 'org-nope'" in report


def test_a_student_without_birth_date_row_or_grade_is_a_problem() -> None:
    files = bundle_11()
    files["demographics.csv"] = replace_line(files["demographics.csv"], 3, "")
    files["users.csv"] = files["users.csv"].replace(b",KG,", b",PK,")
    report = _parse(files).report()
    assert "users.csv line 3: column sourcedId has no row in demographics.csv" in report
    assert "users.csv line 2: column grades is not one of TK, KG, 01-12" in report


def test_non_utf8_and_broken_csv_are_refused_naming_the_file() -> None:
    files = bundle_11()
    files["users.csv"] = files["users.csv"].replace(b"Testy", b"T\xe9sty")
    with pytest.raises(ValidationError, match=r"users.csv: not UTF-8 text"):
        _parse(files)
    files = bundle_11()
    files["orgs.csv"] += b'org-x,,,"unterminated\r\n'
    with pytest.raises(ValidationError, match=r"orgs.csv line \d+: "):
        _parse(files)


def test_a_bundle_with_only_staff_is_refused() -> None:
    files = bundle_11()
    files["users.csv"] = (
        USERS_11 + "\r\nu-8,,,true,org-s1,teacher,,,Ima,Teacherly,,T-8,,,,,,\r\n"
    ).encode()
    result = _parse(files)
    assert "users.csv: has no active student rows" in result.report()


def test_default_school_for_students_without_one_must_be_a_cds_code() -> None:
    files = bundle_11()
    files["enrollments.csv"] = files["enrollments.csv"].replace(b",org-s2,", b",org-d1,")
    assert "names no school in orgs.csv" in _parse(files).report()
    result = parse_oneroster(RosterBundle(files, "x.zip"), TODAY, OTHER_CDS)
    assert result.ok and {r.school_cds for r in result.rows} == {SCHOOL_CDS, OTHER_CDS}
    with pytest.raises(ValidationError, match="14 digits"):
        parse_oneroster(RosterBundle(files, "x.zip"), TODAY, "123")


def test_oneroster_12_metadata_columns_fill_language_and_state_student_id() -> None:
    """Extension columns (``metadata.<name>``) in users.csv or demographics.csv fill the fields
    the core has: the student's language and the state student ID (SSID)."""
    from tests.support.oneroster import bundle_12_metadata

    result = _parse(
        bundle_12_metadata(
            {"metadata.stateStudentId": "1234567890"}, {"metadata.homeLanguage": "Spanish"}
        )
    )
    assert result.ok, result.report()
    (row,) = result.rows
    assert (row.ssid, row.language) == ("1234567890", "Spanish")
    # Names vary between exports: the ext. prefix, case and separators do not matter; users.csv
    # wins over demographics.csv when both carry one.
    result = _parse(
        bundle_12_metadata(
            {"Metadata.ext.SSID": "2345678901", "metadata.language": "Vietnamese"},
            {"metadata.primary_language": "Tagalog"},
        )
    )
    assert result.ok, result.report()
    assert (result.rows[0].ssid, result.rows[0].language) == ("2345678901", "Vietnamese")
    # Unknown extensions are ignored; a column the core has no field for changes nothing.
    result = _parse(bundle_12_metadata({"metadata.lunchStatus": "free"}))
    assert result.ok and (result.rows[0].ssid, result.rows[0].language) == ("", "")


def test_a_bad_metadata_value_names_file_line_and_column_never_the_value() -> None:
    from tests.support.oneroster import bundle_12_metadata

    result = _parse(bundle_12_metadata(demographics_meta={"metadata.stateStudentId": "12AB99"}))
    assert not result.ok and not result.rows
    (problem,) = result.problems
    assert problem.file == "demographics.csv" and problem.line == 2
    assert "metadata.stateStudentId" in problem.message and "10 digits" in problem.message
    assert "12AB99" not in result.report()
