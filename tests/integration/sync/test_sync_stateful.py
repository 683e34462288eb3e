"""Hypothesis state machine: edits, syncs, dropped requests and answers, retries — against the
real county server — always end with the server's totals equal to the vault's truth."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from clinician_desk.services import notes
from clinician_desk.sync.client import Reply, SyncClient
from tests.support.county import DISTRICT, SCHOOLS, CountyServer
from tests.support.truth import truth
from tests.support.vaultkit import Seeder, Vault, open_vault


class FlakyClient(SyncClient):
    """A real client whose network can drop a request before it leaves or lose the answer."""

    mode = "ok"

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        if FlakyClient.mode == "drop_request":
            return Reply(None, transport="offline", problem="dropped")
        reply = super().request(method, path, body=body, headers=headers)
        if FlakyClient.mode == "drop_answer":  # the server applied it; the laptop never heard
            return Reply(None, transport="timeout", problem="answer lost")
        return reply


@pytest.fixture(scope="module")
def shared_county() -> Iterator[CountyServer]:
    with tempfile.TemporaryDirectory() as tmp:
        server = CountyServer(Path(tmp) / "county")
        server.start()
        yield server
        server.stop()


def test_interleavings_end_with_server_totals_equal_to_truth(
    shared_county: CountyServer,
) -> None:
    months = [date(2026, 6, 2), date(2026, 7, 7), date(2026, 8, 11)]

    class SyncMachine(RuleBasedStateMachine):
        @initialize()
        def setup(self) -> None:
            self.tmp = tempfile.TemporaryDirectory()
            FlakyClient.mode = "ok"
            self.vault: Vault = open_vault(
                Path(self.tmp.name), client_factory=lambda url: FlakyClient(url)
            )
            self.seeder = Seeder(self.vault)
            self.kids = [
                self.seeder.student(g, s) for g, s in (("4", SCHOOLS[0]), ("9", SCHOOLS[1]))
            ]
            self.drafts: list[int] = []
            done = self.vault.sync.enroll(shared_county.url, shared_county.issue_code((DISTRICT,)))
            self.device_id = done.device_id

        @rule(
            month=st.sampled_from(months),
            service=st.sampled_from(["TX-IND", "CRISIS", "CM-COORD"]),
            kid=st.integers(0, 1),
            minutes=st.integers(10, 90),
            signed=st.booleans(),
        )
        def document(self, month: date, service: str, kid: int, minutes: int, signed: bool) -> None:
            tier = 3 if service == "CRISIS" else 2
            school = SCHOOLS[kid]
            sid = self.seeder.session(
                month, service, tier, school, (self.kids[kid],), minutes, sign=signed
            )
            if not signed:
                self.drafts.append(sid)

        @rule()
        def sign_late(self) -> None:
            if not self.drafts:
                return
            sid = self.drafts.pop(0)
            with self.vault.services.db.unit_of_work() as uow:
                note_id = uow.conn.execute(
                    "SELECT id FROM notes WHERE session_id = ?", (sid,)
                ).fetchone()[0]
                notes.sign_note(
                    uow,
                    note_id,
                    {k: "x" for k in ("subjective", "objective", "assessment", "plan")},
                )

        @rule(mode=st.sampled_from(["ok", "ok", "drop_request", "drop_answer"]))
        def network(self, mode: str) -> None:
            FlakyClient.mode = mode

        @rule()
        def sync(self) -> None:
            result = self.vault.sync.sync_once()
            if FlakyClient.mode != "ok" and result.verdicts:
                assert result.stopped in ("offline", "timeout")
                assert all(v.status is None for v in result.verdicts)
            status = self.vault.sync.status()
            if status.pending_count == 0 and status.dirty_count == 0:
                # everything acknowledged: the county must hold exactly the truth right now
                assert shared_county.totals(self.device_id) == truth(self.vault)

        @invariant()
        def never_more_acknowledged_than_built(self) -> None:
            if hasattr(self, "vault"):
                for p in self.vault.sync.status().periods:
                    assert p.acked_revision <= p.revision

        def teardown(self) -> None:
            if not hasattr(self, "vault"):
                return
            try:
                FlakyClient.mode = "ok"
                self.vault.sync.sync_until_idle(sleep=lambda s: None)
                assert self.vault.sync.status().pending_count == 0
                assert shared_county.totals(self.device_id) == truth(self.vault)
            finally:
                self.vault.close()
                self.tmp.cleanup()

    SyncMachine.TestCase.settings = settings(
        max_examples=12,
        stateful_step_count=10,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    SyncMachine.TestCase().runTest()
