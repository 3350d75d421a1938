"""Overrides for the test suite."""

TESTING = True
SECRET_KEY = "test-only-secret"
# Tests change the dictionary and roll it back: ask every time.
SEARCH_SYNONYMS_RECHECK = 0.0
# The shared, rolled-back test connection must not be used from a second thread.
SEARCH_DRAIN_IN_BACKGROUND = False
