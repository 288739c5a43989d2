"""The check that keeps the 'training' tags honest (used by conftest.py under nbval)."""

import nbformat
import pytest

from tests.training_cells import TRAINING_TAG, comparable, declared_but_unchanged, seed_shifted


def cell(tags, text):
    c = nbformat.v4.new_code_cell("print(x)", metadata={"tags": tags})
    c.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    return c


def fresh(*texts):
    return [nbformat.v4.new_output("stream", name="stdout", text=t) for t in texts]


def test_a_training_cell_whose_output_did_not_change_is_caught():
    assert declared_but_unchanged(cell([TRAINING_TAG], "loss 0.95\n"), fresh("loss 0.95\n"))
    # split prints compare as one block, as nbval compares them
    assert declared_but_unchanged(cell([TRAINING_TAG], "a\nb\n"), fresh("a\n", "b\n"))


def test_a_training_cell_whose_output_changed_passes():
    assert not declared_but_unchanged(cell([TRAINING_TAG], "loss 0.95\n"), fresh("loss 0.96\n"))


def test_untagged_cells_are_left_to_nbval():
    assert not declared_but_unchanged(cell(["hide-input"], "x\n"), fresh("x\n"))


def test_images_count_as_output():
    c = nbformat.v4.new_code_cell("plot()", metadata={"tags": [TRAINING_TAG]})
    c.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "AAA"})]
    new = [nbformat.v4.new_output("display_data", data={"image/png": "BBB"})]
    assert not declared_but_unchanged(c, new)
    assert comparable(c.outputs) != comparable(new)


@pytest.mark.parametrize(
    ("value", "shifted"), [(None, False), ("", False), ("0", False), ("1", True)]
)
def test_seed_shifted(monkeypatch, value, shifted):
    if value is None:
        monkeypatch.delenv("KLCOURSE_TRAIN_SEED", raising=False)
    else:
        monkeypatch.setenv("KLCOURSE_TRAIN_SEED", value)
    assert seed_shifted() is shifted
