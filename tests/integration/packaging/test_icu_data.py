"""The bundle's reduced ICU data library answers exactly like the full one (docs/decisions/0032).

``packaging/icu_data.py`` rebuilds ``libicudata`` with only the languages the app shows or prints.
These tests build that library from the installed PySide6 and run ``tests/support/icu_probe.py``
(collation, case mapping, time-zone names, code conversion, text boundaries and layout) twice:
with the full library and with the reduced one loaded first (LD_PRELOAD; the dynamic linker then
satisfies Qt's ``libicudata.so.NN`` with it). Every kept language must give identical answers; a
language that was left out must not (that proves the reduced library was the one in use).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]
PROBE = ROOT / "tests" / "support" / "icu_probe.py"

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="the reduced ICU library is built for the Linux bundle"
)


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "packaging" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


icu_data = _module("icu_data")


def _full_library() -> Path:
    import PySide6

    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    assert found, "PySide6 ships no ICU data library"
    return found[0]


@pytest.fixture(scope="module")
def reduced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    full = _full_library()
    target = tmp_path_factory.mktemp("icu") / full.name
    languages = icu_data.languages_of(icu_data.bundle_languages(ROOT))
    return icu_data.reduce_library(full, target, languages)


def _probe(languages: list[str], preload: Path | None) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if preload is not None:
        env["LD_PRELOAD"] = str(preload)
    proc = subprocess.run(
        [sys.executable, str(PROBE), ",".join(languages)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_bundle_languages_are_the_ui_and_handout_languages() -> None:
    langs = icu_data.bundle_languages(ROOT)
    handouts = {p.name for p in (ROOT / "resources" / "handouts").iterdir() if p.is_dir()}
    assert {"en", "es"} <= set(langs) and handouts <= set(langs)
    assert icu_data.languages_of(["fa-AF", "zh-Hant", "es"]) == {"fa", "zh", "es"}


def test_reduced_library_is_much_smaller_and_rewrites_byte_for_byte(reduced: Path) -> None:
    full = _full_library()
    assert reduced.stat().st_size < full.stat().st_size * 0.5
    blob = icu_data.extract_package(full)
    header, items = icu_data.read_package(blob)
    assert icu_data.write_package(header, items) == blob  # the package writer is exact
    _, kept = icu_data.read_package(icu_data.extract_package(reduced))
    names = {name.split("/", 1)[1] for name, _ in kept}
    assert {"root.res", "es.res", "coll/es.res", "zone/es_MX.res", "coll/zh_Hant.res"} <= names
    assert {"cnvalias.icu", "zoneinfo64.res", "coll/ucadata.icu"} <= names
    assert not {"de.res", "coll/sv.res", "brkitr/cjdict.dict"} & names


def test_kept_languages_answer_exactly_as_with_full_icu_and_others_do_not(reduced: Path) -> None:
    kept = ["en", "en_GB", "es", "es_MX", "es_US", "ar", "fa", "fa_AF", "pa", "ru", "uk", "vi",
            "zh", "zh_Hant", "zh_Hant_TW", "hmn"]  # fmt: skip
    dropped = ["de", "sv"]
    full = _probe(kept + dropped, None)
    small = _probe(kept + dropped, reduced)
    assert small["_converters"] == full["_converters"]
    assert [lang for lang in kept if small[lang] != full[lang]] == []
    # the probe sees locale data: Spanish collation and zone names are not English ones
    assert full["es"]["collation"]["default"].index("ñu") > full["es"]["collation"][
        "default"
    ].index("nz")
    assert (
        full["es"]["zones"]["America/Los_Angeles/StandardTime/LongName"]
        != (full["en"]["zones"]["America/Los_Angeles/StandardTime/LongName"])
    )
    # and the reduced library was the one loaded: the languages left out fall back to root
    assert small["de"]["zones"] != full["de"]["zones"]
    assert small["sv"]["collation"] != full["sv"]["collation"]
