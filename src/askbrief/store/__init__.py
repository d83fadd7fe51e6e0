"""The index on disk: building a generation (`build.py`) and reading one (`base.py`'s
`ReadStore`), with FAISS and Milvus as peers in `faiss/` and `milvus/`, each with its own
`read.py` and `write.py`.

Imports the shared top-level modules and `ingest/`; never the question side or a front end.
"""
