"""Tsunagu's rules: pure Python, no framework imports.

Everything here is what a welfare officer could read aloud: who may see a case, which status may
follow which, which fiscal year a date is in, how a name is normalised for search.
See ``glossary.py`` for the Japanese terms behind the English names.
"""
