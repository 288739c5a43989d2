# Two commands for a fresh machine: `make book` and `make test`.
# Both create .venv on first use and install the pinned requirements into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test lint clean notebooks

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## make book: build the HTML book into _build/html
book: $(STAMP)
	$(BIN)/jupyter-book build . --builder html
	@echo
	@echo "Open the book: file://$(CURDIR)/_build/html/index.html"

## make test: lint, unit tests and doctests, notebooks (nbval), warning-free build, browser check
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
		$(BIN)/python -m pytest klcourse tests book \
		--nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

## make notebooks: re-execute every chapter in place (after changing klcourse or a chapter)
notebooks: $(STAMP)
	$(BIN)/python tools/run_notebooks.py

clean:
	rm -rf _build .pytest_cache .hypothesis
