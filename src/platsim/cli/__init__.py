"""The ``platsim`` command line (:mod:`platsim.cli.app` builds it; one module per group of
commands). ``main`` is the console script's entry point."""

from platsim.cli.app import app, main

__all__ = ["app", "main"]
