"""The default store: a folder of generations, each a FAISS index, a BM25 folder and a
SQLite file of articles, passages and sentences. Imports `store/` and `ingest/` only."""
