"""The links the app hands out: an answer's, which asks its question again with the same choices, and a
passage's, which names its source, the source's content hash, the span and the text (``assistant.links``)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from ..answer_links import AnswerLink
from ..errors import AssistantError, LinkError
from ..links import PassageLink, text_hash
from ..service import ORDERS, Assistant, SourceFilter
from ..types import Passage, SearchResult
from .cards import PassageLinks


def answer_url(
    question: str, result: SearchResult, k: object, sources: Sequence[str] | None,
    where: SourceFilter | None = None, order: str = ORDERS[0],
) -> str:  # fmt: skip
    """The link that asks ``question`` again as it was asked (a follow-up: the text searched with the
    conversation), with the same count, sources, ranking, filter and order; empty when the question is too
    long to travel in a link."""
    try:
        count = int(k)  # type: ignore[call-overload]  # a slider sends a float, a program may send text
        link = AnswerLink(result.query or question, count, tuple(sources or ()), result.mode, where or SourceFilter(), order)
        return link.to_url()
    except (LinkError, TypeError, ValueError):
        return ""


def passage_links(assistant: Assistant) -> PassageLinks:
    """A passage's link, made against its source as indexed now; None when the source has changed since the
    passage was shown (a link must name the text the reader saw)."""

    def link(p: Passage) -> str | None:
        try:
            doc = assistant.document(p.source.id)
        except AssistantError:
            return None
        if doc.text[p.start : p.end] != p.text:
            return None
        return PassageLink(doc.id, _hash(doc.text), p.start, p.end, p.text).to_url()

    return link


@lru_cache(maxsize=64)
def _hash(text: str) -> str:
    # Every card of every answer names its source's hash; a document's text is one object per index version,
    # so the cache is looked up by identity and each version is hashed once.
    return text_hash(text)
