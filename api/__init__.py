"""Tsunagu's shell: HTTP, persistence and tokens around the rules in ``domain``."""
