"""Screenings: administering, scoring, re-scoring and the safety follow-up of an instrument
(``use_cases`` are the transaction-level functions, ``service.ScreeningsService`` the façade)."""
