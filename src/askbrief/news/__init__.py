"""Arriving: new articles from feeds and web pages (`feeds.py`, `fetching.py`) and from a
watched folder (`watch.py`), each followed by an incremental build.

Imports the shared top-level modules, `ingest/` and `store/`; never the question side or a
front end.
"""
