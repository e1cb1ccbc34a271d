"""chronicle: an append-only, sourced timeline archive."""

__version__ = "0.1.0"
