"""The clinical record service: students, sessions and notes, referrals, safety plans,
mandated reports, safety flags, hours and the read views of a student page
(``service.RecordService`` is the façade ``bootstrap`` builds)."""
