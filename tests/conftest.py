import pytest

from engine.model.library import load_library

from .support import RULEBOOKS


@pytest.fixture(scope="session")
def books():
    return load_library(RULEBOOKS)


def pytest_terminal_summary(terminalreporter, config):
    """The test order's seed, also under -q (which hides pytest-randomly's header), so that a
    failure that depends on the order can be run again: pytest --randomly-seed=N."""
    seed = getattr(config.option, "randomly_seed", None)
    if isinstance(seed, int):
        terminalreporter.write_line(f"slumpad testordning: --randomly-seed={seed}")
