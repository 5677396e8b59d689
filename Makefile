# Two commands: `make demo` trains an MLP on each engine, `make test` runs lint and the test suite.
# Both make .venv on first use and reinstall only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench fuzz notebooks lab pictures graphviz chromium playground simulations

demo: $(VENV)/.installed-base graphviz
	$(BIN)/tracegrad train --overwrite
	$(BIN)/tracegrad train --engine tensor --dataset spirals --samples 400 --hidden 32 32 \
		--epochs 150 --optimizer adam --schedule warmup-cosine --overwrite

test: $(VENV)/.installed-dev graphviz chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --durations=15
	TRACEGRAD_BACKEND=numpy $(BIN)/python -m pytest -n 2 tests/test_tensor.py tests/test_tensor_ops.py tests/test_backend.py tests/test_optim.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/scalar.py
	$(BIN)/python bench/ops.py
	$(BIN)/python bench/mlp.py
	$(BIN)/python bench/conv.py
	$(BIN)/python bench/overhead.py

fuzz: $(VENV)/.installed-dev
	$(BIN)/python bench/fuzz.py --seconds 600

notebooks: $(VENV)/.installed-dev graphviz
	$(BIN)/python notebooks/run.py

# JupyterLab on the notebooks, reachable only from this machine (the notebooks extra installs it);
# as root (in a container, say) Jupyter refuses to start without --allow-root.
lab: $(VENV)/.installed-notebooks graphviz
	$(BIN)/jupyter lab --ip=127.0.0.1 --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

pictures: $(VENV)/.installed-base graphviz
	$(BIN)/python scripts/pictures.py

# graphviz's dot renders graphs; Debian's chromium is what the browser tests drive (Playwright
# cannot download its own offline)
graphviz:
	@sh scripts/ensure-package.sh dot graphviz "graphs will not render"

chromium:
	@sh scripts/ensure-package.sh chromium chromium "the browser tests will fail"

# The playground as a page on 127.0.0.1 (opens a browser; Ctrl-C stops it)
playground: $(VENV)/.installed-widgets graphviz
	$(BIN)/tracegrad playground

# The course's simulations, all behind one menu, as a page on 127.0.0.1 (Ctrl-C stops it)
simulations: $(VENV)/.installed-widgets
	$(BIN)/tracegrad simulations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-base: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

$(VENV)/.installed-widgets: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[widgets]'
	touch $@

$(VENV)/.installed-notebooks: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[notebooks]'
	touch $@
