"""A real tokenizer and tiny GPT-2 models for the toy language; `train_lm` for a quick run.

Everything is built locally (no model hub): the tokenizer is a `tokenizers`
WordLevel model wrapped as a ``PreTrainedTokenizerFast``, the models are
``GPT2LMHeadModel`` instances from a small ``GPT2Config``. ``save_pretrained`` /
``from_pretrained`` work on both as usual.
"""

from __future__ import annotations

import torch
from tokenizers import Tokenizer, models, pre_tokenizers, processors
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

from klcourse._checks import integer
from klcourse.lm import _args
from klcourse.lm.language import BOS, EOS, MAX_WORDS, PAD, VOCAB
from klcourse.reproducibility import check_seed

#: Longest encoded sentence: BOS + words + EOS.
MAX_LENGTH = MAX_WORDS + 2


def make_tokenizer() -> PreTrainedTokenizerFast:
    """A word-level tokenizer over ``klcourse.lm.language.VOCAB`` that adds BOS and EOS.

    Examples
    --------
    >>> tok = make_tokenizer()
    >>> tok("the cat sees a dog .")["input_ids"][:3] == [tok.bos_token_id, 3, 9]
    True
    """
    vocab = {token: i for i, token in enumerate(VOCAB)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token=PAD))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    core.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A {EOS}", special_tokens=[(BOS, vocab[BOS]), (EOS, vocab[EOS])]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token=BOS, eos_token=EOS, pad_token=PAD, unk_token=PAD
    )


def tiny_gpt2(
    n_embd: int = 64, n_layer: int = 2, n_head: int = 2, seed: int = 0
) -> GPT2LMHeadModel:
    """A GPT-2 language model sized for the toy vocabulary (about 100k parameters by default).

    ``n_embd``, ``n_layer`` and ``n_head`` are positive ints, ``n_embd`` a multiple of
    ``n_head``; ``seed`` (an int in ``[0, 2**32)``) sets the initial weights.
    """
    n_embd = integer(n_embd, "n_embd", minimum=1)
    n_layer = integer(n_layer, "n_layer", minimum=1)
    n_head = integer(n_head, "n_head", minimum=1)
    if n_embd % n_head:
        raise ValueError(
            f"n_embd must be a multiple of n_head, got n_embd={n_embd}, n_head={n_head}"
        )
    torch.manual_seed(check_seed(seed))
    tok = make_tokenizer()
    config = GPT2Config(
        vocab_size=len(VOCAB),
        n_positions=MAX_LENGTH,
        n_embd=n_embd,
        n_layer=n_layer,
        n_head=n_head,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
    )
    return GPT2LMHeadModel(config)


def encode(sentences: list[list[str]], tokenizer: PreTrainedTokenizerFast) -> dict:
    """Pad a batch of sentences; ``labels`` are -100 on padding so the loss ignores it.

    ``sentences`` is a non-empty list of lists of words of the toy vocabulary, each
    at most ``MAX_WORDS`` long (an unknown word is a ``ValueError``: the word-level
    tokenizer would read it as padding); ``tokenizer`` one from :func:`make_tokenizer`.
    """
    sentences = _args.sentences(sentences, "sentences")
    _args.instance(tokenizer, PreTrainedTokenizerFast, "tokenizer")
    batch = tokenizer([" ".join(s) for s in sentences], padding="max_length",
                      max_length=MAX_LENGTH, return_tensors="pt")  # fmt: skip
    labels = batch["input_ids"].clone()
    labels[batch["attention_mask"] == 0] = -100
    return {
        "input_ids": batch["input_ids"],
        "attention_mask": batch["attention_mask"],
        "labels": labels,
    }


def train_lm(
    model: GPT2LMHeadModel,
    sentences: list[list[str]],
    steps: int = 300,
    batch_size: int = 64,
    lr: float = 3e-3,
    seed: int = 0,
    progress: bool = True,
) -> list[float]:
    """Train with the usual next-token cross-entropy; returns the loss per step (nats/token).

    A fresh :class:`klcourse.lm.training.Trainer` for one run of ``steps`` steps; to
    train in several pieces (evaluating in between), keep a ``Trainer`` and call its
    ``train`` repeatedly, so that the optimiser's state carries over.

    Deterministic on one machine for a given seed: batches are drawn from a
    seeded generator and dropout is off in :func:`tiny_gpt2`. Another CPU can
    land on slightly different weights (floating-point rounding differs).

    ``progress=True`` shows a progress bar unless the environment sets
    ``TQDM_DISABLE=1`` (as ``make notebooks`` does, so that stored outputs and the
    HTML book hold no progress-bar text); ``progress=False`` never shows one.

    ``model`` is a torch module; ``sentences`` as for :func:`encode`; ``steps >= 0``
    and ``batch_size >= 1`` ints; ``lr`` a finite real > 0; ``seed`` an int in
    ``[0, 2**32)``; ``progress`` a bool.
    """
    from klcourse.lm.training import Trainer  # training builds on this module

    trainer = Trainer(model, sentences, batch_size=batch_size, lr=lr, seed=seed)
    return trainer.train(steps, progress=progress)
