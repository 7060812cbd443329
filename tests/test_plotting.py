"""The shared figure helpers."""

import numpy as np
import pytest
from matplotlib import animation

from coursekit import plotting


def test_beside_paper_escapes_html_and_keeps_every_row():
    table = plotting.beside_paper([("error < 1e-4", "0.95%", "1.8%"), ("a & b", "1", "2")], title="T")
    html = table._repr_html_()
    assert "error &lt; 1e-4" in html and "a &amp; b" in html and html.count("<tr>") == 3
    assert table._repr_markdown_().splitlines()[2] == "| error < 1e-4 | 0.95% | 1.8% |"
    assert repr(table).splitlines()[0].split() == ["T", "the", "paper", "(where)", "here"]
    with pytest.raises(ValueError, match="quantity, paper, here"):
        plotting.beside_paper([("only two", "cells")])
    with pytest.raises(ValueError, match="rows of \\[3, 4\\] cells"):
        plotting.beside_paper([("a", "b", "c"), ("a", "b", "c", "d")])


def test_beside_paper_has_a_column_for_the_courses_own_target():
    table = plotting.beside_paper([("Amari index", "< 0.05 (Fig. 3)", "0.002", "< 0.01 (ours)")], title="ICA")
    html = table._repr_html_()
    assert html.count("<th ") == 4 and "ours: target and tolerance" in html and 'class="col-target"' in html
    assert table._repr_markdown_().splitlines()[1] == "|---|---|---|---|"


def test_animation_html_needs_no_internet():
    fig, ax = plotting.figure()
    line, = ax.plot([0, 1], [0, 1])
    anim = animation.FuncAnimation(fig, lambda i: [line], frames=3)
    html = plotting.animation_html(anim, dpi=20).data
    assert "https://" not in html and "http://" not in html and "font-awesome" not in html
    assert "fa fa-" not in html and "▶" in html


def test_image_grid_rejects_a_flat_stack():
    with pytest.raises(ValueError, match="3-D"):
        plotting.image_grid(np.zeros((4, 64)))
