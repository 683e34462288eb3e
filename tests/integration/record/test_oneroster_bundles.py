"""OneRoster bundles against a real vault: a 1.1 zip and a 1.2 folder import; hostile zips
(path traversal, links, archives inside, bombs, too many members) and bad bundles are refused
before anything is written, so nothing is ever half imported."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from clinician_desk.errors import UsageError, ValidationError
from clinician_desk.services import roster
from clinician_desk.services.record.service import RecordService
from clinician_desk.storage import Database
from tests.support.oneroster import (
    SCHOOL_CDS,
    bundle_11,
    bundle_12,
    replace_line,
    write_folder,
    write_zip,
)


def _students(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute("SELECT count(*) FROM students").fetchone()[0])


def test_oneroster_11_zip_imports(record: RecordService, db: Database, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "district-export.zip", bundle_11(), folder="oneroster/")
    source = roster.read_roster_source(path)
    dry = record.import_roster(source, dry_run=True)
    assert (dry.created, _students(db)) == (2, 0)
    result = record.import_roster(source)
    assert (result.created, result.updated) == (2, 0)
    view = record.student_view(record.search("mcfakeface")[0].student_id or 0)
    assert (view.grade, view.school_cds) == ("K", SCHOOL_CDS)
    again = record.import_roster(roster.read_roster_source(path))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_oneroster_12_folder_and_its_users_csv_import(
    record: RecordService, db: Database, tmp_path: Path
) -> None:
    folder = write_folder(tmp_path / "export-1.2", bundle_12())
    assert isinstance(roster.read_roster_source(folder / "users.csv"), roster.RosterBundle)
    result = record.import_roster(roster.read_roster_source(folder))
    assert result.created == 1 and result.parsed.preset == "oneroster-1.2"
    assert _students(db) == 1


def test_a_zip_named_csv_is_still_read_as_a_bundle(record: RecordService, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "roster.csv", bundle_11())
    assert record.import_roster(roster.read_roster_source(path), dry_run=True).created == 2


def test_one_bad_row_imports_nothing(record: RecordService, db: Database, tmp_path: Path) -> None:
    files = bundle_11()
    files["demographics.csv"] = replace_line(
        files["demographics.csv"], 3, "u-2,,,2013-13-06,,,,,,,,,,,,"
    )
    source = roster.read_roster_source(write_zip(tmp_path / "x.zip", files))
    with pytest.raises(ValidationError, match=r"demographics.csv line 3: column birthDate"):
        record.import_roster(source)
    assert _students(db) == 0


def test_a_preset_or_mapping_does_not_apply_to_a_bundle(
    record: RecordService, tmp_path: Path
) -> None:
    source = roster.read_roster_source(write_folder(tmp_path / "b", bundle_11()))
    with pytest.raises(UsageError, match="own layout"):
        record.import_roster(source, preset="template")


def _zip_with(path: Path, extra: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    write_zip(path, bundle_11())
    with zipfile.ZipFile(path, "a") as archive:
        for info, data in extra:
            archive.writestr(info, data)
    return path


def _link(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([("../users.csv", b"x")], "named outside its folder"),
        ([("/etc/orgs.csv", b"x")], "named outside its folder"),
        ([("C:/temp/users.csv", b"x")], "named outside its folder"),
        ([(_link("evil"), b"/etc/passwd")], "holds a link"),
        ([("inner.zip", b"PK\x03\x04")], "holds another archive"),
        ([("sub/users.csv", b"x")], "holds users.csv twice"),
    ],
)
def test_hostile_zips_are_refused(
    record: RecordService, db: Database, tmp_path: Path, extra: list, message: str
) -> None:
    path = _zip_with(tmp_path / "export.zip", extra)
    with pytest.raises(ValidationError, match=message):
        record.import_roster(roster.read_roster_source(path))
    assert _students(db) == 0


def test_zip_bomb_nested_zip_and_member_count_are_refused(tmp_path: Path) -> None:
    files = bundle_11()
    files["enrollments.csv"] = b"a" * (3 * 2**20)  # 3 MB of one byte: ratio far above 200
    with pytest.raises(ValidationError, match="zip bomb"):
        roster.read_roster_source(write_zip(tmp_path / "bomb.zip", files))
    files = bundle_11()
    files["orgs.csv"] = (tmp_path / "bomb.zip").read_bytes()
    with pytest.raises(ValidationError, match=r"orgs.csv is itself a zip file"):
        roster.read_roster_source(write_zip(tmp_path / "nested.zip", files))
    many = tmp_path / "many.zip"
    _zip_with(many, [(f"notes/{i}.txt", b"") for i in range(roster.MAX_ZIP_MEMBERS)])
    with pytest.raises(ValidationError, match="files in the zip"):
        roster.read_roster_source(many)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(ValidationError, match="binary file that is not a readable zip"):
        roster.read_roster_source(broken)
    sheet = write_zip(tmp_path / "roster.xlsx", {"users.csv": b"x"})
    with zipfile.ZipFile(sheet, "a") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
    with pytest.raises(ValidationError, match="a spreadsheet"):
        roster.read_roster_source(sheet)


def test_a_folder_without_users_csv_is_refused(tmp_path: Path) -> None:
    files = bundle_11()
    del files["users.csv"]
    with pytest.raises(ValidationError, match=r"no users.csv in this folder"):
        roster.read_roster_source(write_folder(tmp_path / "empty", files))


@pytest.mark.parametrize("preset", ["aeries", "powerschool", "infinite-campus", "oneroster"])
def test_retired_presets_point_to_the_oneroster_bundle(record: RecordService, preset: str) -> None:
    with pytest.raises(UsageError, match=f"The {preset} preset is retired.*OneRoster bundle"):
        record.import_roster(b"a,b\n1,2\n", preset=preset, dry_run=True)


def test_oneroster_12_zip_with_metadata_columns_stores_language_and_ssid(
    record: RecordService, tmp_path: Path
) -> None:
    from tests.support.oneroster import bundle_12_metadata

    files = bundle_12_metadata(
        {"metadata.stateStudentId": "1234567890"}, {"metadata.homeLanguage": "Spanish"}
    )
    path = write_zip(tmp_path / "export-1.2.zip", files)
    result = record.import_roster(roster.read_roster_source(path))
    assert result.created == 1, result.parsed.report()
    view = record.student_view(record.search("notreal")[0].student_id or 0)
    assert (view.ssid, view.language) == ("1234567890", "Spanish")
