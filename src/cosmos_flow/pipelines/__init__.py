"""Kedro pipelines: thin wiring over the library, one folder per pipeline."""
