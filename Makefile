# Quick start: `make run` (set up, index seeds/, serve the web UI) and `make test`;
# `make test-fast` while changing code (tests/README.md: the test tiers).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
# A fresh machine's disk can be nearly full (CI once failed with ENOSPC in pip): keeping no
# second copy of every wheel in pip's cache saves over a gigabyte at the install's peak.
export PIP_NO_CACHE_DIR := 1

.PHONY: install browser index run test test-fast lint clean

install: $(STAMP)

# torch 2.13.0 first: its CPU build lies on this disk; letting sentence-transformers pull
# torch itself would download a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	# the ONNX export of the bundled model, made once here rather than on the first question
	$(BIN)/python -c "from askbrief.ingest.embedding import Embedder; Embedder().model"
	touch $@

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

index: install
	$(BIN)/askbrief index

run: index
	$(BIN)/python app.py

# The tiers that need no server or browser (tests/unit, tests/index): under a minute.
test-fast: install
	$(BIN)/python -m pytest -q tests/unit tests/index

# Everything: the tiers without a browser first (-m: a test outside the tier folders stops the
# run), then Chromium, then the browser tier. Fails if any tier fails.
test: install
	@status=0; \
	$(BIN)/python -m pytest -q -m "not browser" || status=1; \
	$(MAKE) --no-print-directory browser || exit 1; \
	$(BIN)/python -m pytest -q tests/browser || status=1; \
	exit $$status

# ruff (lint and format) everywhere, mypy over the library (its settings: pyproject.toml).
lint: install
	$(BIN)/ruff check src tests benchmarks app.py docs/*.py
	$(BIN)/ruff format --check src tests benchmarks app.py docs/*.py
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) index/gen-* index/CURRENT index/.lock
