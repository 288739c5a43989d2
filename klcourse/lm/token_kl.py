"""Per-position KL between two sets of next-token logits, in bounded memory.

``token_kl(p_logits, q_logits)`` returns KL(softmax(p) ‖ softmax(q)) for every
position. The naive computation materialises several ``N × V`` float tensors
(two log-softmaxes, their difference, the product); with a 32k vocabulary and a
few thousand positions that is hundreds of MB. Here rows are processed in chunks,
in the forward *and* the backward pass (a custom autograd function recomputes each
chunk's softmax instead of storing it), so the extra memory is O(chunk × V).
"""

from __future__ import annotations

import torch

DEFAULT_CHUNK = 256


def _chunk_parts(a: torch.Tensor, b: torch.Tensor):
    """For rows of logits a, b: log softmax(b), p = softmax(a), and the masked log-ratio.

    Computed in float32 or wider. The log-ratio log p - log q is set to 0 where p = 0
    (masked in p: contributes nothing whatever q is); where p > 0 and q is masked it
    is +inf, so the KL ``(p * diff).sum(-1)`` is exactly inf there.
    """
    dtype = torch.promote_types(a.dtype, torch.float32)
    log_p = torch.log_softmax(a.to(dtype), dim=-1)
    log_q = torch.log_softmax(b.to(dtype), dim=-1)
    p = log_p.exp()
    diff = torch.where(p > 0, log_p - log_q, torch.zeros((), dtype=dtype))
    return log_q, p, diff


def _chunk_kl(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """KL(softmax(a) || softmax(b)) per row."""
    _, p, diff = _chunk_parts(a, b)
    return (p * diff).sum(-1)


class _TokenKL(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b, chunk):
        ctx.save_for_backward(a, b)
        ctx.chunk = chunk
        out = [_chunk_kl(a[i : i + chunk], b[i : i + chunk]) for i in range(0, a.shape[0], chunk)]
        return (
            torch.cat(out)
            if out
            else a.new_zeros(0, dtype=torch.promote_types(a.dtype, torch.float32))
        )

    @staticmethod
    def backward(ctx, grad_out):
        a, b = ctx.saved_tensors
        chunk = ctx.chunk
        grad_a = torch.empty_like(a) if ctx.needs_input_grad[0] else None
        grad_b = torch.empty_like(b) if ctx.needs_input_grad[1] else None
        for i in range(0, a.shape[0], chunk):
            sl = slice(i, i + chunk)
            log_q, p, diff = _chunk_parts(a[sl], b[sl])
            g = grad_out[sl].to(p.dtype)[:, None]
            if grad_b is not None:  # d KL / d b = softmax(b) - softmax(a)
                grad_b[sl] = (g * (log_q.exp() - p)).to(b.dtype)
            if grad_a is not None:  # d KL / d a = p * (log p - log q - KL)
                kl = (p * diff).sum(-1, keepdim=True)
                grad_a[sl] = (g * p * (diff - kl)).to(a.dtype)
        return grad_a, grad_b, None


def token_kl(
    p_logits: torch.Tensor, q_logits: torch.Tensor, chunk_size: int | None = None
) -> torch.Tensor:
    r"""Per-position KL(softmax(p_logits) ‖ softmax(q_logits)) over the last (vocabulary) axis.

    .. math:: D_{KL}(P_t \,\|\, Q_t) = \sum_v P_t(v) \big(\log P_t(v) - \log Q_t(v)\big),
       \quad P_t = \mathrm{softmax}(p_t),\; Q_t = \mathrm{softmax}(q_t)

    Parameters
    ----------
    p_logits, q_logits : torch.Tensor
        Logits of the same shape ``(..., V)``; fp16/bf16 inputs are accumulated in
        float32. ``-inf`` logits mask tokens exactly: a token masked in both
        contributes 0; a token with mass under p but masked in q gives ``inf``.
    chunk_size : int, optional
        Rows processed at a time (default 256); peak extra memory is about
        ``chunk_size × V`` elements times a small constant, in both passes.

    Returns
    -------
    torch.Tensor
        Shape ``p_logits.shape[:-1]``, float32 (or float64 for float64 input);
        differentiable with respect to both inputs.

    Examples
    --------
    >>> import torch
    >>> p = torch.tensor([[0.0, 0.0]])           # uniform
    >>> q = torch.tensor([[0.0, float("-inf")]])  # all mass on token 0
    >>> token_kl(q, p)  # KL(one-hot || uniform) = log 2
    tensor([0.6931])
    >>> token_kl(p, q)
    tensor([inf])
    """
    if not isinstance(p_logits, torch.Tensor) or not isinstance(q_logits, torch.Tensor):
        raise ValueError("p_logits and q_logits must be torch tensors")
    if p_logits.shape != q_logits.shape:
        raise ValueError(
            f"logit shapes differ: {tuple(p_logits.shape)} and {tuple(q_logits.shape)}"
        )
    if p_logits.ndim == 0 or p_logits.shape[-1] == 0:
        raise ValueError(
            f"logits need a non-empty vocabulary axis, got shape {tuple(p_logits.shape)}"
        )
    chunk = DEFAULT_CHUNK if chunk_size is None else int(chunk_size)
    if chunk < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    lead, vocab = p_logits.shape[:-1], p_logits.shape[-1]
    flat = _TokenKL.apply(p_logits.reshape(-1, vocab), q_logits.reshape(-1, vocab), chunk)
    return flat.reshape(lead)
