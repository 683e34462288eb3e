"""Finds the ``resources/`` folder the same way from a checkout, a wheel and a frozen bundle.

* installed (wheel or editable): setuptools maps ``resources/`` to the package
  ``clinician_desk.resources`` (see ``[tool.setuptools.package-dir]`` in pyproject.toml);
* a plain checkout on ``sys.path``: ``resources/`` beside the ``clinician_desk`` folder;
* a PyInstaller bundle: ``resources/`` under ``sys._MEIPASS``.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    frozen_base = getattr(sys, "_MEIPASS", None)
    if frozen_base:
        candidate = Path(frozen_base) / "resources"
        if candidate.is_dir():
            return candidate
    checkout = Path(__file__).resolve().parents[2] / "resources"
    if checkout.is_dir():
        return checkout
    spec = importlib.util.find_spec("clinician_desk.resources")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            if Path(location).is_dir():
                return Path(location)
    raise FileNotFoundError("the application's resources folder is missing from this install")


def resource_path(*parts: str) -> Path:
    """Path of a file or folder inside ``resources/``."""
    return resources_dir().joinpath(*parts)
