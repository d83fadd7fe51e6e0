"""What test files share, in one place: test files import from here (and take fixtures from
the conftest.py files), never from one another.

- common: where the test data is, the counting model wrapper, the stores, the seed questions
- processes: `askbrief` in a child process (start, wait for a line, environment)
- dated: dated articles (a flood's revised toll, a solar farm) and an index of them
- feeds: a local web server for feeds and pages, and the harbour feed it serves
- milvus: a real Milvus server in a child process, and the Milvus store's checks
- web: the web UI served in-process or by `python app.py`, and the chat over HTTP
- browser: driving the page in Chromium (asking, reading quotes)
- the rest hold one subject's articles, questions and helpers, shared by that subject's test
  files in different tiers (access, bad_input, concurrency, evaluation, followups, provenance,
  readme, sentences, users, vectors, words)
"""
