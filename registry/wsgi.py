"""WSGI entry: ``gunicorn registry.wsgi:app`` (what `registry serve --workers N` runs)."""

from registry import create_app
from registry.runtime import freeze_startup_objects

app = create_app()
if "127.0.0.1" in app.config["PUBLIC_BASE_URL"]:
    # In production the printed confirmations' QR codes would point to the loopback address.
    app.logger.warning(
        "PUBLIC_BASE_URL is %s: printed confirmations will point there; set it to the "
        "address people reach this registry at (config/production.example.py)",
        app.config["PUBLIC_BASE_URL"],
    )
freeze_startup_objects()
