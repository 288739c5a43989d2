"""The shared matplotlib style: use_style applies every setting of klcourse.plotting."""

import matplotlib as mpl

from klcourse import plotting


def test_use_style_applies_the_whole_style():
    with mpl.rc_context():
        mpl.rcdefaults()
        plotting.use_style()
        for key, value in plotting._STYLE.items():
            got = mpl.rcParams[key]
            assert (list(got) if isinstance(value, tuple) else got) == (
                list(value) if isinstance(value, tuple) else value
            ), key
        assert mpl.rcParams["axes.spines.top"] is False
        assert mpl.rcParams["image.cmap"] == "viridis"
