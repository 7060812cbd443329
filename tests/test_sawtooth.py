"""coursekit.sawtooth: the k-fold tent map has exactly 2^k linear pieces, a network of k layers of two
ReLUs computes it, and a one-hidden-layer network of n ReLUs never has more than n + 1 pieces."""

import numpy as np
import pytest

from coursekit import deep, sawtooth as st

GRID = np.linspace(0.0, 1.0, 2**12 + 1)


def test_tent_is_the_tent(rng):
    x = rng.random(1000)
    np.testing.assert_allclose(st.tent(x), 1 - np.abs(2 * x - 1), atol=1e-15)


@pytest.mark.parametrize("k", range(1, 9))
def test_k_tent_layers_make_two_to_the_k_pieces(k):
    net = st.tent_network(k)
    assert sum(W.shape[1] for W, _ in net[:-1]) == 2 * k                 # 2k hidden units in k layers
    y = deep.forward(net, GRID[:, None], "relu")[:, 0]
    np.testing.assert_allclose(y, st.sawtooth(GRID, k), atol=1e-12)
    assert st.count_pieces(GRID, y) == 2 ** k
    # the teeth: m^k is 0 at the even multiples of 2^−k and 1 at the odd ones
    j = np.arange(2 ** k + 1)
    np.testing.assert_allclose(st.sawtooth(j / 2 ** k, k), j % 2, atol=1e-12)


def test_count_pieces_with_kinks_between_grid_points(rng):
    x = np.r_[0.0, np.sort(rng.random(4000)), 1.0]
    assert st.count_pieces(x, st.sawtooth(x, 5)) == 32
    assert st.count_pieces(x, np.abs(x - 0.3) + 2 * np.maximum(x - 0.71, 0)) == 3
    assert st.count_pieces(x, 3 * x + 1) == 1


def test_one_hidden_layer_of_n_relus_has_at_most_n_plus_one_pieces(rng):
    x = np.linspace(-3, 3, 20001)
    for n in [1, 2, 5, 20]:
        for _ in range(20):
            W1, b1 = rng.normal(size=(1, n)), rng.normal(size=n)
            W2 = rng.normal(size=(n, 1))
            y = deep.forward([(W1, b1), (W2, np.zeros(1))], x[:, None], "relu")[:, 0]
            assert st.count_pieces(x, y, rtol=1e-9) <= n + 1


@pytest.mark.parametrize("k", [2, 3, 5])
def test_evenly_spaced_kinks_fit_exactly_only_from_two_to_the_k_units(k):
    assert st.uniform_knot_fit(k, 2 ** k).rms < 1e-10
    assert st.uniform_knot_fit(k, 2 ** k - 1).rms > 0.2


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="k"):
        st.tent_network(0)
    with pytest.raises(ValueError, match="increasing"):
        st.count_pieces([0, 2, 1], [0, 1, 2])
