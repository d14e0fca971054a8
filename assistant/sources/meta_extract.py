"""Metadata a file states about itself: HTML ``<meta>`` tags, a PDF's information dictionary, a leading dateline.

Each function takes what a loader already has in hand (the decoded HTML text, a pypdf reader's
``metadata``, a document's text) and returns a ``SourceMeta`` holding only what was found; an entry in
``sources.toml`` fills its fields first (``SourceMeta.filled_from``). Nothing is guessed: a value that
does not parse is left out rather than passed on half-read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .metadata import SourceMeta, check_field

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

# Tried in order; the first tag with a usable value wins. Scholarly ``citation_*`` tags come first
# because publishers fill them carefully for indexers; Open Graph next; plain ``name=`` tags last.
_HTML_TAGS: dict[str, tuple[str, ...]] = {
    "title": ("citation_title", "og:title", "dc.title", "twitter:title"),
    "publisher": ("citation_publisher", "citation_journal_title", "og:site_name", "dc.publisher", "publisher"),
    "author": ("citation_author", "author", "article:author", "dc.creator", "parsely-author", "byl"),
    "published": (
        "citation_publication_date", "citation_date", "article:published_time", "datepublished",
        "dc.date", "dc.date.issued", "date", "pubdate", "parsely-pub-date",
    ),
    "url": ("citation_public_url", "og:url"),
}  # fmt: skip
_LD_ARTICLES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "blogposting", "scholarlyarticle", "report",
}  # fmt: skip
_MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_DATES = (
    re.compile(_WEEKDAY + r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>\d{4})\b", re.I),
    re.compile(_WEEKDAY + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})\b", re.I),
    re.compile(r"(?<!\d)(?P<year>\d{4})([-/])(?P<month>\d{2})\2(?P<day>\d{2})(?!\d)"),  # ISO, and Scholar's 2022/08/18
)
_DATELINE_LINES = 6  # a dateline stands among the first lines: under the headline, standfirst or byline
_DATELINE_OTHER_WORDS = 6  # "Published:", a time, "3 min read"; more words make prose, where a date is an event's
_PDF_DATE = re.compile(r"^(?:D:)?(?P<year>\d{4})(?P<month>\d{2})?(?P<day>\d{2})?")


def html_metadata(markup: str) -> SourceMeta:
    """Title, publisher, author, publication date and canonical URL from an HTML page's head."""
    from bs4 import BeautifulSoup

    return soup_metadata(BeautifulSoup(markup, "html.parser"))


def soup_metadata(soup: BeautifulSoup) -> SourceMeta:
    """``html_metadata`` of a page already parsed: the HTML loader parses each page once."""
    from bs4 import Tag

    tags: dict[str, list[str]] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        content = tag.get("content")
        if isinstance(key, str) and isinstance(content, str) and content.strip():
            tags.setdefault(key.strip().lower(), []).append(content.strip())
    found: dict[str, object] = {}
    for name, keys in _HTML_TAGS.items():
        for key in keys:
            value = _html_value(name, tags.get(key, []))
            if value is not None:
                found[name] = value
                break
    canonical = soup.find("link", rel="canonical")
    href = _usable("url", canonical.get("href")) if isinstance(canonical, Tag) else None
    if href is not None:
        found["url"] = href  # the page's own choice of address beats og:url
    return SourceMeta(**found).filled_from(_json_ld(soup))  # type: ignore[arg-type]


def _json_ld(soup: BeautifulSoup) -> SourceMeta:
    """The first schema.org article in the page's JSON-LD: many news sites state their dates only there."""
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except (ValueError, RecursionError):  # a page's broken JSON-LD costs its metadata, never the page
            continue
        for node in _ld_nodes(data):
            kinds = node.get("@type")
            kinds = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
            if any(isinstance(kind, str) and kind.lower() in _LD_ARTICLES for kind in kinds):
                published = node.get("datePublished")
                return SourceMeta(
                    title=_usable("title", node.get("headline")),  # type: ignore[arg-type]
                    publisher=_usable("publisher", _ld_names(node.get("publisher"))),  # type: ignore[arg-type]
                    author=_usable("author", _ld_names(node.get("author"))),  # type: ignore[arg-type]
                    published=_usable("published", parse_date(published) if isinstance(published, str) else None),  # type: ignore[arg-type]
                    url=_usable("url", node.get("url")),  # type: ignore[arg-type]
                )
    return SourceMeta()


def _ld_nodes(data: object) -> Iterator[dict[str, object]]:
    if isinstance(data, list):
        for item in data:
            yield from _ld_nodes(item)
    elif isinstance(data, dict):
        yield data
        yield from _ld_nodes(data.get("@graph"))


def _ld_names(value: object) -> str | None:
    """A person or organisation as its name; several as "A; B"."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _ld_names(value.get("name"))
    if isinstance(value, list):
        names = [name for name in map(_ld_names, value) if name]
        return "; ".join(dict.fromkeys(names)) or None
    return None


def _html_value(name: str, values: list[str]) -> object | None:
    if name == "author":
        # Scholarly pages list one citation_author per author; article:author is often a profile URL.
        names = [v for v in values if not urlsplit(v).scheme]
        return _usable(name, "; ".join(dict.fromkeys(names))) if names else None
    for value in values:
        usable = _usable(name, parse_date(value) if name == "published" else value)
        if usable is not None:
            return usable
    return None


def _usable(name: str, value: object) -> object | None:
    """``value`` as the field holds it, or None when it would not pass the metadata file's own checks."""
    if value is None or value == "":
        return None
    try:
        return check_field(name, " ".join(value.split()) if isinstance(value, str) else value)
    except ValueError:
        return None


def pdf_metadata(info: Mapping[str, object] | None) -> SourceMeta:
    """Title, author and creation date from a PDF's information dictionary (pypdf's ``reader.metadata``)."""
    if not info:
        return SourceMeta()
    created = info.get("/CreationDate")
    return SourceMeta(
        title=_usable("title", _pdf_text(info.get("/Title"))),  # type: ignore[arg-type]
        author=_usable("author", _pdf_text(info.get("/Author"))),  # type: ignore[arg-type]
        published=_pdf_date(created),
    )


def _pdf_text(value: object) -> str | None:
    return str(value) if value is not None else None


def _pdf_date(value: object) -> date | None:
    """``D:20220818103200+01'00'`` (PDF 1.7, 7.9.4) as its day; a missing month or day makes no date."""
    if isinstance(value, datetime):
        return value.date()
    match = _PDF_DATE.match(str(value).strip()) if value is not None else None
    if not match or not match["month"] or not match["day"]:
        return None
    return _date(match["year"], match["month"], match["day"])


def dateline_date(text: str) -> date | None:
    """The date of a dateline among a document's first lines, such as "Thursday 18 August 2022 10:32".

    Only a line the date makes up most of counts: a date inside a sentence ("was set up on 3 January
    2022 after …") is an event's date, not the article's, and a line without a year is no date at all.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()][:_DATELINE_LINES]
    for line in lines:
        match = _search_date(line)
        if match and len((line[: match.start()] + " " + line[match.end() :]).split()) <= _DATELINE_OTHER_WORDS:
            return _date(match["year"], match["month"], match["day"])
    return None


def parse_date(text: str) -> date | None:
    """The first full date (day, month and year) in ``text``; ISO timestamps keep their day."""
    match = _search_date(text)
    return _date(match["year"], match["month"], match["day"]) if match else None


def _search_date(text: str) -> re.Match[str] | None:
    for pattern in _DATES:
        match = pattern.search(text)
        if match:
            return match
    return None


def _date(year: str, month: str, day: str) -> date | None:
    number = int(month) if month.isdigit() else _MONTHS[month.lower()]
    try:
        return date(int(year), number, int(day))
    except ValueError:  # "31 February": a typo in the source, not a date to cite
        return None
