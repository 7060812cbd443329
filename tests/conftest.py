import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def rng():
    """A fresh, seeded generator for each test: same seed, same numbers."""
    return np.random.default_rng(20261121)
