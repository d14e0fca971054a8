"""BM25 in SQL over the embedded backend's own terms (``sparse.tokenize``), so both backends rank alike.

Each chunk's terms are stored as postings (term, chunk, tf, chunk length). A query finds its
candidates through the term index and scores them exactly as bm25s' "lucene" variant does:

    score(chunk) = sum over query terms t of  idf(t) * tf / (tf + k1 * (1 - b + b * length / avg_length))
    idf(t) = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))

with N, df and the average length those of the index version the search is pinned to (a query term
repeated counts again, as in bm25s). Each version's df are kept in ``assistant.term_df`` (rows versioned
like the postings, written by a publish for the terms whose df it changed), so a query looks its terms'
df up rather than counting every posting of its common terms. Built-in ``ts_rank`` is not used: it has no IDF and favours long
passages.

Exact, with top-k pruning (MaxScore, Turtle and Flood 1995): a term adds less than its weight
``qtf * idf`` to any chunk's score, so once the k best chunks holding one of the rarest terms score
more than the weights of all the other terms together, no chunk holding only those others can enter
the top k, and their postings are read only for the chunks already found (``term, row_id`` index
probes). Rare terms are added one at a time until that holds; a query of common terms only falls back
to reading every posting of its terms (``_SEARCH``). At millions of passages a BM25 index extension
(pg_textsearch) is the way; the pinned wheel has none.
"""

from __future__ import annotations

import heapq
import math
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


_DF = f"SELECT term, df FROM assistant.term_df WHERE term = ANY(%(terms)s::text[]) AND {visible()}"
_POSTINGS = f"""SELECT row_id, term, tf, length FROM assistant.postings
WHERE term = ANY(%(terms)s::text[]) AND {visible()} {{filter}}"""
# Never prepared: a statement filtering by a long array of rows. psycopg prepares a statement on its fifth run,
# and PostgreSQL's generic plan then checks each posting against the array one element at a time, where the
# plan made for the values hashes it: 7-9 s against 22 ms for 3 terms and 3,000 rows at 110k chunks.
UNPREPARED = False
# Past this many postings of the rare terms, pruning would read about as much as the exhaustive query.
_PRUNED_POSTINGS = 50_000
# From this many chunks the exhaustive query is the faster (bench/postgres-results.json, the same 50 or 20 generated
# questions warm: 11k chunks pruned 45 ms p50 against 61 exhaustive; 110k 286 against 85; 1M 1,326 against 1,125):
# the probes for the candidates' common terms filter every posting of those terms anyway (docs/postgres.md), and
# score them in Python after several round trips where the exhaustive query scores them in one statement.
PRUNE_BELOW = 100_000


def chunk_terms(texts: Sequence[str]) -> list[Counter[str]]:
    """Each chunk's terms with their counts; a chunk's length is the sum of its counts."""
    return [Counter(terms) for terms in tokenize(texts)]


def postings(rows: Sequence[int], docs: Sequence[int], terms: Sequence[Counter[str]], version: int) -> Iterator[tuple]:
    """Rows for ``assistant.postings``: (term, row_id, doc, tf, length, added)."""
    for row, doc, counts in zip(rows, docs, terms, strict=True):
        length = sum(counts.values())
        for term, tf in counts.items():
            yield term, row, doc, tf, length, version


def record_df(conn: Any, version: int, added: Counter[str], rebuild: bool) -> None:
    """Make ``assistant.term_df`` hold version ``version``'s document frequencies: the live version's, less the
    chunks it stamped removed, plus ``added`` (chunks per term among those it inserted); all anew on ``rebuild``.
    Only the terms whose frequency changed get a row, so an edit costs its own terms, not the vocabulary."""
    if rebuild:
        conn.execute("UPDATE assistant.term_df SET removed = %s WHERE removed IS NULL", (version,))
        new: dict[str, int] = dict(added)
    else:
        delta = Counter(added)
        gone = conn.execute("SELECT term, count(*) FROM assistant.postings WHERE removed = %s GROUP BY term", (version,))
        for term, count in gone.fetchall():
            delta[term] -= count
        changed = sorted(t for t, d in delta.items() if d)
        old = dict(conn.execute(
            "UPDATE assistant.term_df SET removed = %s WHERE removed IS NULL AND term = ANY(%s) RETURNING term, df",
            (version, changed),
        ).fetchall())  # fmt: skip
        new = {t: old.get(t, 0) + delta[t] for t in changed}
    with conn.cursor().copy("COPY assistant.term_df (term, added, df) FROM STDIN") as copy:
        for term, df in new.items():
            if df > 0:
                copy.write_row((term, version, df))


def search(
    conn: Any, version: int, chunks: int, total_length: int, query: str, k: int, allowed: Sequence[int] | None,
    *, prune: bool = True,
) -> list[tuple[int, float]]:
    """The k best (row, BM25 score) of the version's chunks for ``query``, ties to the lower row; pruned below
    ``PRUNE_BELOW`` chunks, and ``prune`` False reads every posting of its terms at any size (the same ranking, for
    measuring what pruning saves)."""
    terms = tokenize([query])[0]
    if not terms or not chunks or total_length == 0:
        return []
    pruning = prune and chunks < PRUNE_BELOW
    pruned = _pruned(conn, version, chunks, total_length / chunks, Counter(terms), k, allowed) if pruning else None
    if pruned is not None:
        return pruned
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
    rows = conn.execute(sql, params, prepare=UNPREPARED if allowed is not None else None).fetchall()
    return [(int(row), float(score)) for row, score in rows if score > 0]



def _pruned(
    conn: Any, version: int, n: int, avg_length: float, qtf: Counter[str], k: int, allowed: Sequence[int] | None
) -> list[tuple[int, float]] | None:
    """The top k by MaxScore (see the module's docstring), or None when the rare terms alone have too many postings."""
    df = {t: int(c) for t, c in conn.execute(_DF, {"terms": list(qtf), "version": version}).fetchall()}
    weight = {t: qtf[t] * math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in df}
    order = sorted(df, key=lambda t: (df[t], t))  # rarest first
    scores: dict[int, float] = {}
    parts: dict[int, list[float]] = {}
    for cut, term in enumerate(order, start=1):
        if sum(df[t] for t in order[:cut]) > _PRUNED_POSTINGS:
            return None
        rest = order[cut:]
        found = _fetch(conn, version, [term], None if allowed is None else list(allowed))
        # Rows already scored hold an earlier, rarer term and were scored in full then; the new ones lack those terms.
        new = {row for row, _, _, _ in found} - scores.keys()
        parts.clear()
        for row, t, tf, length in found + (_fetch(conn, version, rest, sorted(new)) if rest and new else []):
            if row in new:
                parts.setdefault(row, []).append(_contribution(weight[t], tf, length, avg_length))
        # fsum: exact whatever the order the postings came in, so chunks that tie truly tie (and go by row).
        scores.update((row, math.fsum(values)) for row, values in parts.items())
        # nsmallest: sorted(...)[:k] without sorting every chunk scored so far at each cut.
        top = heapq.nsmallest(k, scores.items(), key=lambda hit: (-hit[1], hit[0]))
        threshold = top[-1][1] if len(top) == k else 0.0
        if not rest or sum(weight[t] for t in rest) < threshold:
            return [hit for hit in top if hit[1] > 0]
    return []  # no query term is in the version


def _fetch(conn: Any, version: int, terms: list[str], rows: list[int] | None) -> list[tuple[int, str, int, int]]:
    """Postings of ``terms`` in the version, of ``rows`` only when given."""
    # Binary both ways: a candidate list of thousands of rows is dumped as text one element (and one quoting
    # check) at a time, and tens of thousands of postings come back as numbers to parse.
    sql = _POSTINGS.format(filter="AND row_id = ANY(%(rows)b::bigint[])" if rows is not None else "")
    return conn.execute(sql, {"terms": terms, "version": version, "rows": rows}, prepare=UNPREPARED, binary=True).fetchall()


def _contribution(weight: float, tf: int, length: int, avg_length: float) -> float:
    """One term's share of a chunk's score, as ``_SEARCH`` computes it."""
    return weight * tf / (tf + _K1 * (1 - _B + _B * length / avg_length))
