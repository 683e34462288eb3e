"""The store benches measure what they say: interleaved rounds, and a plain baseline that does
the same work as the vault (the same keyed audit chain) instead of failing on it."""

from __future__ import annotations

from pathlib import Path

from bench import bench_record, bench_storage
from clinician_desk.clock import FakeClock
from clinician_desk.demo.generator import generate_demo
from clinician_desk.services import notes
from clinician_desk.storage import Database, audit, headmark


def test_rounds_are_interleaved_with_the_first_side_rotating_and_warm_rounds_untimed() -> None:
    calls: list[tuple[str, int]] = []
    sides = [lambda i, n=n: calls.append((n, i)) for n in ("enc", "plain", "same")]
    times = bench_storage.interleaved(sides, 3, warm=1)
    assert [len(t) for t in times] == [3, 3, 3]
    assert [n for n, i in calls if i >= 0] == [
        *("enc", "plain", "same"),
        *("plain", "same", "enc"),
        *("same", "enc", "plain"),
    ]
    assert [i for _, i in calls[:3]] == [-1, -1, -1]


def test_the_plain_copy_signs_on_the_same_keyed_audit_chain(tmp_path: Path) -> None:
    clock = FakeClock()
    db = Database.open(tmp_path / "vault.db", bench_record.KEY, clock=clock, create=True)
    generate_demo(db, students=2, sessions=6)
    db.checkpoint()
    root = audit.record_root(db.conn, bench_record.KEY)
    plain_path = tmp_path / "plain.db"
    conn = bench_record._plain_copy(db.path, plain_path)
    head = (headmark.sidecar_path(plain_path), headmark.mac_key(root))
    plain = bench_record.Target("plain", conn, clock, audit_key=audit.audit_key(root), head=head)
    ours = bench_record.Target("sqlcipher", db.conn, clock, db)
    with ours.read() as c:
        ids = [int(r[0]) for r in c.execute("SELECT id FROM students ORDER BY id")]
    drafts = [bench_record._drafts(t, ids, 2) for t in (ours, plain)]
    assert drafts[0] == drafts[1]
    for target, note_ids in zip((ours, plain), drafts, strict=True):
        with target.uow() as u:
            notes.sign_note(u, note_ids[0], {"subjective": "Fictional bench note."})
    # both chains verify under the same key, and the plain side kept its sidecar
    assert audit.verify_chain(conn, audit.audit_key(root)) == []
    assert audit.verify_chain(db.conn, audit.audit_key(root)) == []
    assert headmark.read(head[0], head[1]) == headmark.database_head(conn)
    conn.close()
    db.close()


def test_wal_pages_are_counted_per_commit_on_the_vault_and_on_the_plain_copy(
    tmp_path: Path,
) -> None:
    """The frame headers are readable on both sides; a restarted WAL (after a checkpoint)
    counts only the new generation's frames, never a negative or stale number."""
    db = Database.open(tmp_path / "vault.db", bench_record.KEY, clock=FakeClock(), create=True)
    plain_path = tmp_path / "plain.db"
    bench_storage.plain_copy(db.path, bench_record.KEY, plain_path)
    plain = bench_storage.open_plain(plain_path)
    for conn, path in ((db.conn, db.path), (plain, plain_path)):
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        counter = bench_storage.FrameCounter(Path(f"{path}-wal"))
        for i in range(3):  # one row of a one-page table: one page per commit
            counter.before()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE meta SET value = ? WHERE key = 'vault_format'", (str(i + 2),))
            conn.execute("ROLLBACK" if i == 1 else "COMMIT")
            counter.after()
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")  # the next writer restarts the WAL
        counter.before()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'vault_format'")
        conn.execute("COMMIT")
        counter.after()
        assert counter.counts == [1, 0, 1, 1], path.name
    assert bench_storage.wal_frames(tmp_path / "missing-wal") == 0
    plain.close()
    db.close()


def test_each_encrypted_ratio_row_names_the_target_in_a_one_word_unit() -> None:
    rows = bench_storage._ratio_rows("storage.x", "ms", 1000, [[0.002], [0.001], [0.001]])
    (name, value, unit, ratio), plain, same = rows
    assert (name, value, ratio) == ("storage.x", 2.0, 2.0)
    assert unit == "ms;target_ratio<=1.2" and not any(c.isspace() for c in unit)
    assert plain[2] == same[2] == "ms" and plain[3] is None
