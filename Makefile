.PHONY: setup dev test lint bench clean

setup:
	@scripts/setup.sh

dev: setup
	uv run --frozen ruji dev

test: setup
	uv run --frozen pytest

lint: setup
	uv run --frozen ruff check .
	uv run --frozen ruff format --check .
	uv run --frozen mypy  # strict, every package: [tool.mypy] in pyproject.toml

bench: setup
	uv run --frozen ruji bench all

clean:
	rm -rf var .pytest_cache
