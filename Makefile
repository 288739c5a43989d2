# Two commands for a fresh machine: `make book` and `make test`.
# Both create .venv on first use and install the pinned requirements into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Test workers: one per core (at most 4); each notebook runs whole on one worker.
WORKERS ?= auto

.PHONY: book html pdf catalogs test lint clean notebooks mutation

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## make book: both editions of the HTML book, English in _build/html and Chinese in
## _build/html/zh, and each as one PDF (klcourse.pdf at the root of each; skipped, with a
## note, where Chromium is not installed)
book: html
	$(BIN)/python tools/make_pdf.py --skip-without-browser _build/html
	$(BIN)/python tools/make_pdf.py --skip-without-browser _build/html/zh
	@echo
	@echo "Open the book: file://$(CURDIR)/_build/html/index.html"
	@echo "中文版: file://$(CURDIR)/_build/html/zh/index.html"

## make html: the HTML book only, both editions
html: $(STAMP)
	$(BIN)/jupyter-book build . --builder html
	$(BIN)/python tools/build_book.py html --lang zh

## make catalogs: merge the current English text into locales/zh_CN (new text arrives
## untranslated, changed text fuzzy); then translate, see locales/zh_CN/TERMINOLOGY.md
catalogs: $(STAMP)
	$(BIN)/python tools/build_book.py catalogs
	$(BIN)/python tools/translations.py || true

## make pdf: the HTML book and its PDF (fails where Chromium is missing)
pdf: html
	$(BIN)/python tools/make_pdf.py _build/html
	$(BIN)/python tools/make_pdf.py _build/html/zh

## make test: lint, unit tests and doctests, notebooks (nbval, in a Colab-like kernel with
## klcourse from a wheel), text/notebook pairs, warning-free build, browser check.
## KLCOURSE_TRAIN_SEED=1 make test: the same with shifted training seeds (another machine).
## The test environment (threads, progress bars, strict claims) is set in conftest.py.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python tools/colab_env.py .colab
	JUPYTER_PATH=$(CURDIR)/.colab/share/jupyter \
		$(BIN)/python -m pytest -n $(WORKERS) --maxprocesses 4 --dist loadscope \
		klcourse tests book \
		--nbval --nbval-kernel-name klcourse-colab --nbval-sanitize-with tests/nbval_sanitize.cfg

## make notebooks: turn chapters/*.md into executed book/*.ipynb (after editing a chapter
## or klcourse); `make notebooks CHAPTERS=06_language_models` for one chapter
notebooks: $(STAMP)
	$(BIN)/python tools/run_notebooks.py $(CHAPTERS)

## make mutation: mutation testing of klcourse's numpy modules against the fast unit tests
## (a report, not part of make test; configured in pyproject.toml [tool.mutmut]).
## `make mutation MUTANTS='klcourse.divergences*'` for one module's mutants.
MUTANTS ?=
mutation: $(STAMP)
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(shell nproc) $(MUTANTS) > mutants.log 2>&1 \
		|| (tail -c 3000 mutants.log; exit 1)
	$(BIN)/python tools/mutation_report.py --survivors

clean:
	rm -rf _build .pytest_cache .hypothesis .colab mutants mutants.log
