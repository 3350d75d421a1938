"""Overrides for the test suite."""

TESTING = True
DEMO_LOAD_WHEN_EMPTY = False
SECRET_KEY = "test-only-secret"
