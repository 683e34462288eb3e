"""The installer recipes: Linux desktop entry and metainfo (validated), Windows MSI and version.

The validators (``desktop-file-validate``, ``appstreamcli``) run when installed (scripts/check
installs them); the MSI cannot be built on Linux, so its recipe is checked for what IT relies on:
per-machine scope, the stable UpgradeCode, the Start-menu shortcut, the icon and the policy keys.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from clinician_desk.config import it_policy as policy
from clinician_desk.errors import ValidationError

ROOT = Path(__file__).resolve().parents[3]
LINUX = ROOT / "packaging" / "linux"
APP_ID = "org.clinician_desk.ClinicianDesk"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
WXS = ROOT / "packaging" / "windows" / "clinician-desk.wxs"
WIX = "{http://wixtoolset.org/schemas/v4/wxs}"
# Never change: a new UpgradeCode would install side by side instead of upgrading.
UPGRADE_CODE = "6F3C1B52-8A4E-4C5B-9C1D-2B7E5A0D4E91"


def _version() -> str:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def _desktop_entries() -> dict[str, str]:
    lines = DESKTOP.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if "=" in line)


def test_desktop_file_validates() -> None:
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate is not installed (Debian: desktop-file-utils)")
    proc = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "error:" not in proc.stdout


def test_metainfo_validates() -> None:
    tool = shutil.which("appstreamcli")
    if tool is None:
        pytest.skip("appstreamcli is not installed (Debian: appstream)")
    proc = subprocess.run(
        [tool, "validate", "--no-net", str(METAINFO)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_desktop_entry_and_metainfo_agree_with_the_build() -> None:
    entry = _desktop_entries()
    assert entry["Exec"].split()[0] == "clinician-desk"  # the bundle's executable
    assert entry["Icon"] == APP_ID and entry["Type"] == "Application"
    tree = ET.parse(METAINFO).getroot()
    assert tree.findtext("id") == APP_ID
    assert tree.findtext("launchable") == DESKTOP.name
    assert tree.findtext("provides/binary") == "clinician-desk"
    releases = [r.get("version") for r in tree.findall("releases/release")]
    assert releases[0] == _version(), "add a <release> for the version in pyproject.toml"


def test_windows_version_resource_matches_the_project_version() -> None:
    text = (ROOT / "packaging" / "windows" / "version_info.txt").read_text(encoding="utf-8")
    call = ast.parse(text, mode="eval").body
    assert isinstance(call, ast.Call) and ast.unparse(call.func) == "VSVersionInfo"
    numbers = tuple(int(p) for p in _version().split("."))
    want = numbers + (0,) * (4 - len(numbers))
    source = ast.unparse(call)
    assert f"filevers={want}" in source and f"prodvers={want}" in source
    strings = dict(re.findall(r"StringStruct\('(\w+)', '([^']*)'\)", text))
    assert strings["FileVersion"] == strings["ProductVersion"] == _version()
    assert strings["OriginalFilename"] == "clinician-desk.exe"


def test_msi_recipe_is_per_machine_upgradable_with_shortcut_and_icon() -> None:
    root = ET.parse(WXS).getroot()
    package = root.find(f"{WIX}Package")
    assert package is not None
    assert package.get("Scope") == "perMachine"
    assert package.get("UpgradeCode") == UPGRADE_CODE
    assert package.get("Version") == "$(var.Version)"
    assert package.find(f"{WIX}MajorUpgrade") is not None
    install = root.find(f".//{WIX}StandardDirectory[@Id='ProgramFiles64Folder']/{WIX}Directory")
    assert install is not None and install.get("Id") == "INSTALLFOLDER"
    shortcut = root.find(f".//{WIX}Shortcut")
    assert shortcut is not None and shortcut.get("Target") == "[INSTALLFOLDER]clinician-desk.exe"
    menu = root.find(f".//{WIX}StandardDirectory[@Id='ProgramMenuFolder']/{WIX}Directory")
    assert menu is not None
    assert root.find(f".//{WIX}Component[@Directory='{menu.get('Id')}']/{WIX}Shortcut") is not None
    icon = root.find(f".//{WIX}Icon")
    assert icon is not None
    # In the one-folder build, resources/ sits under _internal/.
    rel = icon.get("SourceFile", "").replace("$(var.SourceDir)\\_internal\\", "")
    assert (ROOT / rel.replace("\\", "/")).is_file(), rel
    props = {p.get("Id"): p.get("Value") for p in root.findall(f".//{WIX}Property")}
    assert props["ARPPRODUCTICON"] == icon.get("Id")


def test_msi_policy_values_are_the_ones_the_app_reads() -> None:
    root = ET.parse(WXS).getroot()
    values = root.findall(f".//{WIX}Component/{WIX}RegistryValue[@Name]")
    policy_values = {
        v.get("Name"): v.get("Type") for v in values if "Policies" in (v.get("Key") or "")
    }
    assert {v.get("Key") for v in values if "Policies" in (v.get("Key") or "")} == {
        policy.REGISTRY_KEY
    }
    assert policy_values == {
        "ServerUrl": "string",
        "CaBundle": "string",
        "AutoLockMinutes": "integer",
    }


def test_icons_exist_in_every_size_the_installers_use() -> None:
    icons = ROOT / "resources" / "icons"
    assert (icons / "clinician-desk.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    with Image.open(icons / "clinician-desk.png") as png:
        assert png.size == (256, 256) and png.mode == "RGBA"
    with Image.open(icons / "clinician-desk.ico") as ico:
        sizes = ico.info["sizes"]
    assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(sizes)


GPO = "{http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions}"


def _elements(policy_node: ET.Element) -> list[ET.Element]:
    found = policy_node.find(f"{GPO}elements")
    return [] if found is None else list(found)


def test_group_policy_template_sets_exactly_what_the_app_reads() -> None:
    admx = ET.parse(ROOT / "packaging" / "windows" / "clinician-desk.admx").getroot()
    adml = ET.parse(ROOT / "packaging" / "windows" / "en-US" / "clinician-desk.adml").getroot()
    policies = admx.findall(f"{GPO}policies/{GPO}policy")
    assert {p.get("key") for p in policies} == {policy.REGISTRY_KEY}
    assert all(p.get("class") == "Machine" for p in policies)
    elements = {e.get("valueName"): e for p in policies for e in _elements(p)}
    assert set(elements) == {"ServerUrl", "CaBundle", "AutoLockMinutes", "CountyCrisisLine"}
    # On/off policies carry their value on the policy itself, as the DWORD 0/1 the app reads.
    switches = {p.get("valueName"): p for p in policies if p.get("valueName")}
    assert set(switches) == {"AutoSync"}
    on = switches["AutoSync"].find(f"{GPO}enabledValue/{GPO}decimal")
    off = switches["AutoSync"].find(f"{GPO}disabledValue/{GPO}decimal")
    assert on is not None and off is not None
    assert policy.parse_policy({"auto_sync": int(on.get("value", "-1"))}, "t").auto_sync is True
    assert policy.parse_policy({"auto_sync": int(off.get("value", "-1"))}, "t").auto_sync is False
    minutes = elements["AutoLockMinutes"]
    assert minutes.tag == f"{GPO}decimal"
    low, high = int(minutes.get("minValue", "0")), int(minutes.get("maxValue", "0"))
    policy.parse_policy({"auto_lock_minutes": low}, "t")
    policy.parse_policy({"auto_lock_minutes": high}, "t")
    for outside in (low - 1, high + 1):
        with pytest.raises(ValidationError):
            policy.parse_policy({"auto_lock_minutes": outside}, "t")
    # Every $(string.X) and $(presentation.X) the template names exists in the English texts.
    strings = {s.get("id") for s in adml.iter(f"{GPO}string")}
    presentations = {p.get("id"): p for p in adml.iter(f"{GPO}presentation")}
    text = (ROOT / "packaging" / "windows" / "clinician-desk.admx").read_text(encoding="utf-8")
    assert set(re.findall(r"\$\(string\.(\w+)\)", text)) <= strings
    for p in policies:
        if not p.get("presentation"):
            assert not _elements(p)  # a plain switch has nothing to present
            continue
        shown = presentations[p.get("presentation", "")[len("$(presentation.") : -1]]
        refs = {c.get("refId") for c in shown}
        assert refs == {e.get("id") for e in _elements(p)}
