"""Bundled scenario files (YAML). Listed by ``platsim scenarios``."""
