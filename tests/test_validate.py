"""The declarative argument checks of coursekit._validate: rules, the decorator and configuration
dataclasses. Every message names the argument and shows the bad value."""

import dataclasses
import inspect

import numpy as np
import pytest

from coursekit._validate import Integer, OneOf, Real, Rng, as_rng, check_distributions, check_fields, validate


@validate(init=OneOf("he", "xavier"), scale=Real(0, None, closed="neither"), n=Integer(2),
          p=Real(0, 1, closed="left"), rng=Rng(optional=True))
def layer(n, *, init="he", scale=1.0, p=0.5, rng=None):
    """A documented function."""
    return n, init, scale, p, rng


def test_rules_pass_good_values_converted():
    n, init, scale, p, rng = layer(np.int64(3), init="xavier", scale=2, p=0, rng=5)
    assert (n, init, scale, p) == (3, "xavier", 2.0, 0.0)
    assert type(n) is int and type(scale) is float
    assert isinstance(rng, np.random.Generator) and rng.random() == np.random.default_rng(5).random()
    assert layer(2) == (2, "he", 1.0, 0.5, None)              # defaults are trusted, not checked


@pytest.mark.parametrize("kwargs, error, message", [
    ({"init": "glorot"}, ValueError, "init must be one of 'he' or 'xavier'; got 'glorot'"),
    ({"init": ["he"]}, ValueError, "init must be one of 'he' or 'xavier'; got list"),
    ({"scale": 0}, ValueError, "scale must be > 0; got 0"),
    ({"scale": "big"}, TypeError, "scale must be a real number; got str"),
    ({"scale": float("nan")}, ValueError, "scale must be finite; got nan"),
    ({"p": 1.0}, ValueError, r"p must be in \[0, 1\); got 1"),
    ({"rng": -1}, ValueError, "rng must be a seed >= 0 or a numpy.random.Generator; got -1"),
    ({"rng": 1.5}, TypeError, r"rng must be a seed \(an int >= 0\) or a numpy.random.Generator"),
])
def test_rules_name_the_argument_and_the_bad_value(kwargs, error, message):
    with pytest.raises(error, match=message):
        layer(3, **kwargs)


def test_integers_and_options_are_strict_about_types():
    with pytest.raises(ValueError, match="n must be >= 2; got 1"):
        layer(1)
    with pytest.raises(TypeError, match="n must be an integer; got float"):
        layer(2.0)
    with pytest.raises(TypeError, match="n must be an integer; got bool"):
        layer(True)
    assert OneOf(None, "x")(None, "a") is None
    with pytest.raises(ValueError, match="a must be one of 1 or 2; got True"):
        OneOf(1, 2)(True, "a")                          # True == 1, but it is not the option 1
    assert Real(1, None)(1, "a") == 1.0
    with pytest.raises(ValueError, match="a must be > 1; got 1"):
        Real(1, None, closed="neither")(1, "a")


def test_the_decorator_keeps_the_signature_and_refuses_unknown_names():
    assert inspect.signature(layer) == inspect.signature(layer.__wrapped__)
    assert layer.__doc__ == "A documented function." and set(layer.__validate__) == {"init", "scale", "n", "p", "rng"}
    with pytest.raises(TypeError, match="has no parameter 'nmae'"):
        validate(nmae=Integer(1))(lambda n: n)
    with pytest.raises(TypeError, match="missing a required argument"):
        layer()


def test_configuration_dataclasses_use_the_same_rules():
    @dataclasses.dataclass(frozen=True)
    class Training:
        epochs: int
        eta: float = 0.1

        def __post_init__(self):
            check_fields(self, epochs=Integer(0), eta=Real(0, None, closed="neither"))

    assert Training(np.int32(3), 1) == Training(3, 1.0)
    with pytest.raises(ValueError, match="eta must be > 0; got -1"):
        Training(1, -1)


def test_as_rng_and_distributions():
    g = np.random.default_rng(0)
    assert as_rng(g) is g
    with pytest.raises(TypeError, match="got NoneType"):
        as_rng(None)
    check_distributions(np.array([[0.5, 0.5], [1.0, 0.0]]), name="W", what="outputs")
    with pytest.raises(ValueError, match=r"W must hold probabilities \(>= 0\); found -0.1 at \[1, 0\]"):
        check_distributions(np.array([[0.5, 0.5], [-0.1, 1.1]]), name="W", what="outputs")
    with pytest.raises(ValueError, match=r"each W\[1, :\] must be a probability distribution over outputs "
                                         r"\(summing to 1\); found one summing to 0.9"):
        check_distributions(np.array([[0.5, 0.5], [0.4, 0.5]]), name="W", what="outputs")
