"""Grading submissions against an answer key."""
