"""Overrides for the test suite."""

TESTING = True
SECRET_KEY = "test-only-secret"
# Tests change the dictionary and roll it back: ask every time.
SEARCH_SYNONYMS_RECHECK = 0.0
