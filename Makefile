# make book   build the website, the public student edition: _build/html (creates .venv, vendors MathJax)
# make book EDITION=instructor   the instructor edition, for private hosting: _build/instructor/_build/html
# make pdf    the whole book (student edition) as one PDF, printed by Chromium: _build/pdf/course.pdf
# make test   run the whole test suite (package, grader, notebooks, browser)
# make student   write the student notebooks into student/ (committed: Binder, Colab and the site use them)
# make lab    open the chapters in JupyterLab (STUDENT=1: a working copy of the student notebooks in
#             _student/; HANDOUT=folder: a handout)
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

.PHONY: book pdf test student grade bench clean env lab

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
# to coursekit must invalidate both (for each edition).
CACHE_STAMP := _build/.coursekit-sources
$(CACHE_STAMP): $(shell find src -name '*.py' -o -name '*.csv')
	rm -rf _build/.jupyter_cache _build/.doctrees _build/instructor/_build/.jupyter_cache _build/instructor/_build/.doctrees
	@mkdir -p _build && touch $@

# The public site is the student edition, built from the committed student notebooks (student/, listed
# in _toc.yml). The instructor edition is built from notebooks/ with a table of contents derived from
# _toc.yml, into its own folder, with COURSEKIT_STRICT=1 so a wrong solution fails the build.
# While building, explorers precompute their figures and progress bars are off (book/_ext/edition.py).
# book/_ext/preexecute.py first runs the notebooks not yet in the build's cache on $(JOBS) kernels at once
# (the build itself executes them one after another).
EDITION ?= student
INSTRUCTOR_TOC := _build/instructor/_toc.yml
# Sphinx rewrites only the pages whose source changed (and skips copying static files when none did):
# after a change to the site's CSS, templates, extensions or configuration since the last build (a stamp
# per output), rewrite every page (--all; executed notebooks still come from the cache).
site_changed = $(if $(wildcard $(1)),$(if $(shell find book/_ext book/_static _config.yml _toc.yml -newer $(1) -not -path '*/vendor/*' 2>/dev/null | head -1),--all),--all)
book: $(STAMP) $(VENDOR) $(CACHE_STAMP)
ifeq ($(EDITION),student)
	COURSEKIT_EDITION=student $(BIN)/python book/_ext/preexecute.py --jobs $(JOBS)
	COURSEKIT_EDITION=student $(BIN)/jupyter-book build . -W -n --keep-going $(call site_changed,_build/.site-student)
	@touch _build/.site-student
	@echo "The site (student edition) is at $(CURDIR)/_build/html/index.html"
else ifeq ($(EDITION),instructor)
	@mkdir -p $(dir $(INSTRUCTOR_TOC))
	sed 's#^\(\s*- file: \)student/#\1notebooks/#' _toc.yml > $(INSTRUCTOR_TOC)
	COURSEKIT_EDITION=instructor COURSEKIT_STRICT=1 $(BIN)/python book/_ext/preexecute.py --jobs $(JOBS) \
		--toc $(INSTRUCTOR_TOC) --cache _build/instructor/_build/.jupyter_cache
	COURSEKIT_EDITION=instructor COURSEKIT_STRICT=1 $(BIN)/jupyter-book build . --toc $(INSTRUCTOR_TOC) \
		--path-output _build/instructor -W -n --keep-going $(call site_changed,_build/.site-instructor)
	@touch _build/.site-instructor
	@echo "The instructor edition is at $(CURDIR)/_build/instructor/_build/html/index.html (host it privately)"
else
	$(error EDITION must be student or instructor, not $(EDITION))
endif

# One page holding the whole student edition (Jupyter Book's singlehtml builder, sharing the site's
# executed-notebook cache), printed to PDF by the Chromium the tests use. No LaTeX.
pdf: $(STAMP) $(VENDOR) $(CACHE_STAMP)
	COURSEKIT_EDITION=student $(BIN)/jupyter-book build . --builder singlehtml -W -n --keep-going \
		$(call site_changed,_build/.site-singlehtml)
	@touch _build/.site-singlehtml
	$(BIN)/python book/_ext/print_pdf.py _build/singlehtml/index.html _build/pdf/course.pdf

student: $(STAMP)
	$(BIN)/coursekit student notebooks/*.ipynb --out student

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
# The notebooks are run by the book build (student edition, no cell may raise) and by
# tests/test_grade_weeks.py, which grades each week's instructor notebook (full marks, no error, ≤ 60 s),
# its student notebook as committed (runs, not attempted; a test fails when student/ is stale: `make
# student`) and a typical wrong submission. For one notebook by hand: pytest --nbval-lax notebooks/NN-*.ipynb
test: book $(LAB)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope --durations=20 tests

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
