"""The installed ``clinician-desk-admin`` as a real process: exit codes, one-line errors and
never a traceback (bad passphrase, damaged files, Ctrl+C, OS errors)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

from clinician_desk.config import VaultPaths
from tests.support.admin_cli import PASSPHRASE

CLI = [sys.executable, "-m", "clinician_desk.cli"]


def _run(
    args: list[str], *, passphrase: str | None = PASSPHRASE, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINICIAN_DESK_")}
    if passphrase is not None:
        env["CLINICIAN_DESK_PASSPHRASE"] = passphrase
    return subprocess.run(
        CLI + args, env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def _one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def test_real_init_with_calibrated_kdf_then_verify(tmp_path: Path) -> None:
    dd = ["--data-dir", str(tmp_path / "d")]
    proc = _run([*dd, "init", "--name", "Dr. Fictional Process"])
    assert proc.returncode == 0, proc.stderr
    assert "RECOVERY KEY" in proc.stdout
    verified = _run([*dd, "verify"])
    assert verified.returncode == 0 and verified.stdout.startswith("ok: ")


def test_wrong_passphrase(vault: VaultPaths, data_dir: Path) -> None:
    proc = _run(["--data-dir", str(data_dir), "verify"], passphrase="wrong wrong wrong wrong")
    assert proc.returncode == 2
    assert "passphrase" in _one_line_error(proc)


def test_no_passphrase_source_and_empty_stdin(vault: VaultPaths, data_dir: Path) -> None:
    proc = _run(["--data-dir", str(data_dir), "verify"], passphrase=None, stdin="")
    assert proc.returncode == 2
    assert "No passphrase given" in _one_line_error(proc)


def test_passphrase_from_stdin_pipe(vault: VaultPaths, data_dir: Path) -> None:
    proc = _run(["--data-dir", str(data_dir), "verify"], passphrase=None, stdin=PASSPHRASE + "\n")
    assert proc.returncode == 0, proc.stderr


def test_damaged_database_and_keyslots(vault: VaultPaths, data_dir: Path) -> None:
    data = bytearray(vault.database.read_bytes())
    data[5000] ^= 0x01
    vault.database.write_bytes(bytes(data))
    proc = _run(["--data-dir", str(data_dir), "verify"])
    assert proc.returncode == 3
    assert "vault.db" in _one_line_error(proc)  # no SQLCipher log lines either
    vault.keyslots.write_bytes(b"{ not json")
    proc = _run(["--data-dir", str(data_dir), "verify"])
    assert proc.returncode != 0
    assert "vault.keys" in _one_line_error(proc)


def test_backup_into_unwritable_place_is_one_line(vault: VaultPaths, data_dir: Path) -> None:
    blocker = data_dir / "file"
    blocker.write_text("x")
    proc = _run(["--data-dir", str(data_dir), "backup", str(blocker / "sub" / "b.bak")])
    assert proc.returncode != 0
    _one_line_error(proc)
    assert list(data_dir.glob("**/*.partial")) == []


def test_ctrl_c_at_the_prompt(vault: VaultPaths, data_dir: Path) -> None:
    """Ctrl+C while the passphrase prompt waits: "interrupted", exit 130, no traceback. The CLI
    prompts only on a terminal (without one it refuses, exit 2), so the test gives it one: a
    pseudo-terminal as its controlling terminal, whatever the test run itself has (CI has none)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINICIAN_DESK_")}
    master, slave = pty.openpty()

    def take_the_terminal() -> None:  # runs in the child after setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        # A test run started in the background by a non-interactive shell (as CI may) inherits
        # an ignored SIGINT, and Python keeps it ignored: give the CLI the default a person has.
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    proc = subprocess.Popen(
        [*CLI, "--data-dir", str(data_dir), "verify"],
        env=env,
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=take_the_terminal,
    )
    os.close(slave)
    try:
        shown = b""
        deadline = time.monotonic() + 60
        while b"assphrase" not in shown and time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            ready, _w, _x = select.select([master], [], [], 0.2)
            if ready:
                shown += os.read(master, 4096)
        assert b"assphrase" in shown, shown  # the prompt is on the terminal, waiting
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        os.close(master)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().endswith("interrupted")
