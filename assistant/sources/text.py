"""Plain text and Markdown: decode bytes faithfully, so offsets match what a reader opens."""

from __future__ import annotations

import codecs

from ..errors import LoadError

# Windows-1252 is what legacy English documents almost always are; it rejects five byte values,
# so a file that is neither UTF-8 nor cp1252 is reported instead of being decoded into nonsense.
_FALLBACK = "cp1252"


def decode_text(path: str, data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)``; raise LoadError for binary or undecodable content."""
    if not data.strip():
        raise LoadError(path, "empty file")
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _decode(path, data, encoding), encoding
    if b"\x00" in data:  # anywhere: a text header on a binary file must not pass
        if _looks_like_utf16(data):
            raise LoadError(path, "UTF-16 text without a byte-order mark: save it as UTF-8, or as UTF-16 with a BOM")
        raise LoadError(path, "binary content (NUL bytes) in a text file")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode(_FALLBACK)
        except UnicodeDecodeError:
            raise LoadError(
                path, f"undecodable text: not UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) nor Windows-1252"
            ) from None
        return text, _FALLBACK


def load_text(path: str, data: bytes) -> tuple[str, str]:
    text, encoding = decode_text(path, data)
    if not text.strip():
        raise LoadError(path, "empty file (only white space)")
    if _control_share(text) > 0.05:
        raise LoadError(path, "binary content: too many control characters for a text file")
    return text, encoding


def _decode(path: str, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise LoadError(path, f"undecodable text: invalid {encoding} at byte {error.start}") from None


def _looks_like_utf16(data: bytes) -> bool:
    """Mostly-ASCII UTF-16 has a NUL in every other byte, on the same side; binary data does not."""
    sample = data[:8192]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    return max(even, odd) > 0.8 * half and min(even, odd) < 0.05 * half


def _control_share(text: str) -> float:
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return controls / len(sample)
