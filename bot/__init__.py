"""Answering and the front ends (command line, Slack, triage) of mpsbot."""
