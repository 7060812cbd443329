"""Public checks, one module per chapter module (``checks/optim.py`` for ``coursekit.optim``).

Each module calls :func:`coursekit.grading.register` for its exercises. A check named
``<module>.<exercise>`` (e.g. ``optim.sigmoid``) is found by importing ``checks/<module>.py`` on first use.
"""
