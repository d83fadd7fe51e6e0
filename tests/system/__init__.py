"""System tier: servers (the web UI over HTTP, a feed server, a Milvus server), child
processes (the `askbrief` command, `python app.py`, killed builds), and tests too slow for
`make test-fast` (large builds, the watcher's timing, a second model backend).
`pytest -m system`."""
