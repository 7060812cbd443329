# make book   build the website (creates .venv and vendors the offline JavaScript first)
# make test   run the whole test suite (package, grader, notebooks, browser)
# make student   write student notebooks into _student/
# make lab    open the chapters in JupyterLab (STUDENT=1: the student notebooks; HANDOUT=folder: a handout)
# make grade  grade a folder of submissions (see book/for-instructors.md)
# make bench  print the benchmark table
# make clean  remove everything generated
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB := $(VENV)/.lab
VENDOR := book/_static/vendor/.stamp
JOBS ?= 2

.PHONY: book test student grade bench clean env lab

env: $(STAMP) $(LAB)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[book,test,dask,lab]"
	@touch $@

# JupyterLab's additions for the course (book/lab/install.py): the citation labels from references.bib,
# no news or update checks.
$(LAB): $(STAMP) book/references.bib $(shell find book/lab -type f -not -name '*.pyc')
	$(BIN)/python book/lab/install.py $(VENV)
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

# make lab [STUDENT=1 | HANDOUT=folder] [LAB_ARGS=--port=9999]: JupyterLab on notebooks/, on _student/ (written
# first; a notebook already there is kept, so work in it survives) or on a handout folder. Ctrl-C stops it.
LAB_ROOT = $(if $(HANDOUT),$(HANDOUT),$(if $(STUDENT),_student,notebooks))
LAB_ARGS ?=
lab: $(STAMP) $(LAB)
ifneq ($(STUDENT),)
	@fresh=$$(mktemp -d) && $(BIN)/coursekit student notebooks/*.ipynb --out $$fresh >/dev/null && \
	mkdir -p _student && for f in $$fresh/*.ipynb; do test -e "_student/$${f##*/}" || cp "$$f" _student/; done && \
	rm -rf $$fresh && \
	echo "make lab: student notebooks in _student/ (those already there were kept)"
endif
	@test -d "$(LAB_ROOT)" || { echo "make lab: no folder $(LAB_ROOT)"; exit 2; }
	$(BIN)/jupyter lab "$(LAB_ROOT)" $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# Two pytest workers on two cores: one BLAS thread each, or small matrix products oversubscribe the CPU.
test: book student $(LAB)
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
