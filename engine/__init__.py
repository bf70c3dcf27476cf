"""kravkoll: checks hälsocentralers årsbokslut against a region's förfrågningsunderlag."""

__version__ = "0.1.0"
ENGINE_NAME = "kravkoll"


def identity() -> dict:
    """The engine as every machine-readable output names it."""
    return {"name": ENGINE_NAME, "version": __version__}
