# ledgerbridge (业财桥) — everything starts here.
#   make demo    generate the demo sources, build the warehouse, open the app
#   make test    run the test suite
# Needs only python3 and make; uv is bootstrapped into .tools/.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.ledgerbridge-synced
UV_VERSION ?= 0.13.9

SCALE      ?= 10
BENCH_ARGS ?= --scale $(SCALE)
PYTEST_ARGS ?=

export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_VERSION_CHECK := false
export RUNTIME__DLTHUB_TELEMETRY := false
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1

.PHONY: help setup browser fonts demo test bench lint mutation clean distclean

help:
	@echo "make setup    install the pinned environment (.venv) with uv"
	@echo "make demo     simulate sources, build the warehouse, serve the app"
	@echo "make test     run the tests (installs chromium for browser tests if possible)"
	@echo "make bench    benchmark a full run (SCALE=$(SCALE), or BENCH_ARGS=...)"
	@echo "make lint     ruff check"
	@echo "make mutation apply each mutation of tests/mutation/mutations.toml, run its tests, print the score"
	@echo "make clean    remove generated data, warehouse and build output"

# --- environment -----------------------------------------------------------

$(UV):
	@echo "==> bootstrapping uv $(UV_VERSION) into $(TOOLS)/"
	@rm -rf $(TOOLS)
	@if ! $(PYTHON) -m venv $(TOOLS) >/dev/null 2>&1; then \
	  rm -rf $(TOOLS); \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "==> python3 -m venv needs python3-venv; installing it"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
	  fi; \
	  $(PYTHON) -m venv $(TOOLS) || { echo "error: '$(PYTHON) -m venv' failed; install python3-venv" >&2; exit 1; }; \
	fi
	@$(TOOLS)/bin/pip install -q "uv==$(UV_VERSION)"
	@$(UV) --version

$(STAMP): $(UV) uv.lock pyproject.toml
	@echo "==> uv sync --frozen --compile-bytecode"
	@# compiled once here, so that no later start recompiles every imported module (where
	@# PYTHONDONTWRITEBYTECODE is set, Python never caches them itself): imports take 1.6 s, not 4.5 s
	@$(UV) sync --frozen --compile-bytecode
	@touch $@

setup: $(STAMP)

# --- headless browser for the UI tests (optional) --------------------------

browser:
	@if [ -x /usr/bin/chromium ] && compgen -G "/usr/share/fonts/opentype/noto/NotoSansCJK*" >/dev/null; then \
	  exit 0; \
	fi; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
	  echo "warning: chromium not installed (need root and apt-get); browser tests will be skipped" >&2; exit 0; \
	fi; \
	echo "==> installing chromium and CJK fonts (apt-get)"; \
	if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; then \
	  echo "==> chromium installed at /usr/bin/chromium"; \
	else \
	  echo "warning: could not install chromium; browser tests will be skipped" >&2; \
	fi

# --- CJK font and PDF tools for reports ------------------------------------

# PDF reports embed Debian's Noto CJK font (without it they refuse to render rather than print
# boxes); poppler's pdftoppm saves page images in the report tests (skipped without it).
fonts:
	@if compgen -G "/usr/share/fonts/opentype/noto/NotoSansCJK*" >/dev/null && command -v pdftoppm >/dev/null; then \
	  exit 0; \
	fi; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
	  echo "warning: fonts-noto-cjk / poppler-utils not installed (need root and apt-get): PDF reports will fail" >&2; exit 0; \
	fi; \
	echo "==> installing fonts-noto-cjk and poppler-utils (apt-get)"; \
	if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk poppler-utils >/dev/null; }; then \
	  echo "warning: could not install fonts-noto-cjk / poppler-utils: PDF reports will fail" >&2; \
	fi

# --- product ---------------------------------------------------------------

demo: setup fonts
	$(BIN)/ledgerbridge simulate
	$(BIN)/ledgerbridge run
	$(BIN)/ledgerbridge recon score
	$(BIN)/ledgerbridge report run management_pack
	$(BIN)/ledgerbridge users demo
	$(BIN)/ledgerbridge serve

bench: setup
	$(BIN)/ledgerbridge bench $(BENCH_ARGS)

# --- quality ---------------------------------------------------------------

test: setup browser fonts
	$(BIN)/pytest -q -p no:cacheprovider --timeout=600 $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .

# Not part of `make test` (it takes far longer): MUTATION_ARGS="--only NAME" or "-k aging".
MUTATION_ARGS ?=
mutation: setup
	$(BIN)/python tests/mutation/run.py $(MUTATION_ARGS)

clean:
	rm -rf dbt_project/target dbt_project/logs logs test-output .pytest_cache .ruff_cache
	@if [ -d data ]; then \
	  find data -mindepth 1 -maxdepth 1 ! -name README.md ! -name fixtures -exec rm -rf {} +; \
	fi
	find . -path ./$(VENV) -prune -o -path ./$(TOOLS) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(TOOLS)
