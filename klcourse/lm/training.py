"""One training loop for the toy language models, and the losses the chapters train with.

A :class:`Trainer` holds the model, the training data (encoded sentences, or tensors),
a loss, an AdamW optimiser and a seeded batch generator. Calling
:meth:`Trainer.train` again continues where the last call stopped: the optimiser
keeps its moment estimates (a fresh optimiser every call restarts Adam's bias
correction, which shows as a spike in the loss), and the batches continue the same
random sequence.

A loss is a function ``loss(model, batch) -> scalar tensor``. For sentences of the toy
language, ``batch`` holds ``input_ids``, ``attention_mask`` and ``labels`` (as from
:func:`klcourse.lm.models.encode`); data given as tensors (such as the messages of
:mod:`klcourse.lm.topics`) is batched as it is.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import torch

from klcourse._checks import integer, real_number
from klcourse.lm import _args
from klcourse.lm.token_kl import token_kl
from klcourse.reproducibility import check_seed

with warnings.catch_warnings():  # tqdm warns when ipywidgets is missing and falls back to text
    warnings.simplefilter("ignore")
    from tqdm.auto import tqdm

Loss = Callable[[torch.nn.Module, dict], torch.Tensor]


def cross_entropy(model: torch.nn.Module, batch: dict) -> torch.Tensor:
    """The next-token cross-entropy on the batch (nats per token): D(data ‖ model)
    up to the data's entropy, the forward direction."""
    return model(**batch).loss


def _logits(model, batch):
    inputs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
    return model(**inputs).logits[:, :-1]


def _positions(batch):
    return batch["attention_mask"][:, 1:].bool()  # positions that predict a real token


def with_kl_penalty(reference: torch.nn.Module, beta: float) -> Loss:
    """Cross-entropy plus ``beta`` times the mean token KL D(model ‖ reference) over
    the batch's positions, each computed exactly over the vocabulary.

    ``reference`` is a frozen model (no gradient flows into it); ``beta`` a finite
    real >= 0.
    """
    _args.instance(reference, torch.nn.Module, "reference")
    b = real_number(beta, "beta")
    if not (math.isfinite(b) and b >= 0):
        raise ValueError(f"beta must be finite and >= 0, got {beta!r}")

    def loss(model, batch):
        out = model(**batch)
        with torch.no_grad():
            ref = _logits(reference, batch)
        kl = token_kl(out.logits[:, :-1], ref)[_positions(batch)].mean()
        return out.loss + b * kl

    return loss


def distillation(teacher: torch.nn.Module, direction: str) -> Loss:
    """Token-level distillation on the batch's (data) contexts: the mean over positions
    of D(teacher ‖ student) (``direction="forward"``) or D(student ‖ teacher)
    (``"reverse"``), each exact over the vocabulary."""
    _args.instance(teacher, torch.nn.Module, "teacher")
    if direction not in ("forward", "reverse"):
        raise ValueError(f"direction must be 'forward' or 'reverse', got {direction!r}")

    def loss(model, batch):
        with torch.no_grad():
            t = _logits(teacher, batch)
        s = _logits(model, batch)
        kl = token_kl(t, s) if direction == "forward" else token_kl(s, t)
        return kl[_positions(batch)].mean()

    return loss


def _batchable(data: object) -> dict[str, torch.Tensor]:
    """Sentences encoded with the toy tokenizer, or tensors checked to share a first axis."""
    if not isinstance(data, dict):
        from klcourse.lm.models import encode, make_tokenizer  # transformers: slow to import

        return encode(data, make_tokenizer())
    if not data or not all(isinstance(v, torch.Tensor) and v.ndim >= 1 for v in data.values()):
        raise TypeError(f"data as a dict must map names to tensors, got {data!r}")
    rows = {k: v.shape[0] for k, v in data.items()}
    if len(set(rows.values())) != 1 or 0 in rows.values():
        raise ValueError(f"data's tensors need the same, non-zero first dimension, got {rows}")
    return dict(data)


class Trainer:
    """AdamW on ``loss`` over minibatches of ``data``, resumable.

    Deterministic on one machine for a given seed (dropout is off in
    :func:`klcourse.lm.models.tiny_gpt2`); another CPU can land on slightly
    different weights, as floating-point rounding differs.

    Parameters
    ----------
    model : torch.nn.Module
        The model to train (in place).
    data : list of list of str, or dict of torch.Tensor
        Training sentences, as for :func:`klcourse.lm.models.encode`; or tensors with
        the same first dimension (one row per example), batched row-wise.
    loss : callable, optional
        ``loss(model, batch) -> scalar tensor``; by default :func:`cross_entropy`.
    batch_size : int
        Sentences per step, >= 1.
    lr : float
        Learning rate, finite and > 0.
    seed : int
        Seed of the batch draws, an int in ``[0, 2**32)``.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        data: list[list[str]] | dict[str, torch.Tensor],
        loss: Loss | None = None,
        batch_size: int = 64,
        lr: float = 3e-3,
        seed: int = 0,
    ) -> None:
        _args.instance(model, torch.nn.Module, "model")
        if loss is not None and not callable(loss):
            raise TypeError(f"loss must be a function (model, batch) -> tensor, got {loss!r}")
        self.batch_size = integer(batch_size, "batch_size", minimum=1)
        rate = real_number(lr, "lr")
        if not (rate > 0 and math.isfinite(rate)):
            raise ValueError(f"lr must be finite and > 0, got {lr!r}")
        self.model, self.loss = model, cross_entropy if loss is None else loss
        self.data = _batchable(data)
        self.generator = torch.Generator().manual_seed(check_seed(seed))
        self.optimiser = torch.optim.AdamW(model.parameters(), lr=rate, weight_decay=0.0)
        self.losses: list[float] = []

    def train(self, steps: int, progress: bool = True) -> list[float]:
        """Take ``steps`` optimiser steps (an int >= 0); returns their losses and
        appends them to ``self.losses``. The model is left in eval mode.

        ``progress=True`` shows a progress bar unless the environment sets
        ``TQDM_DISABLE=1`` (as ``make notebooks`` does); ``False`` never shows one.
        """
        steps = integer(steps, "steps", minimum=0)
        _args.instance(progress, bool, "progress")
        bar = {} if progress else {"disable": True}  # leave TQDM_DISABLE in charge when True
        self.model.train()
        out, size = [], next(iter(self.data.values())).shape[0]  # rows share it
        for _ in tqdm(range(steps), desc="training", **bar):
            idx = torch.randint(0, size, (self.batch_size,), generator=self.generator)
            loss = self.loss(self.model, {k: v[idx] for k, v in self.data.items()})
            self.optimiser.zero_grad()
            loss.backward()
            self.optimiser.step()
            out.append(loss.item())
        self.model.eval()
        self.losses += out
        return out
