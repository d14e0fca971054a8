"""Measure retrieval: gold questions over the sources, any BEIR data set, and a report.

Data flow: ``gold`` (questions and answer spans) -> ``harness`` (ask through ``Assistant.search``) ->
``qrels`` (results to ranx runs by answer-span overlap) -> ``metrics`` -> ``report``; ``experiment``
repeats it per chunk size and mode, ``beir`` indexes a BEIR folder and scores it with the same code,
and ``thresholds`` serves the pinned figures (the regression bar and the abstention threshold).
"""
