"""Triage for MPS staff: cases in SQLite, routing to teams, staff answers and enrolment."""
