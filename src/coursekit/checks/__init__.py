"""Public checks, one file per prefix of the exercises' names (``checks/optim.py`` for ``optim.*``).

Each file calls :func:`coursekit.grading.register` for its exercises. A check named
``<prefix>.<exercise>`` (e.g. ``optim.sigmoid``) is found by importing ``checks/<prefix>.py`` on first
use. A prefix is usually the chapter's module; where a chapter's models were later split into several
modules the exercises keep their names, so ``checks/energy.py`` checks week 2's exercises against
``coursekit.hopfield`` and ``coursekit.rbm``, and ``checks/diffusion.py`` weeks 9 and 10's against
``coursekit.diffusion`` and ``coursekit.anomalous``.
"""
