"""netkeep: a command-line network health tracker."""

__version__ = "0.1.0"
