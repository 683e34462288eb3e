"""The preview flags org units the device may not report for, as the server decides."""

from __future__ import annotations

from clinician_desk.services.sync_service import _allowed

SCHOOL, OTHER_SCHOOL, DISTRICT = "01611190130229", "01611190132878", "01611190000000"


def test_school_enrollment_allows_its_district_roll_up_only() -> None:
    units = {SCHOOL}
    assert _allowed(SCHOOL, units)
    assert _allowed(DISTRICT, units)  # district-only measures of that school
    assert not _allowed(OTHER_SCHOOL, units)
    assert not _allowed("19647330000000", units)


def test_district_enrollment_allows_district_level_cells_only() -> None:
    # As the county server decides since issue 18: a district code is not every school in it.
    units = {DISTRICT}
    assert _allowed(DISTRICT, units)
    assert not _allowed(SCHOOL, units) and not _allowed(OTHER_SCHOOL, units)
    assert not _allowed("19647330000001", units)
