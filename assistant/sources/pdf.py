"""PDF: text page by page with pypdf, recording where each page starts so citations carry pages."""

from __future__ import annotations

import io
import logging

from ..errors import LoadError
from .limits import Deadline

_PAGE_BREAK = "\n\n"


def load_pdf(
    path: str, data: bytes, deadline: Deadline | None = None, max_pages: int = 5_000
) -> tuple[str, tuple[int, ...], str | None]:
    """Return ``(text, page_starts, title)``; the time budget is checked between pages."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.strip():
        raise LoadError(path, "empty file")
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns per malformed object; we report once
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(path, "encrypted PDF: it needs a password, so its text cannot be read")
        if len(reader.pages) > max_pages:
            raise LoadError(path, f"{len(reader.pages):,} pages is over the {max_pages:,} page limit (SourceSettings.max_pdf_pages)")
        pages = []
        for page in reader.pages:
            if deadline is not None:
                deadline.check()
            pages.append(page.extract_text() or "")
        title = reader.metadata.title if reader.metadata else None
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        raise LoadError(path, f"corrupt PDF: {error}") from None
    except Exception as error:  # pypdf raises many undocumented types on damaged files
        if "crypt" in str(error).lower():
            raise LoadError(path, f"encrypted PDF that cannot be opened: {error}") from None
        raise LoadError(path, f"corrupt PDF: {type(error).__name__}: {error}") from None
    if not pages:
        raise LoadError(path, "PDF has no pages")
    if not any(page.strip() for page in pages):
        raise LoadError(path, f"PDF has no text layer ({len(pages)} page(s), scanned images?): run OCR first")
    starts, offset = [], 0
    for page in pages:
        starts.append(offset)
        offset += len(page) + len(_PAGE_BREAK)
    return _PAGE_BREAK.join(pages), tuple(starts), (title or "").strip() or None
