"""Repositories of the clinical record: SQL for schools, students, sessions, notes, addenda,
psychotherapy notes, referrals, safety plans, mandated reports, flags and the search index.

Functions take the open connection (``uow.conn`` inside a unit of work, or ``db.read()``) and
never open transactions themselves; services decide transaction boundaries and audit entries.
"""
