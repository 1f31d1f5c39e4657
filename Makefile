# The two commands of the README:
#   make demo   set everything up, start Neo4j and run the demo investigation
#   make test   set everything up (with headless Chromium) and run the whole test suite
.PHONY: demo test unit setup lint

demo:
	bash scripts/setup.sh
	.venv/bin/cibgraph demo $(DEMO_ARGS)

test:
	bash scripts/setup.sh --browser
	.venv/bin/python -m pytest $(PYTEST_ARGS)

# the pure tests: no Neo4j, no browser, no sudo (tests/unit)
unit:
	bash scripts/setup.sh --python-only
	.venv/bin/python -m pytest tests/unit -m "not slow" $(PYTEST_ARGS)

setup:
	bash scripts/setup.sh

lint:
	.venv/bin/ruff check cibgraph tests bench
	.venv/bin/ruff format --check cibgraph tests bench
	.venv/bin/mypy cibgraph
