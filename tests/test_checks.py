"""klcourse._checks, the boundary every public function shares: exact results and messages.

The messages are part of the contract (they name the argument and show the value),
so they are matched whole here.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from klcourse import _checks as c

F64 = float(np.finfo(float).eps)


def raises(error, message):
    return pytest.raises(error, match="^" + re.escape(message) + "$")


def test_shorten_keeps_short_reprs_and_cuts_long_ones():
    assert c.shorten("ab") == "'ab'"
    assert c.shorten(list(range(3))) == "[0, 1, 2]"
    text = c.shorten(list(range(100)))
    assert len(text) == 80 and text.endswith("...") and text.startswith("[0, 1, 2,")
    assert c.shorten("x" * 10, limit=8) == "'xxxx..."
    assert c.shorten("x" * 6, limit=8) == "'xxxxxx'"  # exactly at the limit: unchanged


@pytest.mark.parametrize(
    ("x", "message"),
    [
        ("0.5", "w must be real numbers, got '0.5'"),
        (b"1", "w must be real numbers, got b'1'"),
        (None, "w must be real numbers, got None"),
        ([[0.5], [0.5, 0.5]], "w must be an array of real numbers, got [[0.5], [0.5, 0.5]]"),
        ([True, 1.0], "w must be real numbers, got [True, 1.0]"),
        ([object()], None),
        (
            [torch.tensor([1.0, 2.0]), 1.0],  # a two-element tensor is not one number
            "w must be real numbers, got [tensor([1., 2.]), 1.0]",
        ),
        ([[False, 0.5], [0.5, 0.5]], "w must be real numbers, got [[False, 0.5], [0.5, 0.5]]"),
        ((0.5, True), "w must be real numbers, got (0.5, True)"),
        (np.array([True]), "w must be real numbers, got booleans: array([ True])"),
        (np.array([1j]), "w must be real numbers, got complex numbers: array([0.+1.j])"),
        (np.array(["a"]), "w must be real numbers, got strings: array(['a'], dtype='<U1')"),
        (np.array([b"a"]), "w must be real numbers, got bytes: array([b'a'], dtype='|S1')"),
        (np.array(["2020-01-01"], dtype="M8[D]"), None),
        (torch.tensor([1j]), "w must hold real numbers, got a tensor of dtype torch.complex64"),
        (torch.tensor([True]), "w must hold real numbers, got a tensor of dtype torch.bool"),
    ],
)
def test_real_array_rejects_what_is_not_real(x, message):
    with pytest.raises(TypeError) as info:
        c.real_array(x, "w")
    text = str(info.value)
    if message is None:
        assert text.startswith("w must be real numbers, got ")
    else:
        assert text == message


@pytest.mark.parametrize(
    ("x", "values", "eps"),
    [
        ([1, 2], [1.0, 2.0], 0.0),
        (np.array([1, 2], dtype=np.uint8), [1.0, 2.0], 0.0),
        (np.float32([0.5]), [0.5], float(np.finfo(np.float32).eps)),
        (np.float16([0.5]), [0.5], float(np.finfo(np.float16).eps)),
        ([0.25, 0.75], [0.25, 0.75], float(np.finfo(float).eps)),
        ([np.float32(0.5), torch.tensor(0.5), 1], [0.5, 0.5, 1.0], F64),
        (torch.tensor([0.5], dtype=torch.bfloat16, requires_grad=True), [0.5], 2.0**-7),
        (torch.tensor([3]), [3.0], 0.0),
        (np.array([], dtype=object), [], 0.0),
    ],
)
def test_real_array_reads_values_and_epsilon(x, values, eps):
    arr, got = c.real_array(x, "w")
    assert arr.dtype == np.float64 and arr.ravel().tolist() == values
    assert got == eps


def test_lists_holding_tensors_that_require_grad_are_read_for_their_values():
    t = torch.tensor(0.5, requires_grad=True)
    arr, eps = c.real_array([t, 1.0], "w")
    assert arr.tolist() == [0.5, 1.0] and eps == F64
    arr, _ = c.real_array([[t, torch.tensor([2.0], requires_grad=True)], [3, 4]], "w")
    assert arr.tolist() == [[0.5, 2.0], [3.0, 4.0]]
    objects = np.empty(2, dtype=object)
    objects[0], objects[1] = 1.0, t
    arr, _ = c.real_array(objects, "w")
    assert arr.tolist() == [1.0, 0.5]
    with pytest.raises(TypeError, match=r"^w must be an array of real numbers"):
        c.real_array([[t], [t, t]], "w")  # ragged
    with pytest.raises(TypeError, match=r"^w must be real numbers"):
        c.real_array([t, "a"], "w")


def test_real_array_keeps_the_shape_of_object_arrays():
    arr, _ = c.real_array([[torch.tensor(1.0), 2.0], [3, np.int8(4)]], "w")
    assert arr.shape == (2, 2) and arr.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_scalar_elements():
    assert c._scalar(np.float32(0.5)) == 0.5
    assert c._scalar(torch.tensor([[2.0]])) == 2.0
    for bad in (True, np.bool_(False), torch.tensor([1.0, 2.0]), "a", None):
        with pytest.raises(TypeError, match=r"^not a real number: "):
            c._scalar(bad)


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (True, "beta must be a real number, got the boolean True"),
        (np.bool_(False), "beta must be a real number, got the boolean np.False_"),
        ("1", "beta must be a real number, got '1'"),
        (b"1", "beta must be a real number, got b'1'"),
        (None, "beta must be a real number, got None"),
        ([1.0, 2.0], "beta must be a single real number, got shape (2,): [1.0, 2.0]"),
        (np.ones((1, 1)), "beta must be a single real number, got shape (1, 1): array([[1.]])"),
        (1j, "beta must be real numbers, got complex numbers: 1j"),
    ],
)
def test_real_number_messages(x, message):
    with raises(TypeError, message):
        c.real_number(x, "beta")


@pytest.mark.parametrize(
    "x", [0.5, np.float32(0.5), np.array(0.5), torch.tensor(0.5, requires_grad=True), 1]
)
def test_real_number_accepts_reals(x):
    out = c.real_number(x, "beta")
    assert type(out) is float and out == (1.0 if x == 1 else 0.5)


def test_integer():
    assert c.integer(3, "n") == 3 and type(c.integer(np.int16(3), "n")) is int
    assert c.integer(0, "n", minimum=0) == 0
    with raises(ValueError, "n must be >= 1, got 0"):
        c.integer(0, "n", minimum=1)
    with raises(TypeError, "n must be an integer, got 3.0 of type float"):
        c.integer(3.0, "n")
    with raises(TypeError, "n must be an integer, got True of type bool"):
        c.integer(True, "n")
    with raises(TypeError, "n must be an integer, got np.True_ of type bool"):
        c.integer(np.True_, "n")
    assert c.integer(-5, "n") == -5  # no minimum: any integer


def test_sum_tolerance_values():
    f32, f64 = float(np.finfo(np.float32).eps), float(np.finfo(np.float64).eps)
    assert c.sum_tolerance(f64, 10) == 1e-6
    assert c.sum_tolerance(0.0, 10**6) == 1e-6
    assert c.sum_tolerance(f32, 50_257) == pytest.approx(
        f32 + 4 * 50_257**0.5 * f32, rel=1e-15, abs=0
    )
    bf16 = 2.0**-7  # wider than float32: the normaliser's part uses float32's epsilon
    assert c.sum_tolerance(bf16, 100) == pytest.approx(bf16 + 40 * f32, rel=1e-15, abs=0)


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (0.5, ValueError, "p must be an array of probabilities, got the scalar 0.5"),
        ([], ValueError, "p is empty; a distribution needs at least one outcome"),
        (np.zeros((2, 0)), ValueError, "p is empty; a distribution needs at least one outcome"),
        ([0.5, np.nan], ValueError, "p contains NaN or inf: array([0.5, nan])"),
        ([0.5, np.inf], ValueError, "p contains NaN or inf: array([0.5, inf])"),
        ([1.5, -0.5], ValueError, "p has a negative entry (-0.5); probabilities must be >= 0"),
        (
            [0.5, 0.6],
            ValueError,
            "p sums to 1.1, expected 1 within 1e-06 "
            "(use klcourse.normalize to rescale weights explicitly)",
        ),
        (
            [[0.5, 0.5], [0.5, 0.4]],
            ValueError,
            "p sums to 0.9 (in at least one row), expected 1 within 1e-06 "
            "(use klcourse.normalize to rescale weights explicitly)",
        ),
        (
            [1e308, 1e308],
            ValueError,
            "p sums to inf, expected 1 within 1e-06 "
            "(use klcourse.normalize to rescale weights explicitly)",
        ),
    ],
)
def test_as_distribution_messages(x, error, message):
    with raises(error, message):
        c.as_distribution(x)


def test_as_distribution_tolerance_edges():
    assert c.as_distribution([0.5, 0.5 + 0.9e-6]).tolist() == [0.5, 0.5 + 0.9e-6]
    with pytest.raises(ValueError, match=r"sums to 1\.0000011"):
        c.as_distribution([0.5, 0.5 + 1.1e-6])
    assert c.as_distribution([1.0, 0.0]).tolist() == [1.0, 0.0]  # zeros are probabilities
    assert c.as_distribution([[1.0], [1.0]]).shape == (2, 1)
    assert c.as_distribution([0.5, 0.5], name="q").tolist() == [0.5, 0.5]


def test_as_pair():
    p, q = c.as_pair([[0.5, 0.5]] * 3, [0.25, 0.75])
    assert p.shape == (3, 2) and q.tolist() == [0.25, 0.75]
    with raises(ValueError, "p has 2 outcomes but q has 3 (shapes (2,) and (3,))"):
        c.as_pair([0.5, 0.5], [0.2, 0.3, 0.5])
    with raises(ValueError, "p and q have batch shapes that do not broadcast: (2, 2) and (3, 2)"):
        c.as_pair([[0.5, 0.5]] * 2, [[0.5, 0.5]] * 3)
    with pytest.raises(ValueError, match=r"^q sums"):
        c.as_pair([0.5, 0.5], [0.5, 0.6])


def test_log_base():
    assert c.log_base(None) == 1.0
    assert c.log_base(2) == pytest.approx(0.6931471805599453, rel=1e-15, abs=0)
    assert c.log_base(np.e) == pytest.approx(1.0, rel=1e-15, abs=0)
    assert c.log_base(0.5) == pytest.approx(-0.6931471805599453, rel=1e-15, abs=0)
    for bad in (1, 1.0, 0, -2, np.inf, np.nan):
        with raises(ValueError, f"base must be finite, positive and not 1, got {bad!r}"):
            c.log_base(bad)
    with raises(TypeError, "base must be a real number, got 'two'"):
        c.log_base("two")


def test_positive_and_finite():
    assert c.positive([1e-300, 2.0], "s").tolist() == [1e-300, 2.0]
    for bad in ([0.0], [-1.0], [np.inf], [np.nan]):
        with raises(ValueError, f"s must be finite and > 0, got {c.shorten(np.array(bad))}"):
            c.positive(bad, "s")
    assert c.finite([-1e300, 0.0], "m").tolist() == [-1e300, 0.0]
    for bad in ([np.inf], [-np.inf], [np.nan]):
        with raises(ValueError, f"m must be finite, got {c.shorten(np.array(bad))}"):
            c.finite(bad, "m")


def test_scalar_or_array():
    out = c.scalar_or_array(np.float64(2.5))
    assert type(out) is float and out == 2.5
    assert type(c.scalar_or_array(np.array(2.5))) is float
    arr = np.array([1.0])
    assert c.scalar_or_array(arr) is arr


# --- boundaries pinned down by mutation testing -------------------------------------


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 3)])
def test_empty_arrays_are_rejected_whatever_axis_is_empty(shape):
    with pytest.raises(ValueError, match=r"^p is empty"):
        c.as_distribution(np.zeros(shape))


def test_entries_near_the_float_maximum_are_an_error_not_a_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the sum overflows to inf: no RuntimeWarning
        with pytest.raises(ValueError, match=r"^q sums to inf, expected 1"):
            c.as_distribution([1e308, 1e308], "q")


def test_default_names_in_messages():
    import klcourse as kc

    with pytest.raises(ValueError, match=r"^p contains NaN"):
        kc.entropy([np.nan, 1.0])
    with pytest.raises(ValueError, match=r"^p contains NaN"):
        kc.kl_divergence([np.nan, 1.0], [0.5, 0.5])
    with pytest.raises(ValueError, match=r"^q contains NaN"):
        kc.kl_divergence([0.5, 0.5], [np.nan, 1.0])


def test_kinds_numpy_has_no_word_for_are_named_by_dtype():
    with pytest.raises(TypeError, match=r"^p must be real numbers, got datetime64\[D\]: "):
        c.real_array(np.array(["2020-01-01"], dtype="datetime64[D]"), "p")
    with pytest.raises(TypeError, match=r"^p must be real numbers, got strings"):
        c.as_distribution(np.array([], dtype=str))  # empty, but of strings: the kind counts


def test_nested_lists_with_a_bad_element_show_the_value():
    with pytest.raises(TypeError, match=r"^p must be real numbers, got \[\[0\.5, None\]\]"):
        c.as_distribution([[0.5, None]])
    with pytest.raises(TypeError, match=r"^p must be an array of real numbers, got \[\[0\.5\], "):
        c.as_distribution([[0.5], [0.25, torch.tensor(0.25)]])  # ragged


def test_an_object_numpy_cannot_read_is_a_type_error_with_the_cause_kept():
    class Unreadable:
        def __array__(self, *args, **kwargs):
            raise ValueError("no array here")

        def __repr__(self):
            return "Unreadable()"

    message = r"^q must be an array of real numbers, got Unreadable"
    with pytest.raises(TypeError, match=message) as err:
        c.as_distribution(Unreadable(), "q")
    assert isinstance(err.value.__cause__, ValueError)
