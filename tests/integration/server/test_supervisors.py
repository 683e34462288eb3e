"""The supervisors' view on the real county app (SQLite and PostgreSQL): fiscal year first with
the previous one beside it, the quarter selector, drill-down county → district → school →
service, screenings by month and district, completeness, closing and reopening months,
enrollment codes, the fiscal-year report (web and CLI) and the dashboard's HTML error pages."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
from fastapi.testclient import TestClient

from county_server import cli
from county_server.db import Database
from county_server.publication import cube

from .conftest import (
    DISTRICT,
    OTHER_DISTRICT,
    OTHER_SCHOOL,
    SCHOOL,
    SCHOOL2,
    Clock,
    add,
    csrf_of,
    enroll,
    sign_in,
)


def seed(db: Database, client: TestClient, clock: Clock) -> None:
    """Two fiscal years of counts at two schools (large enough to be shown)."""
    dev = enroll(db, client, clock, units=(SCHOOL, SCHOOL2, DISTRICT))
    for period, base in (("2025-08", 31), ("2025-09", 44), ("2026-08", 52), ("2026-09", 63)):
        cells = [
            {"measure": "services", "dimensions": {"service": "TX-IND", "tier": 2}, "value": base},
            {"measure": "services", "dimensions": {"service": "CM-COORD", "tier": 2}, "value": 40},
            {
                "measure": "screenings_administered",
                "dimensions": {"instrument": "PHQ-A"},
                "value": 80,
            },
            {"measure": "screenings_positive", "dimensions": {"instrument": "PHQ-A"}, "value": 20},
            {"measure": "referrals_made", "dimensions": {"service": "REFERRAL"}, "value": 30},
        ]
        for unit in (SCHOOL, SCHOOL2):
            body = dev.body(org_unit=unit, period=period, cells=cells)
            assert dev.put(body, org_unit=unit, period=period).status_code == 200, period
    other = enroll(db, client, clock, units=(OTHER_SCHOOL,))
    assert other is not None  # enrolled, never synced: shows as quiet and as "0 of 1"


def published(db: Database, org_level: str, org: str, level: str, period: str) -> int | None:
    with db.read() as tx:
        got = cube.read(tx, "services", org_level, [org], level, [period], "T", [""])
    return cube.shown(got, (org, period, ""))


def cell(v: int | None) -> str:
    return "*" if v is None else f"{v:,}"


def test_overview_defaults_to_the_fiscal_year_beside_the_previous_one(
    db: Database, client: TestClient, clock: Clock
) -> None:
    seed(db, client, clock)
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    page = client.get("/").text
    assert "FY2026-27 beside FY2025-26" in page
    assert "same months, FY2025-26" in page
    # the district's Sep 2026 and, beside it, Sep 2025, exactly as published
    now_sep = published(db, "D", DISTRICT, "M", "2026-09")
    then_sep = published(db, "D", DISTRICT, "M", "2025-09")
    assert now_sep is not None and then_sep is not None and now_sep != then_sep
    assert f">{cell(now_sep)}<" in page and f">{cell(then_sep)}<" in page
    # small multiples: one chart per district, linked to the district
    assert page.count('class="chart small"') == 2
    assert f'href="/district/{DISTRICT}?measure=services&amp;fy=FY2026-27"' in page
    # the quarter selector: Q1 shows July–September and the quarter's total
    q1 = client.get("/?quarter=Q1").text
    assert "FY2026-27 Q1" in q1 and "2026-10" not in q1.split("<tbody>")[1].split("</table>")[0]
    assert client.get("/?quarter=Q5").status_code == 422
    assert client.get("/?fy=FY2019-20").status_code == 422
    assert "FY2026-27 Q1" in client.get("/?grain=quarter").text


def test_drill_down_county_district_school_service(
    db: Database, client: TestClient, clock: Clock
) -> None:
    seed(db, client, clock)
    add(db, clock, "ada", "admin", [])
    add(db, clock, "sam", "supervisor", [OTHER_DISTRICT])
    assert sign_in(client, "ada") == 303
    district = client.get(f"/district/{DISTRICT}").text
    assert f'href="/school/{SCHOOL}?measure=services"' in district
    assert "same months, FY2025-26" in district  # the district's own month trend
    school = client.get(f"/school/{SCHOOL}").text
    assert "Acorn Elementary" in school and f'href="/district/{DISTRICT}' in school
    assert 'href="/service/TX-IND?measure=services"' in school
    with db.read() as tx:
        got = cube.read(tx, "services", "U", [SCHOOL], "Y", ["FY2025-26"], "S", ["TX-IND"])
    assert f">{cell(cube.shown(got, (SCHOOL, 'FY2025-26', 'TX-IND')))}<" in school
    assert "CRISIS" not in school  # services without counts at this school are left out
    service = client.get("/service/TX-IND").text
    assert f"/district/{DISTRICT}?measure=services&amp;fy=FY2026-27&amp;service=TX-IND" in service
    assert client.get("/school/99100006009999").status_code == 404
    assert client.get("/school/not-a-school").status_code == 404
    client.cookies.clear()
    assert sign_in(client, "sam") == 303
    r = client.get(f"/school/{SCHOOL}")  # not one of sam's districts
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]


def test_screenings_by_month_and_district_with_positive_rates(
    db: Database, client: TestClient, clock: Clock
) -> None:
    seed(db, client, clock)
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    page = client.get("/screenings?period=FY2026-27").text
    assert "Positive rate by month and district, FY2026-27" in page
    with db.read() as tx:
        g = cube.read(tx, "screenings_administered", "D", [DISTRICT], "M", ["2026-09"], "T", [""])
        p = cube.read(tx, "screenings_positive", "D", [DISTRICT], "M", ["2026-09"], "T", [""])
    given, pos = cube.shown(g, (DISTRICT, "2026-09", "")), cube.shown(p, (DISTRICT, "2026-09", ""))
    assert given and pos
    assert f"{100 * pos / given:.1f}%<br><small>{pos:,}/{given:,}</small>" in page
    # the instrument table has the same period a year earlier beside it
    assert "Positive rate, FY2025-26</th>" in page


def test_completeness_counts_laptops_not_clinicians(
    db: Database, client: TestClient, clock: Clock
) -> None:
    seed(db, client, clock)
    add(db, clock, "ada", "admin", [])
    add(db, clock, "sam", "supervisor", [DISTRICT])
    assert sign_in(client, "ada") == 303
    page = client.get("/completeness").text
    row = re.search(r"Alder Test Unified</a></th>(.*?)</tr>", page, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>([^<]*)", row.group(1))
    # July: no counts; August and September: the one laptop; October (partial): none yet
    assert cells == ["0 of 1", "1 of 1", "1 of 1", "0 of 1"]
    assert "Oct 2026 (partial)" in page
    other = re.search(r"Birch Test Unified</a></th>(.*?)</tr>", page, re.S)
    assert other is not None and "0 of 1" in other.group(1)
    assert "Every active laptop has synced within 30 days." in page
    clock.advance(40 * 86400)  # 40 days later, nobody has synced
    client.cookies.clear()
    assert sign_in(client, "ada") == 303
    quiet = client.get("/completeness").text.split("Laptops not synced for 30 days")[1]
    assert quiet.count("Unlabelled laptop") == 2 and "2026-10-05 (40 days ago)" in quiet
    client.cookies.clear()
    assert sign_in(client, "sam") == 303
    sup = client.get("/completeness").text
    assert "Laptops not synced" not in sup and "Birch Test Unified" not in sup


def test_closing_and_reopening_a_month_is_audited_and_admin_only(
    db: Database, client: TestClient, clock: Clock
) -> None:
    seed(db, client, clock)
    add(db, clock, "ada", "admin", [])
    add(db, clock, "sam", "supervisor", [DISTRICT])
    assert sign_in(client, "sam") == 303
    assert client.get("/months").status_code == 403
    token = csrf_of(client.get("/").text)
    r = client.post("/months/close", data={"csrf_token": token, "period": "2026-08"})
    assert r.status_code == 403
    client.cookies.clear()
    assert sign_in(client, "ada") == 303
    token = csrf_of(client.get("/months").text)
    assert (
        client.post("/months/close", data={"csrf_token": "x", "period": "2026-08"}).status_code
        == 403
    )
    r = client.post("/months/close", data={"csrf_token": token, "period": "2026-8"})
    assert r.status_code == 422 and "YYYY-MM" in r.text
    r = client.post(
        "/months/close",
        data={"csrf_token": token, "period": "2026-08"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "closed" in client.get("/completeness").text
    page = client.get("/months").text
    assert "the whole county" in page and "Reopen" in page
    r = client.post(
        "/months/reopen",
        data={"csrf_token": token, "period": "2026-08", "district": "*"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        "/months/reopen", data={"csrf_token": token, "period": "2026-08", "district": "*"}
    )
    assert r.status_code == 422  # not closed any more: a clear error, nothing changes
    with db.read() as tx:
        actions = [
            (a, actor)
            for a, actor in tx.all(
                "SELECT action, actor FROM audit_log WHERE action IN "
                "('period_closed', 'period_reopened') ORDER BY id"
            )
        ]
        assert tx.scalar("SELECT COUNT(*) FROM closed_periods") == 0
    assert actions == [("period_closed", "web:ada"), ("period_reopened", "web:ada")]


def test_enrollment_codes_page(db: Database, client: TestClient, clock: Clock) -> None:
    add(db, clock, "ada", "admin", [])
    add(db, clock, "sam", "supervisor", [DISTRICT])
    assert sign_in(client, "ada") == 303
    token = csrf_of(client.get("/enrollment-codes").text)
    r = client.post(
        "/enrollment-codes",
        data={
            "csrf_token": token,
            "label": "School psychologist, Acorn Elementary",
            "org_units": [SCHOOL, DISTRICT],
            "ttl_hours": "48",
        },
    )
    assert r.status_code == 200
    code = re.search(r'<code class="code">([A-Z0-9-]+)</code>', r.text)
    assert code is not None
    assert "School psychologist, Acorn Elementary" in r.text and "waiting" in r.text
    again = client.get("/enrollment-codes").text
    assert code.group(1) not in again  # shown once: only its hash is stored
    bad = client.post(
        "/enrollment-codes",
        data={"csrf_token": token, "label": "Student 12345", "org_units": [SCHOOL]},
    )
    assert bad.status_code == 422 and "never a student" in bad.text
    none = client.post("/enrollment-codes", data={"csrf_token": token, "label": "Counselor, Acorn"})
    assert none.status_code == 422
    with db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM enrollment_codes") == 1
    client.cookies.clear()
    assert sign_in(client, "sam") == 303
    assert client.get("/enrollment-codes").status_code == 403


def test_html_errors_on_the_dashboard_json_on_the_api(
    db: Database, client: TestClient, clock: Clock
) -> None:
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "There is no page at this address." in r.text and "Sign in" in r.text
    assert "default-src 'none'" in r.headers["content-security-policy"]
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json()["error"] == "not_found"
    add(db, clock, "sam", "supervisor", [DISTRICT])
    assert sign_in(client, "sam") == 303
    r = client.get("/audit")
    assert r.status_code == 403 and "<h1>" in r.text and "county dashboard" in r.text


def test_fiscal_year_report_pdf_web_and_cli(
    db: Database, client: TestClient, clock: Clock, tmp_path: Path
) -> None:
    seed(db, client, clock)
    add(db, clock, "ada", "admin", [])
    add(db, clock, "sam", "supervisor", [OTHER_DISTRICT])
    assert sign_in(client, "ada") == 303
    r = client.get("/report.pdf?fy=FY2025-26")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = pypdf.PdfReader(io.BytesIO(r.content))
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (792, 612)  # Letter landscape
    text = " ".join(p.extract_text() for p in pdf.pages)
    year = published(db, "C", cube.COUNTY, "Y", "FY2025-26")
    assert "FY2025-26 report" in text and "How to read the stars" in text
    assert cell(year) in text and "Alder Test Unified" in text
    assert client.get("/report.pdf?fy=FY2025-26&district=99300000000000").status_code == 404
    assert client.get("/report.pdf?fy=2025").status_code == 422
    client.cookies.clear()
    assert sign_in(client, "sam") == 303
    assert client.get(f"/report.pdf?district={DISTRICT}").status_code == 404
    mine = client.get("/report.pdf")
    assert mine.status_code == 200
    assert "Alder" not in " ".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(mine.content)).pages
    )
    # the CLI, with the database URL the fixture uses
    url = db.url
    out = tmp_path / "fy.pdf"
    assert (
        cli.main(
            [
                "--db",
                url,
                "report",
                "--fiscal-year",
                "2025-26",
                "--district",
                DISTRICT,
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert out.read_bytes().startswith(b"%PDF")
    assert cli.main(["--db", url, "report", "--fiscal-year", "26-27", "-o", str(out)]) != 0
    with db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'report'") == 3


def test_an_unexpected_dashboard_error_is_an_html_500_and_the_api_keeps_json(
    db: Database, clock: Clock
) -> None:
    from county_server.app import create_app

    from .conftest import make_settings

    add(db, clock, "ada", "admin", [])
    with TestClient(create_app(db, make_settings(clock)), raise_server_exceptions=False) as c:
        assert sign_in(c, "ada") == 303
        # Break the cube under a running server (and put it back: the database outlives the
        # test on PostgreSQL, where fresh_pg keeps the migrated schema).
        with db.transaction() as tx:
            tx.execute("ALTER TABLE publication_cells RENAME TO publication_cells_away")
        try:
            r = c.get("/")
            assert r.status_code == 500 and "text/html" in r.headers["content-type"]
            assert "Something went wrong on the server" in r.text
            assert "publication_cells" not in r.text  # no internals in the page
            api = c.get("/api/v1/status")
            assert api.headers["content-type"].startswith("application/json")
        finally:
            with db.transaction() as tx:
                tx.execute("ALTER TABLE publication_cells_away RENAME TO publication_cells")


def test_referrals_show_the_same_period_a_year_earlier(
    db: Database, client: TestClient, clock: Clock
) -> None:
    seed(db, client, clock)
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    page = client.get("/referrals?period=FY2026-27-Q1").text
    assert "Referrals, FY2026-27 Q1 beside FY2025-26 Q1" in page
    with db.read() as tx:
        got = cube.read(
            tx, "referrals_made", "D", [DISTRICT], "Q", ["FY2026-27-Q1", "FY2025-26-Q1"], "T", [""]
        )
    now_q, then_q = (cube.shown(got, (DISTRICT, q, "")) for q in ("FY2026-27-Q1", "FY2025-26-Q1"))
    row = re.search(r"Alder Test Unified</th>(.*?)</tr>", page, re.S)
    assert row is not None
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
    assert cells[0] == cell(now_q) and cells[3] == cell(then_q)
    # the oldest published year has nothing before it: no previous columns
    assert "beside" not in client.get("/referrals?period=FY2022-23").text.split("<h1>")[1][:80]


def test_reopen_period_and_report_from_the_command_line(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    assert cli.main(["--db", db.url, "close-period", "2026-06", "--district", DISTRICT]) == 0
    assert cli.main(["--db", db.url, "reopen-period", "2026-06"]) != 0  # not closed county-wide
    assert cli.main(["--db", db.url, "reopen-period", "2026-06", "--district", DISTRICT]) == 0
    assert cli.main(["--db", db.url, "reopen-period", "2026-6"]) != 0
    with db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM closed_periods") == 0
        assert tx.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'period_reopened'") == 1
    bad = ["--db", db.url, "report", "--fiscal-year", "2025-26", "--district", "99300000000000"]
    assert cli.main([*bad, "-o", str(out)]) != 0 and not out.exists()
