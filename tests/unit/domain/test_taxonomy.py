import pytest

from clinician_desk.bundled.taxonomy import load_taxonomy
from clinician_desk.domain.taxonomy import Taxonomy
from clinician_desk.errors import ValidationError


def test_bundled_taxonomy_has_every_design_code() -> None:
    tax = load_taxonomy()
    expected = {
        "PSY-EDU-CLASS",
        "PSY-EDU-GRP",
        "SCR-UNIV",
        "SCR-SUD",
        "ASMT-INTAKE",
        "TX-IND",
        "TX-FAM",
        "TX-GRP",
        "CRISIS",
        "SAFETY-PLAN",
        "CM-COORD",
        "CONSULT",
        "REFERRAL",
        "MAND-REPORT",
    }
    assert set(tax.services) == expected
    assert {c for c, s in tax.services.items() if s.district_only} == {
        "CRISIS",
        "SAFETY-PLAN",
        "MAND-REPORT",
    }


@pytest.mark.parametrize(
    ("grade", "band"),
    [
        ("TK", "TK-5"),
        ("k", "TK-5"),
        ("5", "TK-5"),
        ("6", "6-8"),
        ("8", "6-8"),
        ("9", "9-12"),
        ("12", "9-12"),
        ("13", None),
        ("", None),
    ],
)
def test_grade_bands(grade: str, band: str | None) -> None:
    assert load_taxonomy().grade_band(grade) == band


def test_unknown_code_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="Unknown service code 'NOPE'"):
        load_taxonomy().service("NOPE")


def test_broken_taxonomy_names_the_field() -> None:
    with pytest.raises(ValidationError, match=r"services\[0\]\.tiers"):
        Taxonomy.from_dict(
            {"version": "x", "grade_bands": {}, "services": [{"code": "A", "name": "a"}]},
            source="t.json",
        )
