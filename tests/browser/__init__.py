"""Browser tier: the web UI's page in Debian's Chromium, driven by Playwright (`make
browser` installs Chromium). `pytest -m browser`."""
