"""A state's overview lists its districts a page at a time (issue 23: 1,000 districts rendered
as one page took 0.6 s and 4 MB): the county row on every page, 50 districts per page, every
district on exactly one page, the small multiples on one scale across pages, and a page number
that does not exist answered 422 with a sentence. The service page pages the same way."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from county_server import orgunits
from county_server.db import Database
from county_server.web_reports import DISTRICTS_PER_PAGE

from .conftest import DISTRICT, OTHER_DISTRICT, START, Clock, add, enroll, sign_in

EXTRA = 54  # with the two test districts: 56, two pages


def seed(db: Database, client: TestClient, clock: Clock) -> list[str]:
    extra = [
        orgunits.District(f"97{10000 + i:05d}0000000", f"Zephyr Fictional District {i + 1:02d}")
        for i in range(EXTRA)
    ]
    orgunits.save(db, extra, [], now=START, actor="test")
    dev = enroll(db, client, clock)
    cells = [{"measure": "services", "dimensions": {"service": "TX-IND", "tier": 2}, "value": 95}]
    for period in ("2026-08", "2026-09"):
        body = dev.body(org_unit=DISTRICT, period=period, cells=cells)
        assert dev.put(body, org_unit=DISTRICT, period=period).status_code == 200
    return [DISTRICT, OTHER_DISTRICT] + [d.code for d in extra]


def districts_on(page: str) -> list[str]:
    return re.findall(r'<figure><a href="/district/([0-9]+)\?', page)


def top_ticks(page: str) -> set[str]:
    """The highest y-axis tick of every small chart."""
    out = set()
    for svg in re.findall(r'<svg[^>]*class="chart small".*?</svg>', page, flags=re.S):
        ticks = re.findall(r'text-anchor="end" fill="#444">([^<]+)<', svg)
        out.add(ticks[-1])
    return out


def test_overview_and_service_page_the_districts(
    db: Database, client: TestClient, clock: Clock
) -> None:
    codes = seed(db, client, clock)
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    for base in ("/", "/service/TX-IND"):
        first = client.get(base)
        assert first.status_code == 200
        join = "&" if "?" in base else "?"
        second = client.get(f"{base}{join}page=2")
        assert second.status_code == 200
        one, two = districts_on(first.text), districts_on(second.text)
        assert len(one) == DISTRICTS_PER_PAGE == 50 and len(two) == len(codes) - 50
        assert sorted(one + two) == sorted(codes)  # each district on exactly one page
        assert f"Districts 1–50 of {len(codes)}" in first.text
        assert f"Districts 51–{len(codes)} of {len(codes)}" in second.text
        assert 'page=2"' in first.text and 'page=1"' in second.text
        for text in (first.text, second.text):
            assert '<th scope="row">County</th>' in text  # the county row on every page
        # one scale for every small chart, whichever page the counts are on
        assert len(top_ticks(first.text) | top_ticks(second.text)) == 1
        assert top_ticks(first.text) != {"10"}
        for bad in ("3", "0", "-1", "x", "99999999999999999999", "%C2%B2", "1.5"):
            r = client.get(f"{base}{join}page={bad}")
            assert r.status_code == 422, bad
            assert "page" in r.text.lower()


def test_a_supervisor_with_few_districts_sees_no_pager(
    db: Database, client: TestClient, clock: Clock
) -> None:
    seed(db, client, clock)
    add(db, clock, "sam", "supervisor", [DISTRICT])
    assert sign_in(client, "sam") == 303
    page = client.get("/").text
    assert districts_on(page) == [DISTRICT]
    assert "Districts 1–" not in page and "page=2" not in page
