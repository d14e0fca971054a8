"""BM25 in SQL over the embedded backend's own terms (``sparse.tokenize``), so both backends rank alike.

Each chunk's terms are stored as postings (term, chunk, tf, chunk length). A query finds its
candidates through the term index and scores them exactly as bm25s' "lucene" variant does:

    score(chunk) = sum over query terms t of  idf(t) * tf / (tf + k1 * (1 - b + b * length / avg_length))
    idf(t) = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))

with N, df and the average length those of the index version the search is pinned to (a query term
repeated counts again, as in bm25s). Built-in ``ts_rank`` is not used: it has no IDF and favours long
passages. This reads every posting of the query's terms, which is exact and fine for small and
medium corpora; at millions of passages a BM25 index extension (pg_textsearch) is the way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from ..config import BM25_PARAMS
from .pg_schema import visible
from .sparse import tokenize

_K1 = float(BM25_PARAMS["k1"])  # type: ignore[arg-type]
_B = float(BM25_PARAMS["b"])  # type: ignore[arg-type]

# All arithmetic in float8: with integer counts and untyped parameters PostgreSQL would pick numeric, ten times slower.
_SEARCH = f"""
WITH q AS (SELECT term, count(*)::float8 AS qtf FROM unnest(%(terms)s::text[]) AS term GROUP BY term),
hits AS MATERIALIZED (
    SELECT p.term, p.row_id, p.tf::float8 AS tf, p.length::float8 AS length
    FROM assistant.postings p JOIN q USING (term) WHERE {visible('p')}),
weights AS (
    SELECT h.term, q.qtf * ln(1 + (%(n)s::float8 - count(*) + 0.5) / (count(*) + 0.5)) AS weight
    FROM hits h JOIN q USING (term) GROUP BY h.term, q.qtf)
SELECT h.row_id, sum(w.weight * h.tf / (h.tf + %(k1)s::float8 * (1 - %(b)s::float8 + %(b)s::float8 * h.length / %(avg_length)s::float8))) AS score
FROM hits h JOIN weights w USING (term)
{{filter}}
GROUP BY h.row_id ORDER BY score DESC, h.row_id LIMIT %(k)s
"""


def chunk_terms(texts: Sequence[str]) -> list[Counter[str]]:
    """Each chunk's terms with their counts; a chunk's length is the sum of its counts."""
    return [Counter(terms) for terms in tokenize(texts)]


def postings(rows: Sequence[int], docs: Sequence[int], terms: Sequence[Counter[str]], version: int) -> Iterator[tuple]:
    """Rows for ``assistant.postings``: (term, row_id, doc, tf, length, added)."""
    for row, doc, counts in zip(rows, docs, terms, strict=True):
        length = sum(counts.values())
        for term, tf in counts.items():
            yield term, row, doc, tf, length, version


def search(
    conn: Any, version: int, chunks: int, total_length: int, query: str, k: int, allowed: Sequence[int] | None
) -> list[tuple[int, float]]:
    """The k best (row, BM25 score) of the version's chunks for ``query``, ties to the lower row."""
    terms = tokenize([query])[0]
    if not terms or not chunks or total_length == 0:
        return []
    params: dict[str, Any] = {
        "terms": terms,
        "version": version,
        "n": chunks,
        "k1": _K1,
        "b": _B,
        "avg_length": total_length / chunks,
        "k": k,
        "allowed": list(allowed) if allowed is not None else None,
    }
    # df counts every chunk of the version; a source filter only narrows which of them are returned.
    sql = _SEARCH.format(filter="WHERE h.row_id = ANY(%(allowed)s::bigint[])" if allowed is not None else "")
    rows = conn.execute(sql, params).fetchall()
    return [(int(row), float(score)) for row, score in rows if score > 0]

