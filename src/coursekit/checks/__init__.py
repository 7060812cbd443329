"""Public checks, one module per chapter module (``checks/optim.py`` for ``coursekit.optim``).

Each module calls :func:`coursekit.grading.register` for its exercises; the registry imports them
all on first use. Names are ``<module>.<exercise>``, e.g. ``optim.sigmoid``.
"""
