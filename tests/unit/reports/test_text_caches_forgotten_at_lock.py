"""Words of a student's document kept by the layout caches are dropped when the vault locks."""

from __future__ import annotations

from pathlib import Path

from clinician_desk.reports import fonts, shaping, text
from clinician_desk.reports.handout import render_handout
from clinician_desk.reports.models import PersonalDetails
from tests.support.vaultkit import open_vault

# Fictional student details in the scripts our own bidi/HarfBuzz layout draws.
WHO = PersonalDetails("ZZCANARY فرشته احمدی", ("Individual counseling",), 6)


def _sizes() -> list[int]:
    caches = (text._line_segments, text._width, text._reshape, shaping.shape)
    subsets = sum(len(cache._items) for cache in fonts._SUBSET_CACHES)
    return [fn.cache_info().currsize for fn in caches] + [subsets]


def test_locking_the_vault_forgets_the_laid_out_words(tmp_path: Path) -> None:
    vault = open_vault(tmp_path)
    render_handout("suicide-warning-signs", "fa-AF", WHO)
    render_handout("suicide-warning-signs", "pa", WHO)
    sizes = _sizes()
    assert sizes[0] > 0 and sizes[1] > 0 and sizes[3] > 0  # lines, words and shaped runs
    assert sizes[4] > 0  # the fonts' subsets, keyed by the glyphs the documents used
    vault.close()  # what locking does (the app's lock runs Services.close on its worker)
    assert _sizes() == [0, 0, 0, 0, 0]
    # Printing works again after the next unlock, and fills the caches again.
    render_handout("suicide-warning-signs", "fa-AF", WHO)
    assert _sizes()[0] > 0 and _sizes()[4] > 0
