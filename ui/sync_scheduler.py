"""Automatic background sync: when to run a round, and running it off the GUI thread.

While the vault is unlocked and the laptop enrolled, :class:`SyncScheduler` starts a sync round

* shortly after unlock (``startup_delay``, 20 s, so unlocking stays quick);
* every ``interval`` (15 minutes) after the last round;
* ``debounce`` (30 s) after a note is signed or a screening completed — several in a row give
  one round, and an event arriving during a round gives another round after it;
* shortly after Qt's ``QNetworkInformation`` reports the network reachable again (when no backend
  loads, the periodic timer alone keeps working).

It never hammers: a failed round (offline, 5xx, 429, signature refused) waits for the sync
worker's own full-jitter backoff — honoring the server's Retry-After — and never less than
``min_retry`` (30 s); a revoked laptop is not tried again until the next unlock; stale and
conflicting months are not pending, so they wait for the clinician's "Resend" on the sync page.
When the network comes back after an offline failure the offline backoff is forgotten (the reason
for it is gone); a server's Retry-After is not.

A round is the sync page's three phases: ``prepare`` on the database worker, ``send`` on the
network pool, ``record`` on the database worker (``ui.tasks``). Before ``prepare``, unless the
round waits for its backoff, the handoff card is published when the county does not hold it yet
(``ui.handoff_publish``, decision 0102): a request of its own whose audit entry the round's
anchor then covers, so no round sends an extra anchor for it; its failure is logged, never the
round's. At most one round runs at a time
in the whole app: the scheduler and "Sync now" share :func:`sync_gate`. :meth:`stop` (on lock)
cancels a round in flight and drops its answer before ``record`` — the server treats the same
revision as a duplicate, so the next round simply sends it again. Offline is normal and silent:
nothing is shown but the status bar (``SyncFinished`` refreshes it). IT can turn automatic sync
off with the ``auto_sync`` policy key (``clinician_desk.config.it_policy``).

After unlock it also runs the county anchor check once (:meth:`check_anchors`): the laptop's
anchors fetched from the county (network pool) and proved against the local audit chain
(database worker), as ``clinician-desk-admin verify --anchors`` does. Findings are handed to the
window, which shows them like the unlock check's warnings; unlocking never waits for it. When
the county cannot be reached the check is silent and runs again when the network comes back
(the unlock check already covered the anchors kept in the vault).

Time comes from the context's injectable clock (``monotonic()``); a real ``QTimer`` only polls
:meth:`check` every few seconds, so tests advance a ``FakeClock`` and call :meth:`check`.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from clinician_desk.errors import ClinicianDeskError

log = logging.getLogger(__name__)

STARTUP_DELAY = 20.0
INTERVAL = 15 * 60.0
DEBOUNCE = 30.0
MIN_RETRY = 30.0
ONLINE_DELAY = 5.0
TICK_MS = 5_000
#: Round endings that are the network's fault: forgotten when the network comes back.
TRANSPORT_STOPS = frozenset({"offline", "dns", "timeout"})


class SyncGate:
    """One sync at a time in the app (automatic rounds and "Sync now")."""

    def __init__(self) -> None:
        self.holder: str | None = None

    def acquire(self, holder: str) -> bool:
        if self.holder is not None:
            return False
        self.holder = holder
        return True

    def release(self, holder: str) -> None:
        if self.holder == holder:
            self.holder = None


_gates: weakref.WeakKeyDictionary[Any, SyncGate] = weakref.WeakKeyDictionary()


def sync_gate(ctx: Any) -> SyncGate:
    """The gate shared by everything that syncs with ``ctx`` (one per task manager)."""
    gate = _gates.get(ctx.tasks)
    if gate is None:
        gate = _gates[ctx.tasks] = SyncGate()
    return gate


def automatic_sync_allowed() -> bool:
    """IT policy's ``auto_sync`` (default on). An unreadable policy keeps the default: the
    policy's other readers report the broken file; sync itself is harmless."""
    from clinician_desk.config.it_policy import load_policy

    try:
        return load_policy().automatic_sync
    except ClinicianDeskError as exc:
        log.warning("IT policy unreadable, automatic sync stays on: %s", exc.message)
        return True


class SyncScheduler(QObject):
    """Decides when to sync and runs rounds in the background (see the module docstring)."""

    # Why the handoff card could not be published before a round ("" once it is, or on lock):
    # the header and the Sync page show it (the county's reason; never student data).
    card_problem_changed = Signal(str)

    def __init__(
        self,
        ctx: Any,
        *,
        enabled: bool | None = None,
        interval: float = INTERVAL,
        startup_delay: float = STARTUP_DELAY,
        debounce: float = DEBOUNCE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._enabled = enabled  # None: the IT policy decides at each unlock
        self.enabled = enabled is not False
        self.interval = interval
        self.startup_delay = startup_delay
        self.debounce = debounce
        self.due: float | None = None  # clock.monotonic() of the next round; None = none planned
        self.halted: str | None = None  # "revoked": no automatic rounds until the next unlock
        self.rounds = 0
        self.last_outcome: str | None = None
        self.outcomes: list[str] = []  # every round's outcome this run (diagnostics, tests)
        self.anchor_fetches = 0  # county anchor fetches tried, reached or not (diagnostics)
        self.anchor_checks = 0  # county anchor checks completed (diagnostics, tests)
        self.card_publications = 0  # handoff cards the county took before a round (tests)
        self.card_problem = ""  # why the last card publication failed ("" when it did not)
        self._running = False
        self._again = False
        self._generation = 0
        self._handle: Any = None
        self._network: Any = None
        self._reachable: bool | None = None  # last reachability Qt reported (None: unknown)
        self._anchors: Callable[[list[str]], None] | None = None  # pending anchor check
        self._anchors_generation = -1
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.check)

    # -- planning -----------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.due is not None or self._running

    @property
    def running(self) -> bool:
        return self._running

    def _now(self) -> float:
        return float(self.ctx.clock.monotonic())

    def start(self) -> None:
        """After unlock: the first round in ``startup_delay``, then every ``interval``."""
        self.enabled = automatic_sync_allowed() if self._enabled is None else self._enabled
        if not self.enabled:
            return
        self._generation += 1
        self.halted = None
        self.due = self._now() + self.startup_delay
        self._watch_network()
        self._timer.start()

    def stop(self) -> None:
        """On lock: nothing more is planned; a round in flight is cancelled and not recorded."""
        self._anchors = None
        self._generation += 1
        self.due = None
        self._again = False
        self._timer.stop()
        if self._handle is not None:
            self._handle.cancel()
        if self._running:
            self._finish(None)
        self._set_card_problem("")  # the next unlock's rounds find out again

    def request_soon(self, *_why: Any) -> None:
        """Counts changed (a note signed, a screening completed): a round in ``debounce``."""
        if self.due is None and not self._running:
            return  # locked, disabled or revoked
        if self._running:
            self._again = True
            return
        self._plan(self.debounce)

    def _plan(self, delay: float) -> None:
        target = self._now() + max(0.0, delay)
        self.due = target if self.due is None else min(self.due, target)

    def network_online(self) -> None:
        """The network came back: forget an offline backoff and sync soon."""
        if self._anchors is not None:
            self._run_anchor_check()
        if self.due is None and not self._running:
            return
        sync = self._sync()
        if sync is not None and self.last_outcome in TRANSPORT_STOPS:
            sync.worker.backoff.succeeded()
        if self._running:
            self._again = True
        else:
            self.due = self._now() + ONLINE_DELAY

    def check(self) -> None:
        """Run a round if one is due (the timer calls this; tests call it after advancing)."""
        if self.due is None or self._running or self._now() < self.due:
            return
        self.run_now()

    # -- the county anchor check after unlock --------------------------------------------------
    def check_anchors(self, on_findings: Callable[[list[str]], None]) -> None:
        """After unlock: fetch the county's anchors and check them off the GUI thread; call
        ``on_findings`` (on the GUI thread) with the findings when there are any. Offline,
        not enrolled or failing: silent (retried when the network comes back)."""
        self._anchors = on_findings
        self._run_anchor_check()

    def _run_anchor_check(self) -> None:
        sync = self._sync()
        if sync is None or self._anchors_generation == self._generation:
            return  # locked, or a check of this unlock is already under way
        generation = self._anchors_generation = self._generation
        tasks = self.ctx.tasks

        def current() -> bool:
            return self._anchors is not None and generation == self._generation

        def stopped(_exc: Any = None) -> None:
            if generation == self._generation:
                self._anchors_generation = -1  # may run again (network back)

        def loaded(device: Any) -> None:
            if not current():
                return
            if device is None or device.revoked:
                self._anchors = None  # nothing anchored at the county, or it will not answer
                return
            tasks.run_network(
                lambda _c: sync.fetch_county_anchors(device),
                context=self,
                on_done=fetched,
                on_error=stopped,
                name="anchor-fetch",
            )

        def fetched(found: Any) -> None:
            self.anchor_fetches += 1
            if not current():
                return
            if isinstance(found, str):  # the county cannot be reached: silent, try again later
                log.info("county anchors not fetched: %s", found)
                stopped()
                return
            tasks.run_db(
                lambda _c: sync.check_county_anchors(found),
                context=self,
                on_done=checked,
                on_error=stopped,
                name="anchor-check",
            )

        def checked(findings: list[str]) -> None:
            if not current():
                return
            notify, self._anchors = self._anchors, None
            self.anchor_checks += 1
            if findings and notify is not None:
                notify(findings)

        tasks.run_db(
            lambda _c: sync.anchored_device(),
            context=self,
            on_done=loaded,
            on_error=stopped,
            name="anchor-device",
        )

    # -- one round ----------------------------------------------------------------------------
    def _sync(self) -> Any:
        services = self.ctx.services
        return getattr(services, "sync", None) if services is not None else None

    def run_now(self) -> bool:
        """Start a round now; False when locked, already syncing, or "Sync now" is running."""
        sync = self._sync()
        if sync is None or self._running:
            return False
        if not sync_gate(self.ctx).acquire("automatic"):
            self._plan(self.debounce)  # "Sync now" is at work: look again a little later
            return False
        self._running = True
        self.due = None
        generation = self._generation
        worker = sync.worker
        tasks = self.ctx.tasks

        def current() -> bool:
            return self._running and generation == self._generation

        def prepared(state: Any) -> None:
            if not current():
                return
            device, items = state
            if device is None:
                self._finish("not_enrolled")
            elif device.revoked:
                self._finish("revoked")
            elif not items and not worker.anchor_pending:
                self._finish("nothing")
            elif not worker.backoff.ready(self._now()):
                self._finish("waiting", retry=worker.backoff.wait_seconds(self._now()))
            else:
                started = self._now()
                self._handle = tasks.run_network(
                    lambda control: (control.check_cancelled(), worker.send(device, items))[1],
                    context=self,
                    on_done=lambda result: sent(result, started),
                    on_error=failed,
                    on_cancelled=lambda: self._finish(None),
                    name="auto-sync-send",
                )

        def sent(result: Any, started: float) -> None:
            if not current():
                return  # locked while waiting for the server: not recorded (see module doc)

            def record(_control: Any) -> Any:
                return sync.record_round(result)  # publishes SyncFinished

            self._handle = tasks.run_db(
                record,
                context=self,
                on_done=lambda r: self._recorded(worker, r, started),
                on_error=failed,
                name="auto-sync-record",
            )

        def failed(exc: ClinicianDeskError) -> None:
            log.warning("automatic sync round failed: %s", type(exc).__name__)
            if current():
                self._finish("error", retry=worker.backoff.failed(self._now()))

        def round_() -> None:
            if not current():
                return
            self._handle = tasks.run_db(
                lambda _c: worker.prepare(),
                context=self,
                on_done=prepared,
                on_error=failed,
                name="auto-sync-prepare",
            )

        if worker.backoff.ready(self._now()):
            self._publish_card(current, round_)
        else:
            round_()
        return True

    def _publish_card(self, current: Callable[[], bool], then: Callable[[], None]) -> None:
        """Before the round: publish the handoff card when the county does not hold this very
        card yet (``ui.handoff_publish``, decision 0102). Its audit entry is written before the
        round's ``prepare`` takes the anchor, so the round's requests and outcome are what they
        would be without it. A problem is never fatal: it is logged, kept in ``card_problem``
        and announced by ``card_problem_changed`` (the header and the Sync page show it until a
        publication succeeds)."""
        from ui.handoff_publish import publish_card

        def finished(problem: str, published: bool) -> None:
            if not current():
                return
            self._set_card_problem(problem)
            if problem:
                log.info("handoff card not published before the round")
            if published:
                self.card_publications += 1
            then()

        def keep(handle: Any) -> None:
            self._handle = handle

        publish_card(self.ctx, self, finished, keep=keep, name="auto-sync-handoff-card")

    def report_card_problem(self, problem: str) -> None:
        """A card publication made elsewhere (the Caseload handoff dialog) reports its outcome
        here, so the header and the Sync page say it like the rounds' own: "" clears it."""
        self._set_card_problem(problem)

    def _set_card_problem(self, problem: str) -> None:
        if problem != self.card_problem:
            self.card_problem = problem
            self.card_problem_changed.emit(problem)

    def _recorded(self, worker: Any, result: Any, started: float) -> None:
        """Backoff exactly as ``SyncWorker.run_once`` keeps it, then plan the next round."""
        progressed = any(v.status is not None for v in result.verdicts)
        if result.stopped in (None, "revoked") or progressed:
            worker.backoff.succeeded()
        if result.stopped == "revoked":
            self._finish("revoked")
        elif result.stopped is not None:
            self._finish(result.stopped, retry=worker.backoff.failed(started, result.retry_after))
        else:
            self._finish("synced")

    def _finish(self, outcome: str | None, retry: float | None = None) -> None:
        self._running = False
        self._handle = None
        sync_gate(self.ctx).release("automatic")
        if outcome is None:  # cancelled by stop(): nothing planned
            return
        self.rounds += 1
        self.last_outcome = outcome
        self.outcomes.append(outcome)
        if self.ctx.services is None:
            return
        if outcome == "revoked":
            self.halted, self.due = "revoked", None
            return
        if retry is not None:
            self.due = self._now() + max(MIN_RETRY, retry)
        else:
            self.due = self._now() + self.interval
        if self._again:
            self._again = False
            self._plan(self.debounce)

    # -- network reachability -----------------------------------------------------------------
    def _watch_network(self) -> None:
        """Listen to QNetworkInformation once; no backend is normal (the timer still runs)."""
        if self._network is not None:
            return
        from PySide6.QtNetwork import QNetworkInformation

        try:
            loaded = QNetworkInformation.loadDefaultBackend()
        except RuntimeError:
            loaded = False
        info = QNetworkInformation.instance() if loaded else None
        if info is None:
            log.info("no network-information backend; automatic sync uses its timer only")
            self._network = False
            return
        self._network = info
        self._reachable = self._is_online(info.reachability())
        info.reachabilityChanged.connect(self._reachability_changed)

    @staticmethod
    def _is_online(reachability: Any) -> bool | None:
        from PySide6.QtNetwork import QNetworkInformation

        if reachability == QNetworkInformation.Reachability.Unknown:
            return None
        return bool(reachability == QNetworkInformation.Reachability.Online)

    def _reachability_changed(self, reachability: Any) -> None:
        """Only offline -> online counts: a backend's first report (from "unknown") or a repeated
        "online" plans nothing — the startup and periodic rounds cover those."""
        online = self._is_online(reachability)
        came_back = online is True and self._reachable is False
        self._reachable = online
        if came_back:
            self.network_online()
