"""The one owner of the incident lifecycle.

    store.py        incidents, deliveries, external ids: one schema (SQLite | Postgres)
    service.py      receive / resume / tick, the API every entry point calls
    waits.py        typed waits and resumes
    occurrences.py  the rule for a fault that fires again
    alerts.py       the edge: a payload parsed once and redacted
"""
