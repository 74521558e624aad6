"""platsim: simulate how digital platforms change territories."""

__version__ = "0.1.0"
