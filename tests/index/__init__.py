"""Index tier: the real bundled model and/or an index on disk, in this process; no server,
no child process, no browser, and quick (a slow build belongs in system).
`pytest -m index` (part of `make test-fast`)."""
