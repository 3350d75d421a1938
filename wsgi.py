"""WSGI entry: gunicorn wsgi:app"""

from registry import create_app
from registry.runtime import freeze_startup_objects

app = create_app()
freeze_startup_objects()
