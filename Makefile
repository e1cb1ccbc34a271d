# chronicle — `make demo` runs the main job, `make test` checks everything, `make docs` builds the manual.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: demo test lint typecheck unit docs bench bench-quick fuzz mutate clean

# The venv: chronicle with its PostgreSQL driver, and the tools to test, lint, benchmark and
# document it (pyproject.toml's dependency groups; `--group` needs pip >= 25.1, hence the upgrade).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[postgres]' --group dev
	touch $(STAMP)

## demo: create the archive under events/, import the seed timeline, show it, export it
demo: $(STAMP)
	@test -f events/chronicle.db || $(BIN)/chronicle init . --name ecuador-security \
	  --description "Ecuador's security crisis under President Daniel Noboa, 2023–2025: what happened when, and who says so."
	$(BIN)/chronicle import seeds/ecuador.toml
	$(BIN)/chronicle show --since 2023
	$(BIN)/chronicle verify
	$(BIN)/chronicle export --format html
	$(BIN)/chronicle export --format ics
	$(BIN)/chronicle export --format csv

## test: lint, type-check and run the test suite
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

## docs: regenerate the CLI reference from the click commands, then build the manual (strict) into site/
docs: $(STAMP)
	$(BIN)/python docs/gen_cli.py
	$(BIN)/mkdocs build --strict

## bench: the benchmark suite (not part of `make test`); writes benchmarks/RESULTS.md
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/append_bench.py
	$(BIN)/python benchmarks/serve_bench.py

bench-quick: $(STAMP)
	$(BIN)/python benchmarks/run.py --quick
	$(BIN)/python benchmarks/append_bench.py --quick
	$(BIN)/python benchmarks/serve_bench.py --quick

## fuzz: every importer and the date grammar under hypothesis for FUZZ_SECONDS (default 60)
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/python -m tests.fuzz_targets

## mutate: mutation testing (mutmut) of the integrity checks, the date bounds, the CSV
## formula guard and the HTML escaping, each mutant against the fast tests that reach it
## (tests/test_mutants_*.py); prints the score by area (docs/mutation.md). MUTANTS (mutmut
## name patterns) defaults to the functions listed in tests/mutation_score.py.
MUTANTS ?= $(shell $(BIN)/python -m tests.mutation_score --patterns)
mutate: $(STAMP)
	rm -rf mutants  # a fresh run: mutmut keeps old verdicts when only the tests changed
	nice -n 10 $(BIN)/mutmut run --max-children 2 $(MUTANTS) || true
	$(BIN)/python -m tests.mutation_score

clean:
	rm -rf $(VENV) site events/chronicle.db* exports/*.html exports/*.ics exports/*.csv
