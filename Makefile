# Quickstart targets: `make demo` (base install, colorize the sample photos) and `make test` (everything, run the
# tests). The base install (ONNX Runtime + NumPy + Pillow, ~250 MB) is all colorizing needs; `make test` adds
# the extras and the dev tools (PyTorch and the rest, ~3 GB).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -c constraints.txt

.PHONY: setup base demo test test-slow browser clean train-default graphs

base: $(VENV)/.base

setup: $(VENV)/.installed

$(VENV)/.base: pyproject.toml constraints.txt
	@test -x $(BIN)/python || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "installing chromalab's base install into $(VENV) (ONNX Runtime, NumPy, Pillow; no PyTorch, ~250 MB)"
	$(PIP) -e .
	touch $@

$(VENV)/.installed: $(VENV)/.base
	@echo "installing every extra and the dev tools into $(VENV) (PyTorch 2.13.0 CPU first; ~3 GB)"
	$(PIP) torch==2.13.0
	$(PIP) -e ".[all,dev]"
	touch $@

SAMPLES := $(wildcard samples/*.jpg)
demo: base
	$(BIN)/chromalab colorize $(SAMPLES) --out colorized
	@echo "colour versions are in colorized/ (photos the shipped model never trained on; samples/README.md)"

test: setup
	$(BIN)/ruff check src tests benchmarks scripts projects
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
	@test -d $(DATA) || { echo "error: no training photos in $(DATA); docs/default-model.md#training-data says how to build them (or pass DATA=folder)"; exit 2; }
	for s in $(SEEDS); do $(BIN)/chromalab train --recipe default-effnet-lite0 --data $(DATA) --seed $$s \
	    --out $(RUN)/seed$$s || exit 1; done
	$(BIN)/chromalab export $(foreach s,$(SEEDS),$(RUN)/seed$(s)) --out src/chromalab/weights/default
	$(BIN)/python scripts/calibrate_chroma.py src/chromalab/weights/default $(DATA)
	$(BIN)/python scripts/training_manifest.py $(DATA) src/chromalab/weights/default
	$(BIN)/chromalab evaluate src/chromalab/weights/default --data $(DATA) --out $(RUN)/evaluation-test.json

graphs: setup  ## re-export the ONNX graphs of the per-pixel steps (src/chromalab/inference/graphs; tests hold them equal)
	$(BIN)/python -c "from chromalab.inference.steps import export_steps; export_steps()"

clean:
	rm -rf $(VENV) colorized .pytest_cache .ruff_cache
