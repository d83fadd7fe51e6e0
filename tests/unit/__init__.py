"""Unit tier: pure code. No model, no index on disk, no server, no child process; files
written to tmp_path are fine. `pytest -m unit` (part of `make test-fast`)."""
