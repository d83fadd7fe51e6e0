"""Evaluation: a dataset of articles and questions with gold answers, asked and scored
(`askbrief eval`). Imports the shared modules, `ingest/`, `store/` and `ask/`."""
