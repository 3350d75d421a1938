"""WSGI entry from a checkout: ``gunicorn wsgi:app`` (installed: ``registry.wsgi:app``)."""

from registry.wsgi import app  # noqa: F401
