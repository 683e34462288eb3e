"""Canary scan: a full scripted session (services, then an offscreen desktop-app session), then
every byte the programs could have left behind is searched for the canary string.

Both children run with HOME, TMPDIR, SQLITE_TMPDIR and the XDG folders pointed into one scratch
folder, so the data dir, the temp dir and the QSettings store (``$XDG_CONFIG_HOME``) are known
places. The canary is searched in UTF-8, UTF-16-LE and UTF-16-BE in every file under the scratch
folder and in the children's own output (logs must not carry student data either). Controls: the
session's search must find the canary through the key (it really was written), and the scanner
must find planted copies (UTF-16, a lower-cased search-index token, text inside a compressed PDF
stream), and the desktop session must preview a document that contains the canary. Each form is
searched as typed and lower-cased, in UTF-8 and both UTF-16 byte orders, in the raw bytes and in
every decoded PDF stream. Files the run changed in the machine's own temp folders (/tmp,
/var/tmp, /dev/shm — not ``$TMPDIR``, which points into the scratch folder) are scanned too, in
case a library ignores TMPDIR.
"""

from __future__ import annotations

import os
import random
import re
import string
import subprocess
import sys
import time
import zlib
from pathlib import Path

from bench.torture.common import Outcome

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be")
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)


def _forms(canary: str) -> list[tuple[str, bytes]]:
    """The canary as stored anywhere: as typed and lower-cased (the search index keeps
    lower-cased tokens), each in UTF-8 and both UTF-16 byte orders (Qt and Windows APIs)."""
    forms = []
    for label, text in (("", canary), ("lower-cased ", canary.lower())):
        forms += [(f"{label}{enc}", text.encode(enc)) for enc in ENCODINGS]
    return forms


def _needles(canary: str) -> list[bytes]:
    return [needle for _label, needle in _forms(canary)]


def _views(data: bytes) -> list[tuple[str, bytes]]:
    """The bytes themselves plus every compressed PDF stream in them, decoded (a PDF keeps its
    page text Flate-compressed, where a plain byte search cannot see it)."""
    views = [("", data)]
    if b"endstream" in data:
        for match in _STREAM.finditer(data):
            try:
                views.append((" in a PDF stream", zlib.decompress(match.group(1))))
            except zlib.error:
                continue
    return views


def find(data: bytes, canary: str) -> list[str]:
    """How the canary appears in ``data`` (empty when it does not)."""
    found = []
    for where, view in _views(data):
        found += [f"{label}{where}" for label, needle in _forms(canary) if needle in view]
    return found


def scan(root: Path, canary: str) -> tuple[int, list[str]]:
    """(files scanned, hits as 'path (form)')."""
    files, hits = 0, []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            files += 1
            hits += [
                f"{path.relative_to(root)} ({form})" for form in find(path.read_bytes(), canary)
            ]
    return files, hits


def system_temp_dirs() -> list[Path]:
    """The machine's own temp folders — not ``tempfile.gettempdir()``, which follows ``$TMPDIR``
    (pointed into the scratch folder for the children, so it would scan that twice and miss a
    library that writes to /tmp regardless)."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        root = os.environ.get("SystemRoot", r"C:\Windows")
        candidates = [Path(root) / "Temp", Path(os.environ.get("LOCALAPPDATA", "")) / "Temp"]
    else:
        candidates = [Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")]
    return [p for p in candidates if p.is_dir()]


def scan_new_files(root: Path, since: float, skip: Path, canary: str) -> tuple[int, list[str]]:
    """Files under ``root`` (the system temp dir) changed since ``since``, outside ``skip``, in
    case a library ignores TMPDIR. Unreadable and very large files are passed over."""
    files, hits = 0, []
    for dirpath, dirnames, filenames in os.walk(root):
        if Path(dirpath).resolve().is_relative_to(skip.resolve()):
            dirnames[:] = []
            continue
        for name in filenames:
            path = Path(dirpath) / name
            try:
                st = path.stat()
                if st.st_mtime < since or st.st_size > 64 * 1024 * 1024 or path.is_symlink():
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            files += 1
            hits += [f"{path} (system temp, {form})" for form in find(data, canary)]
    return files, hits


def run(folder: Path, with_ui: bool = True) -> Outcome:
    out = Outcome()
    canary = "Qz" + "".join(random.SystemRandom().choices(string.ascii_uppercase, k=14))
    scratch = folder / "canary"
    home = scratch / "home"
    dirs = {
        "HOME": home,
        "TMPDIR": scratch / "tmp",
        "SQLITE_TMPDIR": scratch / "tmp",
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_RUNTIME_DIR": scratch / "runtime",
    }
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    os.chmod(dirs["XDG_RUNTIME_DIR"], 0o700)
    env = {**os.environ, **{k: str(v) for k, v in dirs.items()}, "QT_QPA_PLATFORM": "offscreen"}
    data_dir = scratch / "data"
    outputs = b""
    t0 = time.perf_counter()
    started = time.time() - 1
    steps = [("canary_session", 120)] + ([("canary_ui", 180)] if with_ui else [])
    ok = {}
    for module, timeout in steps:
        proc = subprocess.run(
            [sys.executable, "-m", f"bench.torture.{module}", str(data_dir), canary],
            env=env,
            capture_output=True,
            timeout=timeout,
            cwd=Path(__file__).resolve().parents[2],
        )
        outputs += proc.stdout + proc.stderr
        ok[module] = proc.returncode == 0
        if proc.returncode != 0:
            tail = proc.stderr.decode(errors="replace").replace(canary, "<canary>")[-400:]
            out.breaches.append(f"{module} failed (exit {proc.returncode}): {tail}")
    text = outputs.decode(errors="replace")
    hits_line = [ln for ln in text.splitlines() if ln.startswith("HITS ")]
    search_hits = int(hits_line[0].split()[1]) if hits_line else 0
    if ok.get("canary_session") and search_hits == 0:
        out.breaches.append("the canary was not found through the vault: the scan proves nothing")
    files, hits = scan(scratch, canary)
    tmp_files = 0
    for system_tmp in system_temp_dirs():
        more_files, tmp_hits = scan_new_files(system_tmp, started, folder, canary)
        tmp_files += more_files
        hits += tmp_hits
    log_hits = [f"child output ({form})" for form in find(outputs, canary)]
    preview = [ln for ln in text.splitlines() if ln.startswith("PREVIEW_HAS_CANARY ")]
    if ok.get("canary_ui") and preview != ["PREVIEW_HAS_CANARY 1"]:
        out.breaches.append("the UI previewed a document without the canary: it proves nothing")
    control = folder / "canary-control"
    control.mkdir()
    (control / "plain-copy.txt").write_bytes(f"note: {canary}".encode("utf-16-le"))
    (control / "index-token.bin").write_bytes(b"tok\x00" + canary.lower().encode())
    (control / "printed.pdf").write_bytes(
        b"%PDF-1.4\n1 0 obj <</Filter /FlateDecode>> stream\n"
        + zlib.compress(f"BT ({canary}) Tj ET".encode())
        + b"\nendstream\nendobj\n"
    )
    missed = {"plain-copy.txt", "index-token.bin", "printed.pdf"} - {
        h.split(" ")[0] for h in scan(control, canary)[1]
    }
    if missed:
        out.breaches.append(
            f"the scanner missed planted copies of the canary: {', '.join(sorted(missed))}"
        )
    settings = sorted(p.name for p in (home / ".config").rglob("*") if p.is_file())
    out.figure("torture.canary_files_scanned", files, "files")
    out.figure("torture.canary_qsettings_files", len(settings), "files")
    out.figure("torture.canary_system_temp_files_scanned", tmp_files, "files")
    out.figure("torture.canary_search_hits_in_vault", search_hits, "hits")
    out.figure("torture.canary_ui_session", 1.0 if ok.get("canary_ui") else 0.0, "ran")
    out.figure("torture.canary_plaintext_hits", len(hits) + len(log_hits), "hits")
    out.figure("torture.canary_seconds", time.perf_counter() - t0, "s")
    out.breaches += [f"canary in plaintext: {h}" for h in hits + log_hits]
    return out
