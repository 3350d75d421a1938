"""Overrides for the test suite."""

TESTING = True
SECRET_KEY = "test-only-secret"
