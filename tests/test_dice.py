"""klcourse.dice: the dice, the sampler, and the exact test errors by brute force."""

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from klcourse import dice, kl_divergence


def test_dice_are_valid_and_read_only():
    assert dice.FAIR.sum() == pytest.approx(1.0) and dice.LOADED.sum() == pytest.approx(1.0)
    assert dice.LOADED[5] == 0.5 and np.all(dice.LOADED[:5] == 0.1)
    with pytest.raises(ValueError):
        dice.FAIR[0] = 0.5


def test_roll_is_seeded_and_matches_the_die():
    a, b = dice.roll(dice.LOADED, 1000, seed=3), dice.roll(dice.LOADED, 1000, seed=3)
    np.testing.assert_array_equal(a, b)
    rolls = dice.roll(dice.LOADED, 60_000, seed=0)
    counts = np.bincount(rolls - 1, minlength=6)
    # chi-square goodness of fit at a generous level: fails only if the sampler is wrong
    assert stats.chisquare(counts, 60_000 * dice.LOADED).pvalue > 1e-4


def test_frequencies_and_validation():
    np.testing.assert_allclose(dice.frequencies([1, 1, 6, 3]), [0.5, 0, 0.25, 0, 0, 0.25])
    with pytest.raises(ValueError, match=r"faces 1\.\.6"):
        dice.frequencies([0, 7])
    with pytest.raises(ValueError, match="6 face probabilities"):
        dice.roll([0.5, 0.5], 3)
    with pytest.raises(ValueError, match="n must be >= 0, got -1"):
        dice.roll(dice.FAIR, -1)


def brute_force_errors(n, alpha):
    """Enumerate all 6**n roll sequences; order them by likelihood ratio."""
    llr = np.log(dice.LOADED) - np.log(dice.FAIR)
    seqs = np.array(list(itertools.product(range(6), repeat=n)))
    seq_llr = llr[seqs].sum(axis=1)
    p_fair = np.prod(dice.FAIR[seqs], axis=1)
    p_loaded = np.prod(dice.LOADED[seqs], axis=1)
    levels = np.unique(np.round(seq_llr, 9))[::-1]  # distinct LLR values, most "loaded" first
    best = np.zeros(len(seqs), dtype=bool)  # the empty region: never say "loaded"
    for level in levels:
        say_loaded = seq_llr >= level - 1e-9
        if p_fair[say_loaded].sum() <= alpha:
            best = say_loaded
        else:
            break
    return p_fair[best].sum(), p_loaded[~best].sum()


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("alpha", [0.05, 0.2])
def test_stein_errors_match_enumeration(n, alpha):
    res = dice.stein_errors(n, alpha)
    a, b = brute_force_errors(n, alpha)
    assert res.alpha == pytest.approx(a, abs=1e-12)
    assert res.beta == pytest.approx(b, abs=1e-12)
    assert math.exp(res.log_beta) == pytest.approx(res.beta, rel=1e-9)


def test_stein_exponent_approaches_kl():
    d = kl_divergence(dice.FAIR, dice.LOADED)
    exponents = [-dice.stein_errors(n).log_beta / n for n in (100, 1000, 10_000)]
    gaps = [abs(e - d) for e in exponents]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 0.02


def test_stein_rejects_bad_arguments():
    with pytest.raises(ValueError):
        dice.stein_errors(0)
    with pytest.raises(ValueError):
        dice.stein_errors(10, alpha=1.5)


# --- edges and messages, exactly (found by mutation testing) ------------------------


def test_roll_and_frequencies_name_their_arguments():
    with pytest.raises(ValueError, match=r"^die sums to 1\.1, expected 1 within"):
        dice.roll([0.2] * 5 + [0.1], n=3)
    with pytest.raises(
        ValueError, match=r"^rolls must be a non-empty 1-D sequence of faces, got shape \(0,\)$"
    ):
        dice.frequencies([])
    with pytest.raises(ValueError, match=r"got shape \(1, 2\)$"):
        dice.frequencies([[1, 2]])
    with pytest.raises(
        ValueError, match=r"^rolls must contain only faces 1\.\.6, got \[0\.0, 1\.0, 7\.0\]$"
    ):
        dice.frequencies([1, 7, 0])
    np.testing.assert_array_equal(dice.frequencies([3]), [0, 0, 1, 0, 0, 0])
    np.testing.assert_array_equal(dice.frequencies([1, 1]), [1, 0, 0, 0, 0, 0])


def test_stein_errors_level_is_inclusive_and_alpha_is_open():
    # n = 1: the false-alarm rate of "say loaded on a six" is exactly 1/6
    assert dice.stein_errors(1, alpha=dice.FAIR[5]).threshold == 1
    assert dice.stein_errors(1, alpha=dice.FAIR[5] * (1 - 1e-12)).threshold == 2
    res = dice.stein_errors(1, alpha=0.01)  # never say loaded: beta = 1
    assert (res.threshold, res.alpha, res.beta, res.log_beta) == (2, 0.0, 1.0, 0.0)
    for bad in (0, 1, 0.0, 1.0, -0.5):
        with pytest.raises(ValueError, match=rf"^alpha must be in \(0, 1\), got {bad!r}$"):
            dice.stein_errors(10, alpha=bad)
