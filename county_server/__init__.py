"""The county server: enrollment, ingest, supervisors' dashboard and exports."""
