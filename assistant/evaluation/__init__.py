"""Measure retrieval: gold questions over the sources, any BEIR data set, and a report.

Data flow: ``gold`` (questions and answer spans) -> ``harness`` (ask through ``Assistant.search``) ->
``qrels`` (results to ranx runs by answer-span overlap) -> ``metrics`` -> ``report``; ``experiment``
repeats it per chunk size and ranking (dense, BM25, hybrid under each fusion) and measures the fusions
and the quote's lexical term on their own, ``beir`` indexes a BEIR folder and scores it with the same
code, and ``thresholds`` serves the pinned figures (a regression bar per fusion, the abstention threshold).
"""
