# Set-up and checks. `make main` and `make test` each build the virtual environment first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of PyTorch; on a machine with a GPU any torch>=2.1 works.
TORCH ?= torch==2.13.0
BACKENDS ?= tensorflow jax torch
PYTEST_ARGS ?= -n 2 -q -m "not slow"
# TensorFlow's C++ start-up banners say nothing about the tests.
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: install datasets main test lint docs bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[all,test,docs]" "jax>=0.4.20" "jaxlib>=0.4.20" "$(TORCH)"
	touch $@

# Real Fashion-MNIST for the tests and the quality benchmark: Debian's dataset-fashion-mnist;
# Debian's chromium renders report.html headless in its browser test.
# Best effort: without root or apt the Fashion-MNIST tests skip and say why.
FASHION_MNIST := /usr/share/datasets/fashion-mnist
datasets:
	@if [ ! -d $(FASHION_MNIST) ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 \
		|| (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1) \
		|| echo "note: could not install dataset-fashion-mnist; its tests will skip"; \
	fi
	@if ! command -v chromium >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get install -y -qq chromium >/dev/null 2>&1 \
		|| (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1) \
		|| echo "note: could not install chromium; the browser test of report.html will skip"; \
	fi

install: $(VENV)/.installed datasets

main: install
	$(BIN)/keras-imbalance compare --output compare-results

lint: install
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/mypy

# The documentation site (mkdocs.yml, docs/); --strict turns every warning into an error.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir build/site

test: lint docs
	@set -e; for backend in $(BACKENDS); do \
		echo "== KERAS_BACKEND=$$backend"; \
		KERAS_BACKEND=$$backend $(BIN)/python -m pytest $(PYTEST_ARGS); \
	done
	@echo "== slow (backend-independent simulations, once)"
	KERAS_BACKEND=jax $(BIN)/python -m pytest -q -p no:xdist -m slow tests

bench: install
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script; done
