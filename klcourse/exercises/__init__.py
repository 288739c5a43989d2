"""Auto-checks for the exercises, one module per chapter.

>>> from klcourse.exercises import ch1
>>> ch1.q1.check(0.0)
Not yet: your value is too small.
"""

from klcourse.exercises import ch1, ch2, ch3, ch4, ch5, ch6, ch7, ch8, ch9, ch10
from klcourse.exercises._question import Question

__all__ = [
    "Question",
    "ch1",
    "ch2",
    "ch3",
    "ch4",
    "ch5",
    "ch6",
    "ch7",
    "ch8",
    "ch9",
    "ch10",
]
