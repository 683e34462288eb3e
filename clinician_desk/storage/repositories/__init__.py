"""Repositories: the SQL of the core, one module per area of the vault.

``students`` (schools, students, guardians), ``notes`` (sessions, notes, addenda, psychotherapy
notes, form drafts, count marks), ``clinical_events`` (referrals, safety plans, mandated
reports, safety flags), ``screenings``, ``search_index``, ``caseload`` (the home screen's
lists), ``hours``, ``retention``, ``count_facts`` (one month's counting inputs for sync),
``sync_state`` (enrollment, org units, snapshot rows) and ``demo`` (the demo generator's bulk
inserts).

Functions take the open connection (``uow.conn`` inside a unit of work, or ``db.read()``) and
never open transactions themselves; services decide transaction boundaries and audit entries.
``tests/test_sql_lives_in_repositories.py`` keeps SQL out of services, sync and the demo (its
allow-list is empty).
"""
