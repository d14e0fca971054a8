"""Query strings for shared links: encoded URL-safe, decoded strictly, every error naming its parameter."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from .errors import LinkError

_MAX_FIELDS = 64  # a link this app makes has a handful; more is not one of ours


def to_query(pairs: Sequence[tuple[str, str]]) -> str:
    """``/?a=…&b=…`` with every reserved character escaped (spaces as %20, never "+")."""
    return "/?" + urlencode(pairs, quote_via=quote, safe="")


def query_pairs(url: str) -> list[tuple[str, str]]:
    """The parameters of a whole address, a ``/?…`` path or a bare query string, in order."""
    query = urlsplit(url).query if "?" in url or "://" in url else url
    try:
        pairs = parse_qsl(query, keep_blank_values=True, errors="strict", max_num_fields=_MAX_FIELDS)
    except UnicodeDecodeError:
        raise LinkError("link is not valid UTF-8 once decoded") from None
    except ValueError:
        raise LinkError(f"link has more than {_MAX_FIELDS} parameters") from None
    for name, value in pairs:
        if "\x00" in value:
            raise LinkError(f"link parameter {name} holds a NUL character")
    return pairs


def values(pairs: Sequence[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in pairs if key == name]


def one_value(pairs: Sequence[tuple[str, str]], name: str, *, strip: bool = True, default: str | None = None) -> str:
    """The single value of ``name``; ``default`` when absent, else LinkError, as for a repeat or a blank."""
    found = values(pairs, name)
    if len(found) > 1:
        raise LinkError(f"link parameter {name} is given {len(found)} times; give it once")
    if not found:
        if default is not None:
            return default
        raise LinkError(f"link has no {name} parameter")
    value = found[0].strip() if strip else found[0]
    if not value:
        raise LinkError(f"link parameter {name} is empty")
    return value
