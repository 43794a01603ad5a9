.PHONY: setup dev test lint bench clean

setup:
	@scripts/setup.sh

dev: setup
	uv run --frozen ruji dev

# two workers, a test file each (its module fixtures stay on one): much of the suite waits on
# servers, browsers and timers, so two cores do 29 min of it in ~16 (docs/decisions.md). Files go
# out in collection order, longest first (tests/conftest.py): xdist's own reorder, by number of
# tests, left the one-test files of a minute or two to the end
test: setup
	uv run --frozen pytest -n 2 --dist loadfile --no-loadscope-reorder

lint: setup
	uv run --frozen ruff check .
	uv run --frozen ruff format --check .
	uv run --frozen mypy  # strict, every package: [tool.mypy] in pyproject.toml

bench: setup
	uv run --frozen ruji bench all

clean:
	rm -rf var .pytest_cache
