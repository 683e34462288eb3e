"""Page streams are deflated only (no ASCII85 layer) and still read back as the same text."""

from __future__ import annotations

import io
import zlib

import pypdf

from clinician_desk.reports.handout import render_handout
from clinician_desk.reports.models import PersonalDetails


def test_page_streams_are_deflated_without_ascii85_and_read_back() -> None:
    who = PersonalDetails("Testcase Example", ("Group",), 3)
    pdf = render_handout("suicide-warning-signs", "en", who)
    assert b"ASCII85Decode" not in pdf
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        stream = page["/Contents"].get_object()
        assert [str(f) for f in stream["/Filter"]] == ["/FlateDecode"]
        assert b" Tf" in zlib.decompress(stream._data)  # a plain deflate stream of page operators
    text = "".join(page.extract_text() for page in reader.pages)
    assert "988" in text
    assert "Testcase Example" in text
