"""PDF: text page by page with pypdf, recording where each page starts so citations carry pages.

pypdf ends every printed line with a line break, and a line break ends a paragraph and a sentence for the
rest of the pipeline (segmentation.py). So the lines of a page are joined back into paragraphs: a line
runs on into the next unless it is short against the page's longest line (the last line of a paragraph,
a heading, a list item) or blank.
"""

from __future__ import annotations

import io
import logging

from ..errors import LoadError
from .limits import Deadline
from .meta_extract import pdf_metadata
from .metadata import SourceMeta

_PAGE_BREAK = "\n\n"
# A line shorter than this share of the page's longest line ends its paragraph. Justified and ragged body
# lines of a printed page stay within ~15 % of the longest; the last line of a paragraph usually falls short.
_FULL_LINE = 0.8


def load_pdf(
    path: str, data: bytes, deadline: Deadline | None = None, max_pages: int = 5_000
) -> tuple[str, tuple[int, ...], SourceMeta]:
    """Return ``(text, page_starts, meta)``, ``meta`` from the information dictionary; the time budget is checked between pages."""
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
            pages.append(reflow(page.extract_text() or ""))
        meta = pdf_metadata(reader.metadata)
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
    return _PAGE_BREAK.join(pages), tuple(starts), meta


def reflow(page: str) -> str:
    """The page's printed lines joined into paragraphs, one per line (see the module's docstring)."""
    lines = [line.rstrip() for line in page.splitlines()]
    full = _FULL_LINE * max((len(line) for line in lines), default=0)
    out: list[str] = []
    runs_on = False
    for line in lines:
        if runs_on and line.strip():
            joint = "" if out[-1].endswith("-") and line.lstrip()[:1].islower() else " "
            out[-1] += joint + line.lstrip()
        else:
            out.append(line)
        runs_on = bool(line.strip()) and len(line) >= full
    return "\n".join(out)
