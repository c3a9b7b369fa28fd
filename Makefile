# Quickstart targets: `make demo` (set up, colorize the sample photos) and `make test` (set up, run the tests).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: setup demo test test-slow browser clean train-default graphs

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) torch==2.13.0
	$(PIP) -e ".[all,dev]"
	touch $@

demo: setup
	$(BIN)/chromalab colorize samples --out colorized
	@echo "colour versions are in colorized/"

test: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports  # the layers contract in pyproject.toml (docs/architecture.md)
	$(BIN)/python -m pytest -q

browser:
	@test -x /usr/bin/chromium || apt-get install -y chromium  # Debian's chromium for the browser tests

test-slow: setup browser
	$(BIN)/python -m pytest -q -m slow

DATA ?= ../shared/data/photos
RUN ?= runs/default
SEEDS ?= 0 1 2
train-default: setup  ## the shipped default model (docs/default-model.md): recipe default-effnet-lite0 per seed, export
	for s in $(SEEDS); do $(BIN)/chromalab train --recipe default-effnet-lite0 --data $(DATA) --seed $$s \
	    --out $(RUN)/seed$$s || exit 1; done
	$(BIN)/chromalab export $(foreach s,$(SEEDS),$(RUN)/seed$(s)) --out src/chromalab/weights/default
	$(BIN)/python scripts/calibrate_chroma.py src/chromalab/weights/default $(DATA)
	$(BIN)/chromalab evaluate src/chromalab/weights/default --data $(DATA) --out $(RUN)/evaluation-test.json

graphs: setup  ## re-export the ONNX graphs of the per-pixel steps (src/chromalab/inference/graphs; tests hold them equal)
	$(BIN)/python -c "from chromalab.inference.steps import export_steps; export_steps()"

clean:
	rm -rf $(VENV) colorized .pytest_cache .ruff_cache
