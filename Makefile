# Ladder's two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint setup messages lock docs bench bench-deadlines bench-signals bench-instructions clean

$(STAMP):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

setup: $(STAMP)

## Compile the translation catalogues (the .mo files are built, never committed).
## GNU gettext's msgfmt where the machine has it, else Babel from the venv.
messages: setup
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(BIN)/ladder compilemessages --ignore=.venv --ignore=node_modules -v0; \
	else \
		$(BIN)/pybabel -q compile -d ladder/locale -D django; \
	fi

## Set up and run the desk on SQLite under var/, with the worker, and demo data.
run: setup messages
	@mkdir -p var
	LADDER_DEBUG=1 $(BIN)/ladder migrate --noinput
	LADDER_DEBUG=1 $(BIN)/ladder demo
	LADDER_DEBUG=1 $(BIN)/ladder run --host $(HOST) --port $(PORT)

## Run every test (SQLite by default; PostgreSQL when DATABASE_URL says so).
test: setup messages
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy ladder tests benchmarks

## Re-pin the dependencies after editing pyproject.toml.
lock: setup
	$(BIN)/pip-compile --quiet --extra dev --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock pyproject.toml

## The case-list and case-creation benchmark (PostgreSQL; see docs/performance.md).
bench: setup
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

## Instructions a case creation costs Ladder's Python, under valgrind (see docs/performance.md).
bench-instructions: setup
	$(BIN)/python -m benchmarks.instructions $(BENCH_ARGS)

## The deadline burst: 10,000 due at once among 100,000, two workers (see docs/performance.md).
bench-deadlines: setup
	$(BIN)/python benchmarks/deadlines.py $(BENCH_ARGS)

## Signal intake: 1,000,000 signals for 50,000 customers (see docs/performance.md).
bench-signals: setup
	$(BIN)/python benchmarks/signals.py $(BENCH_ARGS)

docs: setup
	$(BIN)/ladder permissions_doc > docs/permissions.md

clean:
	rm -rf $(VENV) var
