"""Use cases. Each takes the session first and keyword-only arguments, authorises,
writes its own audit entry and flushes; the caller commits."""
