"""Fictional demo data for a vault: students, sessions, notes, referrals, safety plans and
screenings, generated in one transaction (``generator.generate_demo``). Sits above the services:
the CLI and the UI call it; no service imports it."""
