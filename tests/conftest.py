import os

import pytest

from engine.model.library import load_library

from .support import RULEBOOKS


@pytest.fixture(scope="session")
def books():
    return load_library(RULEBOOKS)


# Determinism: a test marked `repeat(n)` runs n times in one process (with pytest-randomly, in
# shuffled order among the others), so that an answer that depends on what ran before shows up.
def pytest_configure(config):
    config.addinivalue_line("markers", "repeat(n): run the test n times in the same process")


def pytest_generate_tests(metafunc):
    marker = metafunc.definition.get_closest_marker("repeat")
    if marker is not None:
        metafunc.fixturenames.append("_repeat")
        metafunc.parametrize("_repeat", range(marker.args[0]), ids=lambda i: f"gang{i + 1}")


def pytest_terminal_summary(terminalreporter, config):
    """The test order's seed, also under -q (which hides pytest-randomly's header), so that a
    failure that depends on the order can be run again: pytest --randomly-seed=N."""
    seed = getattr(config.option, "randomly_seed", None)
    if isinstance(seed, int):
        terminalreporter.write_line(f"slumpad testordning: --randomly-seed={seed}")


# The library cache (engine/model/library_cache.py) is off for the suite, so that every test
# loads rulebooks as the code does and nothing is written outside the test's folders;
# tests/test_startup.py turns it on where it is what is tested.
os.environ.setdefault("KRAVKOLL_CACHE", "0")
