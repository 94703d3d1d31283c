"""Who may change the library: the administrators' credential.

The public pages and read-only endpoints need nothing. Adding, removing and rebuilding documents
and running evaluations need the credential the operator configures, either directly in the
environment variable POLICYKB_ADMIN_TOKEN or in a file named by POLICYKB_ADMIN_TOKEN_FILE (its
first line). With neither set, writing is disabled everywhere: a fresh install is read-only to
anyone who reaches it.
"""
from __future__ import annotations

import hmac
import os
from pathlib import Path

from indexer.errors import BadInput

TOKEN_ENV = "POLICYKB_ADMIN_TOKEN"
TOKEN_FILE_ENV = "POLICYKB_ADMIN_TOKEN_FILE"
MIN_TOKEN_CHARS = 8


def admin_token() -> str | None:
    """The configured credential, or None when administration is disabled.

    A configured credential shorter than MIN_TOKEN_CHARS is refused (BadInput) rather than
    silently accepted: an operator who set one meant to protect something."""
    token = os.environ.get(TOKEN_ENV)
    source = TOKEN_ENV
    if not token and os.environ.get(TOKEN_FILE_ENV):
        path = Path(os.environ[TOKEN_FILE_ENV])
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"{TOKEN_FILE_ENV}={path}: cannot read the credential file ({exc})") from None
        token = lines[0] if lines else ""
        source = f"{TOKEN_FILE_ENV}={path}"
    token = (token or "").strip()
    if not token:
        return None
    if len(token) < MIN_TOKEN_CHARS:
        raise BadInput(f"{source}: the administrator credential must be at least {MIN_TOKEN_CHARS} characters")
    return token


def admin_enabled() -> bool:
    return admin_token() is not None


def is_admin(supplied: str | None) -> bool:
    """Whether `supplied` is the configured credential (constant-time comparison)."""
    token = admin_token()
    if token is None or not supplied:
        return False
    return hmac.compare_digest(token.encode("utf-8"), supplied.strip().encode("utf-8"))
