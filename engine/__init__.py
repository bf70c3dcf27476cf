"""kravkoll: checks hälsocentralers årsbokslut against a region's förfrågningsunderlag."""

__version__ = "0.1.0"
ENGINE_NAME = "kravkoll"
