"""Uploads from the browser: the checking and saving live in the core (``assistant/sources/uploads.py``)."""

from __future__ import annotations

from ..errors import UploadError
from ..sources.uploads import MAX_UPLOAD_BYTES, human_size, safe_name, save_upload

__all__ = ["MAX_UPLOAD_BYTES", "UploadError", "human_size", "safe_name", "save_upload"]
