# Quickstart targets: `make demo` (set up, colorize the sample photos) and `make test` (set up, run the tests).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: setup demo test test-slow browser clean train-default

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) torch==2.13.0
	$(PIP) -e ".[dev]"
	touch $@

demo: setup
	$(BIN)/chromalab colorize samples --out colorized
	@echo "colour versions are in colorized/"

test: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q

browser:
	@test -x /usr/bin/chromium || apt-get install -y chromium  # Debian's chromium for the browser tests

test-slow: setup browser
	$(BIN)/python -m pytest -q -m slow

train-default: setup  ## the shipped default model (docs/default-model.md); DATA=... to change the photos
	BIN=$(BIN) scripts/train_default.sh

clean:
	rm -rf $(VENV) colorized .pytest_cache .ruff_cache
