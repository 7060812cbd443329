# make book   build the website (creates .venv and vendors the offline JavaScript first)
# make test   run the whole test suite (package, grader, notebooks, browser)
# make student   write student notebooks into _student/
# make grade  grade a folder of submissions (see book/for-instructors.md)
# make bench  print the benchmark table
# make clean  remove everything generated
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := book/_static/vendor/.stamp
JOBS ?= 2

.PHONY: book test student grade bench clean env

env: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[book,test,dask]"
	@touch $@

$(VENDOR): book/vendor/package.json book/vendor/package-lock.json
	bash book/vendor/fetch.sh

# Jupyter Book caches executed notebooks by their code and Sphinx rebuilds only changed pages; a change
# to coursekit must invalidate both.
CACHE_STAMP := _build/.coursekit-sources
$(CACHE_STAMP): $(shell find src -name '*.py' -o -name '*.csv')
	rm -rf _build/.jupyter_cache _build/.doctrees
	@mkdir -p _build && touch $@

# Progress bars are for people running notebooks, not for the printed page: TQDM_DISABLE=1.
book: $(STAMP) $(VENDOR) $(CACHE_STAMP)
	COURSEKIT_STRICT=1 TQDM_DISABLE=1 $(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The site is at $(CURDIR)/_build/html/index.html"

student: $(STAMP)
	$(BIN)/coursekit student notebooks/*.ipynb --out _student

# Two pytest workers on two cores: one BLAS thread each, or small matrix products oversubscribe the CPU.
test: book student
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope --nbval-lax notebooks _student tests

# make grade NOTEBOOK=notebooks/03-backprop.ipynb SUBMISSIONS=submissions OUT=grades [TESTS=private.py]
#            [MANUAL=grades/manual-scores.csv]   (the instructor's points for written questions)
NOTEBOOK ?= notebooks/00-matrix-calculus.ipynb
SUBMISSIONS ?= submissions
OUT ?= grades
TESTS ?=
MANUAL ?=
grade: $(STAMP)
	$(BIN)/coursekit grade $(NOTEBOOK) $(SUBMISSIONS) --out $(OUT) --jobs $(JOBS) $(if $(TESTS),--tests $(TESTS)) \
		$(if $(MANUAL),--manual $(MANUAL))

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf _build _student $(VENV) book/_static/vendor book/vendor/node_modules
