"""Authentication: tokens (python-jose lives only in ``tokens``), passwords, the principal."""
