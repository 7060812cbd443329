"""coursekit.glue writes what MyST-NB's glue writes, with or without MyST-NB installed."""

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow          # starts a kernel

CELLS = ["import numpy as np\nfrom coursekit.glue import glue\nglue('ratio', np.float64(0.123456), display=False)\n"
         "glue('n', 1425)"]


def _outputs(block_myst_nb: bool):
    src = ("import sys\nsys.modules['myst_nb'] = None\n" if block_myst_nb else "") + CELLS[0]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src)])
    NotebookClient(nb, timeout=60).execute()
    return nb.cells[0].outputs


def test_the_fallback_writes_the_same_outputs_as_myst_nb():
    with_myst, without = _outputs(False), _outputs(True)
    assert without == with_myst
    assert with_myst[0]["metadata"]["scrapbook"] == {"name": "ratio", "mime_prefix": "application/papermill.record/"}
    assert with_myst[0]["data"]["application/papermill.record/text/plain"] == "np.float64(0.123456)"
    assert with_myst[1]["data"]["text/plain"] == "1425"


def test_a_name_must_be_a_string():
    from coursekit.glue import glue
    with pytest.raises(TypeError, match="name"):
        glue(3, 1.0)
