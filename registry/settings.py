"""Configuration: embedded defaults, an optional file, environment, then overrides."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from config import defaults

ENV_PREFIX = "REGISTRY_"


def _env_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    settings = {k: v for k, v in vars(defaults).items() if k.isupper()}
    config_file = os.environ.get(ENV_PREFIX + "CONFIG")
    if config_file:
        namespace: dict[str, Any] = {}
        exec(compile(Path(config_file).read_text("utf-8"), config_file, "exec"), namespace)
        settings.update({k: v for k, v in namespace.items() if k.isupper()})
    for key, raw in os.environ.items():
        if key.startswith(ENV_PREFIX) and key != ENV_PREFIX + "CONFIG":
            name = key[len(ENV_PREFIX) :]
            settings[name] = raw if name.endswith(("_URL", "_PATH")) else _env_value(raw)
    settings.update(overrides or {})

    instance = Path(settings["INSTANCE_PATH"] or Path.cwd() / "instance").resolve()
    settings["INSTANCE_PATH"] = str(instance)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance / 'registry.db'}"
    return settings


def ensure_secret_key(settings: dict[str, Any]) -> str:
    """The session-signing key: configured, or generated once into the instance folder."""
    if settings.get("SECRET_KEY"):
        return settings["SECRET_KEY"]
    path = Path(settings["INSTANCE_PATH"]) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
