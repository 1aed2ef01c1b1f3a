"""interx: a toolkit for two-person interaction motion built around Inter-X."""

__version__ = "0.1.0"
