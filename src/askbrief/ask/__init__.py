"""Asking: an open index answers a question (`index.py`): candidates from dense and keyword
search, the fitted ranker (`ranking.py`, `ranker.json`), the refusal decision and the quotes.

Imports the shared top-level modules, `ingest/` and `store/`; never a front end.
"""
