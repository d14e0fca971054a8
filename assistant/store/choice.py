"""Which store an assistant uses: PostgreSQL when a URL is given (flag or environment), else the files folder."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from ..config import Settings
from ..errors import SettingsError
from . import IndexStore

DATABASE_URL_ENV = "ASSISTANT_DATABASE_URL"
REPLICAS_ENV = "ASSISTANT_DATABASE_REPLICAS"  # comma-separated URLs
_SCHEMES = ("postgresql", "postgres")


def store_from(
    url: str | None, index_dir: Path | str, settings: Settings, replica_urls: Sequence[str] = ()
) -> IndexStore:
    """The store for ``url`` (or ``$ASSISTANT_DATABASE_URL``), with ``replica_urls`` (or
    ``$ASSISTANT_DATABASE_REPLICAS``) for searches; the files store in ``index_dir`` when no URL is given."""
    url = url or os.environ.get(DATABASE_URL_ENV) or None
    replicas = list(replica_urls) or [u.strip() for u in os.environ.get(REPLICAS_ENV, "").split(",") if u.strip()]
    if url is None:
        if replicas:
            raise SettingsError(f"read replicas need a primary database: give --store or {DATABASE_URL_ENV}")
        from .files import FileStore

        return FileStore(index_dir, dense=settings.dense)
    from .postgres import PostgresStore, redact

    for given in [url, *replicas]:
        if urlsplit(given).scheme not in _SCHEMES:
            raise SettingsError(f"a store URL must start with postgresql://, got {redact(given)!r}")
    return PostgresStore(url, replicas, dense=settings.dense)
