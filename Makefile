# Two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install demo test test-all lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch must come before sentence-transformers, which would
	# otherwise pull several GB of CUDA wheels.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/mpsbot ask "Hvor mange virksomheter kan delta i utprøvingen av awareness and training?"

lint: $(STAMP)
	$(BIN)/ruff format --check bot indexer tests bench
	$(BIN)/ruff check bot indexer tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format bot indexer tests bench
	$(BIN)/ruff check --fix bot indexer tests bench

test: lint
	$(BIN)/pytest -q -m "not slow" --durations=15

test-all: lint
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
