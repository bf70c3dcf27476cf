import pytest

from engine.model.library import load_library

from .support import RULEBOOKS


@pytest.fixture(scope="session")
def books():
    return load_library(RULEBOOKS)
