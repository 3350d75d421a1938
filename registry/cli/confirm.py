"""`registry confirm verify FILE`: check a downloaded confirmation offline."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..services.confirmations import verify_file


@click.group("confirm")
def confirm_group() -> None:
    """数据共享完成确认意见."""


@confirm_group.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    help="The trusted SM2 public key (hex, or a file holding it). "
    "Without it the key inside the file is used: integrity, not origin.",
)
def confirm_verify(file: Path, public_key: str | None) -> None:
    """Verify a confirmation downloaded from /api/v1/confirmations/{id}/document, offline."""
    try:
        data = json.loads(file.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        click.echo("文件不是有效的确认意见 JSON", err=True)
        sys.exit(1)
    if public_key and Path(public_key).exists():
        public_key = Path(public_key).read_text("utf-8").strip()
    ok, message = verify_file(data, public_key)
    number = (data.get("document") or {}).get("number", "?") if isinstance(data, dict) else "?"
    click.echo(f"{number}：{message}", err=not ok)
    sys.exit(0 if ok else 1)
