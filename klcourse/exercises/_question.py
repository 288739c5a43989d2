"""Auto-checks for exercises: say what is wrong without printing the answer."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from klcourse._checks import real_array

_LN2 = math.log(2)


class Question:
    """One exercise answer that a reader can check.

    The expected value is computed lazily by ``solve`` (from klcourse itself),
    so nothing is typed in twice; it is never printed.

    Parameters
    ----------
    solve : callable
        Returns the expected answer: a number or an array.
    hint : str
        Printed by :meth:`hint`.
    rtol, atol : float
        Tolerances for accepting an answer.
    unit : str
        "nats", "bits" or "" — used to spot a unit mix-up.
    mistakes : list of tuple
        Pairs ``(wrong, message)``: known wrong answers and what to say when one is
        given. Each callable ``wrong`` returns
        the value of a typical mistake (for instance the divergence with its arguments
        swapped), computed like ``solve``; the message names the mistake, not the answer.

    Examples
    --------
    >>> q = Question(lambda: math.log(6), hint="Uniform over six faces.", unit="nats")
    >>> q.check(1.7918)
    Correct!
    >>> q.check(math.log2(6))
    Not yet: your value looks like bits; this question asks for nats (natural log).
    >>> q.is_correct(1.7)
    False
    >>> kl = Question(
    ...     lambda: 0.2426, hint="", mistakes=[(lambda: 0.2939, "that is D(q‖p).")]
    ... )
    >>> kl.check(0.2939)
    Not yet: that is D(q‖p).
    """

    def __init__(
        self,
        solve: Callable[[], object],
        hint: str,
        *,
        rtol: float = 1e-3,
        atol: float = 1e-4,
        unit: str = "",
        mistakes: Sequence[tuple[Callable[[], object], str]] = (),
    ) -> None:
        self._solve = solve
        self._hint = hint
        self.rtol = rtol
        self.atol = atol
        self.unit = unit
        self.mistakes = tuple(mistakes)

    def _expected(self) -> np.ndarray:
        return np.asarray(self._solve(), dtype=float)

    def _close(self, got: np.ndarray, want: np.ndarray) -> bool:
        return bool(np.allclose(got, want, rtol=self.rtol, atol=self.atol))

    def diagnose(self, answer: object) -> str | None:
        """Return ``None`` if ``answer`` is right, else a message that does not reveal it."""
        want = self._expected()
        try:  # Python and NumPy reals, lists, arrays, tensors; not str, bool or complex
            got, _ = real_array(answer, "answer")
        except TypeError:
            return (
                "Not yet: expected a real number or an array of real numbers, got "
                f"{type(answer).__name__} {answer!r:.40}."
            )
        if got.shape != want.shape:
            if want.ndim == 0:
                return f"Not yet: expected a single number, got an array of shape {got.shape}."
            return f"Not yet: expected an array of shape {want.shape}, got shape {got.shape}."
        if np.any(np.isnan(got)):
            return "Not yet: your answer contains NaN. Look for 0 * log(0) or 0 / 0."
        if self._close(got, want):
            return None
        for wrong, message in self.mistakes:
            value = np.asarray(wrong(), dtype=float)
            if value.shape == want.shape and not self._close(value, want):
                if self._close(got, value):
                    return f"Not yet: {message}"
        if self.unit == "nats" and self._close(got * _LN2, want):
            return "Not yet: your value looks like bits; this question asks for nats (natural log)."
        if self.unit == "bits" and self._close(got / _LN2, want):
            return "Not yet: your value looks like nats; this question asks for bits (log base 2)."
        if want.ndim == 0 and self._close(-got, want) and float(want) != 0:
            return "Not yet: the sign is flipped."
        if want.ndim == 0:
            if np.isinf(want) and not np.isinf(got):
                return "Not yet: check whether the true value is finite at all."
            direction = "large" if got > want else "small"
            return f"Not yet: your value is too {direction}."
        wrong = int(np.sum(~np.isclose(got, want, rtol=self.rtol, atol=self.atol)))
        return f"Not yet: {wrong} of {want.size} entries are off."

    def is_correct(self, answer: object) -> bool:
        """True if ``answer`` is accepted."""
        return self.diagnose(answer) is None

    def check(self, answer: object) -> None:
        """Print "Correct!" or what is off (never the answer itself)."""
        message = self.diagnose(answer)
        print("Correct!" if message is None else message)

    def hint(self) -> None:
        """Print a hint."""
        print(self._hint)
