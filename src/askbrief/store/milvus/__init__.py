"""The Milvus store (Milvus Lite file or server): the same records as the FAISS store, in
collections. Imports `store/` and `ingest/` only."""
