"""train_seed (the stand-in for another machine), claim (checks of training runs), show."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from klcourse import claim, set_seed, train_seed
from klcourse.claims import ClaimError
from klcourse.formatting import show


@pytest.fixture
def no_shift(monkeypatch):
    monkeypatch.delenv("KLCOURSE_TRAIN_SEED", raising=False)


@pytest.mark.parametrize("value", [None, "", "0", " 0 "])
def test_train_seed_is_the_book_seed_without_a_shift(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("KLCOURSE_TRAIN_SEED", raising=False)
    else:
        monkeypatch.setenv("KLCOURSE_TRAIN_SEED", value)
    assert [train_seed(s) for s in (0, 1, 10, 2**32 - 1)] == [0, 1, 10, 2**32 - 1]


@pytest.mark.parametrize("shift", ["1", "2", "17"])
def test_a_shift_changes_every_seed_and_keeps_them_distinct(monkeypatch, shift):
    monkeypatch.setenv("KLCOURSE_TRAIN_SEED", shift)
    seeds = [train_seed(s) for s in range(1000)]
    assert len(set(seeds)) == 1000
    assert all(new != old for old, new in enumerate(seeds))
    assert all(0 <= s < 2**32 for s in seeds)
    assert seeds == [train_seed(s) for s in range(1000)]  # a function of (seed, shift)


def test_different_shifts_give_different_seeds(monkeypatch):
    monkeypatch.setenv("KLCOURSE_TRAIN_SEED", "1")
    one = [train_seed(s) for s in range(50)]
    monkeypatch.setenv("KLCOURSE_TRAIN_SEED", "2")
    two = [train_seed(s) for s in range(50)]
    assert not set(one) & set(two)


@pytest.mark.parametrize("value", ["-1", "1.5", "abc", "0x1"])
def test_a_bad_variable_is_named_in_the_error(monkeypatch, value):
    monkeypatch.setenv("KLCOURSE_TRAIN_SEED", value)
    with pytest.raises(ValueError, match=f"KLCOURSE_TRAIN_SEED.*{value!r}"):
        train_seed(0)


@pytest.mark.parametrize(
    ("seed", "error"),
    [(True, TypeError), (1.0, TypeError), ("1", TypeError), (-1, ValueError), (2**32, ValueError)],
)
def test_bad_seeds_are_rejected(no_shift, seed, error):
    with pytest.raises(error, match="seed"):
        train_seed(seed)


def test_numpy_integer_seeds_are_accepted(no_shift):
    assert train_seed(np.int64(5)) == 5


def test_set_seed_reproduces_numpy_draws():
    assert set_seed(3).random() == set_seed(3).random()


def test_a_claim_that_holds_is_silent(monkeypatch, capsys):
    for strict in ("0", "1"):
        monkeypatch.setenv("KLCOURSE_STRICT_CLAIMS", strict)
        claim("one is less than two", 1 < 2)
        claim("numpy booleans count", np.float64(1.0) < 2)
    assert capsys.readouterr().out == ""


def test_a_failed_claim_raises_in_strict_mode(monkeypatch):
    monkeypatch.setenv("KLCOURSE_STRICT_CLAIMS", "1")
    with pytest.raises(ClaimError, match=r"the loss fell \(0.9 vs 0.8\)"):
        claim("the loss fell", False, "0.9 vs 0.8")


def test_a_failed_claim_prints_a_note_for_readers(monkeypatch, capsys):
    monkeypatch.delenv("KLCOURSE_STRICT_CLAIMS", raising=False)
    claim("the loss fell", False, "0.9 vs 0.8")
    out = capsys.readouterr().out
    assert out.startswith('Note: on this run, the claim "the loss fell" does not hold (0.9 vs 0.8)')


def test_claim_accepts_boolean_scalars_of_numpy_and_torch(monkeypatch):
    import torch

    monkeypatch.setenv("KLCOURSE_STRICT_CLAIMS", "1")
    claim("0-d tensor", torch.tensor(1.0) > 0)
    claim("0-d array", np.array(True))
    with pytest.raises(ClaimError):
        claim("0-d tensor", torch.isinf(torch.tensor(1.0)))


@pytest.mark.parametrize(
    ("statement", "holds"),
    [(1, True), ("s", 1), ("s", None), ("s", "yes"), ("s", np.array([True, True]))],
)
def test_claim_rejects_non_boolean_input(statement, holds):
    with pytest.raises(TypeError):
        claim(statement, holds)


@pytest.mark.parametrize(
    ("x", "spec", "text"),
    [
        (0.25, ".4f", "0.2500"),
        (-1e-18, ".4f", "< 1e-12"),
        (2.78e-17, ".2e", "< 1e-12"),
        (0.0, ".4f", "< 1e-12"),
        (1e-12, ".2e", "1.00e-12"),
        (math.inf, ".4f", "inf"),
        (-math.inf, ".4f", "-inf"),
        (math.nan, ".4f", "nan"),
        (np.float32(0.5), ".2f", "0.50"),
    ],
)
def test_show(x, spec, text):
    assert show(x, spec) == text


def test_show_defaults():
    assert show(0.25) == "0.2500" and show(math.inf) == "inf" and show(1e-13) == "< 1e-12"


def test_show_with_another_floor():
    assert show(1e-7, ".1e", floor=1e-6) == "< 1e-6"
    assert show(2e-6, ".1e", floor=1e-6) == "2.0e-06"


@pytest.mark.parametrize(("x", "floor"), [("0.1", 1e-12), (True, 1e-12), (0.1, 0), (0.1, -1)])
def test_show_rejects_bad_input(x, floor):
    with pytest.raises((TypeError, ValueError)):
        show(x, ".4f", floor=floor)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_show_never_prints_noise(x):
    text = show(x, ".3e")
    assert text == "< 1e-12" or (abs(x) >= 1e-12 and text == format(x, ".3e"))


# --- exact behaviour and messages (each pins down a line mutation testing found loose) ---


def test_set_seed_seeds_every_generator_and_defaults_to_zero():
    import random

    import torch

    set_seed()
    first = (random.random(), np.random.random(), torch.rand(1).item())  # noqa: NPY002
    fresh = set_seed(0).random()
    again = (random.random(), np.random.random(), torch.rand(1).item())  # noqa: NPY002
    assert first == again
    assert fresh == np.random.default_rng(0).random()
    set_seed(1)
    assert random.random() != first[0]


def test_rng_from_reuses_a_generator_and_validates_seeds():
    from klcourse.reproducibility import rng_from

    g = np.random.default_rng(7)
    assert rng_from(g) is g
    assert rng_from(5).random() == np.random.default_rng(5).random()
    assert isinstance(rng_from(None), np.random.Generator)
    with pytest.raises(ValueError, match=r"^seed must be in \[0, 2\*\*32\), got -1$"):
        rng_from(-1)


def test_a_shifted_seed_is_the_first_word_of_a_seed_sequence(monkeypatch):
    monkeypatch.setenv("KLCOURSE_TRAIN_SEED", "1")
    state = np.random.SeedSequence([3, 1]).generate_state(1)
    assert train_seed(3) == int(state[0]) and type(train_seed(3)) is int


def test_claim_messages(monkeypatch, capsys):
    monkeypatch.setenv("KLCOURSE_STRICT_CLAIMS", "1")
    with pytest.raises(ClaimError, match=r"^the loss fell$"):
        claim("the loss fell", False)  # no detail: no parentheses
    monkeypatch.delenv("KLCOURSE_STRICT_CLAIMS")
    claim("the loss fell", False)
    assert capsys.readouterr().out == (
        'Note: on this run, the claim "the loss fell" does not hold. Training results '
        "differ a little between machines and seeds; the text describes the usual outcome. "
        "Please report it if it happens every time.\n"
    )
    with pytest.raises(TypeError, match=r"^statement must be a str, got 1$"):
        claim(1, True)
    with pytest.raises(TypeError, match=r"^holds must be a boolean, got 1 of type int$"):
        claim("s", 1)
    monkeypatch.setenv("KLCOURSE_STRICT_CLAIMS", "yes")  # only "1" is strict
    claim("s", False)
    assert capsys.readouterr().out.startswith('Note: on this run, the claim "s"')


def test_show_messages_and_defaults():
    assert show(0.123456) == "0.1235"
    assert show(1e-13) == "< 1e-12"
    assert show(1e-13, ".2f", floor=1e20) == "< 1e+20"
    assert show(1e-13, ".2f", floor=1e-5) == "< 1e-5"
    with pytest.raises(TypeError, match=r"^x must be a real number, got '0\.1' of type str$"):
        show("0.1")
    with pytest.raises(TypeError, match=r"^spec must be a format string, got 4$"):
        show(0.1, 4)
    with pytest.raises(ValueError, match=r"^floor must be a positive number, got 0$"):
        show(0.1, floor=0)


def test_show_trims_the_exponent_of_a_large_floor():
    assert show(1.0, floor=1e5) == "< 1e+5"
    assert show(1e-3, floor=1e-2) == "< 1e-2"
