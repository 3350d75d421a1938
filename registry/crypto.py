"""Our cryptography in one module: SM3 digests and canonical JSON (from ``audit``), and
SM2 signatures over SM3 (GB/T 32918, GB/T 32905) behind one small interface, so a
certified hardware device can replace the software key without touching callers.

Library: gmssl 3.2.2 (pure Python). Chosen after it reproduced the GB/T 32918.5-2017
Annex A signature exactly (tests/test_confirmations.py) and measured ~5 ms to sign and
~9 ms to verify here; signing uses the standard's default ID 1234567812345678, so
e = SM3(Z ‖ M) over the canonical document bytes M.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Protocol

from gmssl import sm2

from .audit import canonical_json, sm3_hex  # noqa: F401  (one home for the primitives)

_CURVE_N = int(sm2.default_ecc_table["n"], 16)


class Signer(Protocol):
    key_id: str
    public_key: str

    def sign(self, data: bytes) -> str: ...


def key_id_for(public_key: str) -> str:
    return sm3_hex(bytes.fromhex(public_key))[:16]


def _context(private_key: str, public_key: str) -> sm2.CryptSM2:
    """gmssl's context with the public key as given. Its constructor strips a leading
    "04" with ``lstrip("04")``, which also eats the key's own leading 0s and 4s: about
    one key in 128 (x beginning with 04) then signed and verified against a wrong point."""
    ctx = sm2.CryptSM2(private_key=private_key, public_key="")
    ctx.public_key = public_key
    return ctx


def public_key_for(private_key: str) -> str:
    ctx = _context(private_key, "")
    return ctx._kg(int(private_key, 16), sm2.default_ecc_table["g"])  # gmssl's point multiply


def generate_private_key() -> str:
    return f"{secrets.randbelow(_CURVE_N - 2) + 1:064x}"


class SoftwareSM2Signer:
    """A key held in a file (0600). Production: a key file from configuration or an HSM."""

    def __init__(self, private_key: str) -> None:
        self._private = private_key
        self.public_key = public_key_for(private_key)
        self.key_id = key_id_for(self.public_key)
        self._ctx = _context(private_key, self.public_key)

    def sign(self, data: bytes, *, k: str | None = None) -> str:
        """``k`` only for reproducing published test vectors; never pass it in production."""
        return self._ctx.sign_with_sm3(data, k or f"{secrets.randbelow(_CURVE_N - 2) + 1:064x}")

    @classmethod
    def from_file(cls, path: Path) -> SoftwareSM2Signer:
        return cls(json.loads(path.read_text("utf-8"))["private_key"])

    @classmethod
    def load_or_create(cls, path: Path) -> SoftwareSM2Signer:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps({"algorithm": "SM2", "private_key": generate_private_key()}), "utf-8"
            )
            path.chmod(0o600)
        return cls.from_file(path)


def verify(public_key: str, data: bytes, signature: str) -> bool:
    try:
        return bool(_context("", public_key).verify_with_sm3(signature, data))
    except (ValueError, TypeError, IndexError):
        return False
