# Sourcier — the two quick-start commands are `make run` and `make test`.
# Everything is installed into ./.venv from pyproject.toml; caches stay in ./.cache (git-ignored).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# The project's packages: the one list is pyproject.toml's [tool.setuptools.packages.find].
PACKAGES := $(shell $(PYTHON) -c "import tomllib; print(' '.join(p.rstrip('*') for p in tomllib.load(open('pyproject.toml', 'rb'))['tool']['setuptools']['packages']['find']['include']))")
export PIP_CACHE_DIR := $(CURDIR)/.cache/pip
# No byte-compiling at install: pip compiled every file of every package (torch, transformers,
# gradio…); Python compiles what is imported, once, on first use. A fresh install took 103 s
# against 166 s (medians of 3 paired runs, fresh venv and pip cache each, 2026-12-03).
PIP_FLAGS := --no-compile
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export SOURCIER_MODEL_CACHE_DIR ?= $(CURDIR)/.cache/models
export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: install run ingest serve test test-fast lint eval eval-gate bench browser clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q $(PIP_FLAGS) --upgrade pip 2>&1 | grep -v "is ignored" || true
	# torch first, pinned: a CPU build on local disk (an unpinned torch pulls a multi-GB CUDA build)
	$(BIN)/pip install -q $(PIP_FLAGS) torch==2.13.0 2>&1 | grep -v "is ignored" || true
	$(BIN)/pip install -q $(PIP_FLAGS) -e ".[dev]" 2>&1 | grep -v "is ignored" || true
	$(BIN)/python -c "import sourcier, torch; assert torch.__version__.startswith('2.13.0'), torch.__version__"
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## Quick start 1: install, ingest the bundled corpus, serve API + chat on http://127.0.0.1:8000
run: install
	$(BIN)/sourcier ingest
	$(BIN)/sourcier serve

ingest: install
	$(BIN)/sourcier ingest

serve: install
	$(BIN)/sourcier serve

## Headless Chromium for the UI's browser test (Debian's package; needs root, as in CI)
browser:
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	elif [ "$$(id -u)" = 0 ]; then (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "could not install chromium: the browser test will skip (or fail under CI)"; \
	else echo "not root: cannot apt-get install chromium; the browser test will skip"; fi

## Quick start 2: install and run the whole test suite, then every eval suite's gate (each
## suite on a fresh index of its own documents; held-out sets reported beside the tuning sets;
## two suites at a time, one thread each: 578 s against 784 s one after the other, 2026-12-01).
## Two workers, each test module on one of them: 1,075 s against 1,182 s in one process for the
## whole suite on 2 cores (2026-11-30; 946 s once servers stopped promptly); compute-bound tests.
## One embedding thread per worker instead of two was measured and not kept (2026-12-01): 560 s
## against 606 s for tests/server, eval and reliability, 428 s against 402 s for the rest.
test:
	@# the Python packages and the browser install side by side (network and disk, little CPU)
	$(MAKE) --no-print-directory -j2 install browser
	$(BIN)/pytest -n 2 --dist loadfile
	$(BIN)/sourcier eval --gate --jobs 2 --report-dir reports/eval

## The fast tier: in-process tests (no server subprocess, no browser, no full eval, not the
## optional ONNX backend), for the edit-test loop; `make test` runs these and the slow tier. Two
## workers, each test module on one of them (its fixtures built once): 101 s against 123 s in one
## process on 2 cores (whole process, medians of 3 paired runs, 2026-11-30). The indexes its
## fixtures build are kept in .cache/test-indexes, keyed by the code and files they come from.
test-fast: install
	$(BIN)/pytest -n 2 --dist loadfile -m "not slow and not browser"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check $(PACKAGES) tests
	$(BIN)/mypy $(PACKAGES)

eval: install
	$(BIN)/sourcier eval --jobs 2 --report-dir reports/eval

eval-gate: install
	$(BIN)/sourcier eval --gate --jobs 2 --report-dir reports/eval

bench: install
	$(BIN)/python -m bench.run_all --corpus ../shared/bench-corpus/debian_fr_docs.jsonl.gz --sample 0.01 0.1

clean:
	rm -rf $(VENV) .sourcier reports test-artifacts .pytest_cache .mypy_cache .ruff_cache
