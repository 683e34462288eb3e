"""The ``sync`` service the UI and the CLI use: preview, enroll, sync, status, resend.

Guarantees: ``status`` and ``preview`` never touch the network; ``sync_once`` never raises for
network trouble (offline is normal; the round result says what happened per period); a
stale/conflicting period is only re-issued by ``resend`` — an explicit clinician decision.
Publishes ``SyncFinished`` (with the round's ``result``) on the event bus after every round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from clinician_desk.bundled.taxonomy import load_taxonomy
from clinician_desk.clock import Clock
from clinician_desk.config import VaultPaths
from clinician_desk.config.it_policy import load_policy
from clinician_desk.domain.counts import snapshots, validate_period
from clinician_desk.errors import NotFoundError, SyncError
from clinician_desk.events import EventBus, SyncFinished
from clinician_desk.messages import M
from clinician_desk.services.handoff import registry as handoff_registry
from clinician_desk.services.sync_facts import cells_for_period
from clinician_desk.storage import anchors
from clinician_desk.storage.repositories import sync_state
from clinician_desk.sync import enrollment, outbox
from clinician_desk.sync.backoff import Backoff
from clinician_desk.sync.client import SyncClient
from clinician_desk.sync.payload import BuiltPayload, build_payload, content_hash_of
from clinician_desk.sync.status import SyncStatus, read_status
from clinician_desk.sync.worker import ClientFactory, RoundResult, SyncWorker

PREVIEW_DEVICE_ID = "dev_not_enrolled"


@dataclass(frozen=True)
class Preview:
    """One snapshot exactly as it would be sent now, and whether it differs from the last."""

    payload: BuiltPayload
    changed: bool
    allowed: bool


def _allowed(org_unit: str, units: set[str]) -> bool:
    """As the server decides: the unit itself, or the district roll-up of an enrolled school. A
    district enrollment allows district-level cells only, not its schools'."""
    district = org_unit[:7] + "0000000"
    if org_unit in units:
        return True
    return org_unit == district and any(u[:7] + "0000000" == district for u in units)


class SyncService:
    """The façade's ``services.sync``. ``key`` is the vault's unlocked ``DataKey`` (needed to
    fill the escrow slot at enrollment); ``ca_bundle`` "" means the system trust store only."""

    def __init__(
        self,
        db: Any,
        clock: Clock,
        paths: VaultPaths,
        key: Any,
        events: EventBus | None = None,
        *,
        ca_bundle: str | None = None,
        client_factory: ClientFactory | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.paths = paths
        self.key = key
        self.events = events or EventBus()
        self._ca_bundle = ca_bundle
        self.client_factory: ClientFactory = client_factory or (
            lambda url: SyncClient(url, ca_bundle=self.ca_bundle(), clock=clock)
        )
        self.handoff_card_problem = ""
        self.worker = SyncWorker(
            db, clock, cells_for_period, client_factory=self.client_factory, backoff=backoff
        )

    def ca_bundle(self) -> str | None:
        """The CA bundle to trust: as configured, else district IT's policy, else none (the
        system trust store). Read at use time so a broken policy never blocks unlocking."""
        if self._ca_bundle is not None:
            return self._ca_bundle or None
        return load_policy().ca_bundle

    def status(self) -> SyncStatus:
        with self.db.read() as conn:
            return read_status(conn)

    def preview(self, period: str) -> list[Preview]:
        """The snapshots of ``period`` as they would be sent (revision included)."""
        validate_period(period)
        now = self.clock.now()
        with self.db.read() as conn:
            device = outbox.load_device(conn)
            allowed = outbox.allowed_org_units(conn)
            cells = cells_for_period(conn, period)
            known = sync_state.known_snapshots(conn, period)
        device_id = device.device_id if device else PREVIEW_DEVICE_ID
        taxonomy_version = device.taxonomy_version if device else load_taxonomy().version
        fresh = snapshots(cells)
        out: list[Preview] = []
        for org_unit in sorted({ou for ou, _ in fresh} | set(known)):
            snap = fresh.get((org_unit, period), [])
            revision, old_hash = known.get(org_unit, (0, None))
            changed = content_hash_of(snap, org_unit, period, taxonomy_version) != old_hash
            if not snap and not changed:
                continue
            payload = build_payload(
                snap,
                org_unit=org_unit,
                period=period,
                revision=revision + 1 if changed else max(revision, 1),
                taxonomy_version=taxonomy_version,
                device_id=device_id,
                generated_at=now,
            )
            ok = device is None or _allowed(org_unit, allowed)
            out.append(Preview(payload, changed, ok))
        return out

    def enroll(self, server_url: str | None, code: str) -> enrollment.Enrollment:
        """Register this laptop (the IT policy's server address wins when set)."""
        policy = load_policy()
        url = policy.server_url or server_url
        if not url:
            raise NotFoundError(M("Give the county server's address: your district's IT has it."))
        client = self.client_factory(url)
        try:
            done = enrollment.enroll(
                self.db, self.paths, self.key, url, code, clock=self.clock, client=client
            )
        finally:
            client.close()
        return done

    def publish_handoff_card(self, *, force: bool = False) -> str:
        """Publish this vault's handoff card to the county's registry when it changed (the CLI's
        ``sync enroll`` and ``sync``, and the app's rounds, call it after enrolling and after a
        round the county answered; a separate request, so the rounds themselves stay exactly
        the protocol's). Never raises for network trouble or a refusal: the problem is kept in
        ``handoff_card_problem`` ("" when none) and the next round tries again."""
        try:
            result = handoff_registry.publish_card(
                self.db, self.clock, self.client_factory, force=force
            )
        except SyncError as exc:
            self.handoff_card_problem = str(exc)
            return "failed"
        self.handoff_card_problem = ""
        return result

    def sync_once(self, *, force: bool = True) -> RoundResult:
        result = self.worker.run_once(force=force)
        self.events.publish(SyncFinished(result))
        return result

    def record_round(self, result: RoundResult) -> RoundResult:
        """Record a round whose network part ran elsewhere (the UI sends off the database
        thread), then publish ``SyncFinished`` like ``sync_once``."""
        self.worker.record(result)
        self.events.publish(SyncFinished(result))
        return result

    def sync_until_idle(self, **kwargs: Any) -> list[RoundResult]:
        rounds = self.worker.run_until_idle(**kwargs)
        if rounds:
            self.events.publish(SyncFinished(rounds[-1]))
        return rounds

    def check_anchors(self) -> tuple[str | None, list[str]]:
        """``verify --anchors``: fetch this laptop's anchors from the county and prove the local
        audit chain still produces each, in order. Returns (a note, findings): offline, the
        anchors kept in the vault are checked instead and the note says so."""
        device = self.anchored_device()
        if device is None:
            return "this laptop is not enrolled, so nothing is anchored at the county", []
        found = self.fetch_county_anchors(device)
        if isinstance(found, str):
            with self.db.read() as conn:
                kept = anchors.kept(conn)
            note = (
                f"the county's anchors could not be fetched ({found}); checked the "
                f"{len(kept)} anchor(s) kept in this vault instead"
            )
            return note, self.db.check_anchors(kept, source="this vault's copy")
        return f"{len(found)} county anchor(s) checked", self.check_county_anchors(found)

    # The same check in three phases, for the app's background helper (database, network,
    # database: ``ui.sync_scheduler``): ``anchored_device`` and ``check_county_anchors`` touch
    # the database only, ``fetch_county_anchors`` the network only.
    def anchored_device(self) -> outbox.Device | None:
        """This laptop's enrollment (None when not enrolled: nothing is anchored)."""
        with self.db.read() as conn:
            return outbox.load_device(conn)

    def fetch_county_anchors(self, device: outbox.Device) -> list[anchors.Anchor] | str:
        """The county's anchors of this laptop, in order; a problem text when unreachable."""
        return self.worker.fetch_anchors(device)

    def check_county_anchors(self, found: Sequence[anchors.Anchor]) -> list[str]:
        """Findings: does the local chain still produce each of the county's anchors?"""
        findings: list[str] = self.db.check_anchors(found, source="the county")
        return findings

    def accept_anchor_findings(self) -> int | None:
        """After ``check_anchors`` named a rollback or rewrite and the clinician accepted it:
        record (audited) that the county's anchors so far no longer bind this vault. Returns the
        last county position accepted, or None when the county cannot be reached."""
        with self.db.read() as conn:
            device = outbox.load_device(conn)
        if device is None:
            return None
        found = self.worker.fetch_anchors(device)
        if isinstance(found, str):
            return None
        through = max((a.position for a in found), default=0)
        with self.db.unit_of_work() as uow:
            anchors.accept(uow.conn, through)
            uow.audit("vault.anchor_findings_accepted", "vault", None, {"through": through})
        return through

    def resend(self, org_unit: str, period: str) -> None:
        """The clinician confirmed: make this laptop's snapshot the newest and send it again."""
        validate_period(period)
        with self.db.unit_of_work() as uow:
            exists, server_revision = sync_state.server_revision(uow.conn, org_unit, period)
            if not exists:
                raise NotFoundError(
                    M(
                        "No counts for {org_unit} {period} on this laptop.",
                        org_unit=org_unit,
                        period=period,
                    )
                )
            outbox.supersede(uow.conn, org_unit, period, server_revision, self.clock.now())
            uow.audit("counts_resend_confirmed", "sync_period", f"{org_unit}/{period}")
