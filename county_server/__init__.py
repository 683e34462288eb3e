"""The county server: enrollment, ingest, the supervisors' dashboard and exports.

Modules: ``api`` (device API v1 — the contract with the sync client, documented there),
``ingest`` (the snapshot decision table), ``enrollment``, ``db`` (SQLite/PostgreSQL with shared
migrations), ``suppression`` (small-cell suppression applied to every output), ``queries``
(aggregates summed across devices), ``web``/``auth`` (dashboard, sessions, CSRF), ``charts``
(inline SVG), ``exports`` (CSV, DHIS2), ``demo``, ``keys`` (county escrow keypair and
recover-key), ``cli`` (``county-server``). Never imports Qt; from the core only
``clinician_desk.sync.wire``/``signing`` and ``clinician_desk.vault`` (escrow unwrap).
"""

__version__ = "0.1.0"
