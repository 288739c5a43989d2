"""Per-position KL between two sets of next-token logits, in bounded memory.

``token_kl(p_logits, q_logits)`` returns KL(softmax(p) ‖ softmax(q)) for every
position. The naive computation materialises several ``N × V`` float tensors
(two log-softmaxes, their difference, the product); with a 32k vocabulary and a
few thousand positions that is hundreds of MB. Here rows are processed in chunks,
in the forward *and* the backward pass (a custom autograd function recomputes each
chunk's softmax instead of storing it, and writes the gradients in place), so the
extra memory is O(chunk × V). The forward pass costs one exp per logit, as two
logsumexps do (benchmarks/token_kl.py measures it against that floor).
"""

from __future__ import annotations

import torch

from klcourse._checks import integer

#: Elements (rows x vocabulary) per chunk by default: 1M floats, 4 MB in float32.
CHUNK_ELEMENTS = 2**20


def _check_rows(x: torch.Tensor, name: str, rows: torch.Tensor) -> None:
    """Reject NaN and +inf logits in the given rows (the few whose KL was not finite)."""
    bad = (torch.isnan(x) | torch.isposinf(x)).any(-1)
    if bool(bad.any()):
        row = int(rows[bad.nonzero()[0, 0]])
        raise ValueError(
            f"{name} holds NaN or +inf in row {row} (of the flattened positions): "
            "logits must be finite, or -inf to mask a token"
        )


def _log_softmax(x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """log softmax over the last axis; a row masked entirely stays all -inf (not NaN)."""
    x = x.to(dtype)
    dead = torch.isneginf(x).all(-1, keepdim=True)
    out = torch.log_softmax(torch.where(dead, torch.zeros((), dtype=dtype), x), dim=-1)
    return torch.where(dead, torch.full((), float("-inf"), dtype=dtype), out)


def _chunk_parts(a: torch.Tensor, b: torch.Tensor, dtype: torch.dtype):
    """For rows of logits a, b: log softmax(b), p = softmax(a), and the masked log-ratio.

    The careful path, for the few rows whose fast KL (:func:`_fast_rows`) is NaN or inf.
    Computed in ``dtype`` (float32 or wider). The log-ratio log p - log q is set to 0
    where p = 0 (masked in p: contributes nothing whatever q is); where p > 0 and q is
    masked it is +inf, so the KL ``(p * diff).sum(-1)`` is exactly inf there. A row
    masked entirely in p has p = 0 (KL 0); one masked entirely in q has log q = -inf
    (KL inf where p has mass).
    """
    log_p = _log_softmax(a, dtype)
    log_q = _log_softmax(b, dtype)
    p = log_p.exp()
    diff = torch.where(p > 0, log_p - log_q, torch.zeros((), dtype=dtype))
    return log_q, p, diff


def _careful_rows(a, b, dtype, rows, offset):
    """The parts for the rows ``rows`` of a chunk, after rejecting NaN and +inf logits."""
    _check_rows(a[rows], "p_logits", rows + offset)
    _check_rows(b[rows], "q_logits", rows + offset)
    return _chunk_parts(a[rows], b[rows], dtype)


def _fast_rows(a, b, dtype):
    """KL and the two log-normalisers of rows of logits a, b, in few passes.

    With ``s_a = sum exp(a - max a)`` and ``s_b`` likewise,
    ``KL = sum_v e_v d_v / s_a - log s_a + log s_b`` where ``e = exp(a - max a)`` and
    ``d = (a - max a) - (b - max b)``: one exp per input, like the two logsumexps
    that any method needs, and every term shifted so that no large logit offset
    cancels. ``0 * inf`` at a token masked in p (``e = 0``) is NaN, which ``nansum``
    drops: such a token contributes nothing. A row whose KL comes out NaN (masked
    entirely, or holding NaN/+inf) goes to the careful path; a token with mass under
    p that q masks gives ``d = inf``, so KL = inf exactly.
    """
    a, b = a.to(dtype), b.to(dtype)
    top_a = a.amax(-1, keepdim=True)
    top_b = b.amax(-1, keepdim=True)
    shifted_b = b - top_b
    log_sb = torch.exp(shifted_b).sum(-1).log()
    e = torch.exp(a - top_a)
    log_sa = e.sum(-1).log()
    d = shifted_b.neg_().add_(a).sub_(top_a)  # (a - max a) - (b - max b), in place
    weighted = e.mul_(d).nansum(-1)
    kl = weighted / log_sa.exp() - log_sa + log_sb
    return kl, (top_a.squeeze(-1) + log_sa), (top_b.squeeze(-1) + log_sb)


class _TokenKL(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b, chunk, dtype):
        n = a.shape[0]
        out = a.new_empty(n, dtype=dtype)
        exact = a.new_empty(n, dtype=dtype)
        lse_a, lse_b = a.new_empty(n, dtype=dtype), a.new_empty(n, dtype=dtype)
        special = torch.zeros(n, dtype=torch.bool, device=a.device)
        for i in range(0, n, chunk):
            sl = slice(i, i + chunk)
            kl, lse_a[sl], lse_b[sl] = _fast_rows(a[sl], b[sl], dtype)
            odd = torch.isnan(kl).nonzero().squeeze(1)
            if odd.numel():
                _, p, diff = _careful_rows(a[sl], b[sl], dtype, odd, i)
                kl[odd] = (p * diff).sum(-1)
                special[odd + i] = True
            special[sl] |= torch.isinf(kl)
            exact[sl] = kl  # the gradient's formula needs the unclamped value
            out[sl] = kl.clamp_min_(0.0)  # KL >= 0; rounding can leave -1e-7 in float32
        ctx.save_for_backward(a, b, exact, lse_a, lse_b, special)
        ctx.chunk, ctx.dtype = chunk, dtype
        return out

    @staticmethod
    def backward(ctx, grad_out):
        a, b, kl, lse_a, lse_b, special = ctx.saved_tensors
        chunk, dtype = ctx.chunk, ctx.dtype
        need_a, need_b = ctx.needs_input_grad[:2]
        grad_a = torch.empty_like(a) if need_a else None
        grad_b = torch.empty_like(b) if need_b else None
        for i in range(0, a.shape[0], chunk):
            sl = slice(i, i + chunk)
            g = grad_out[sl].to(dtype)[:, None]
            rows = (a[sl].to(dtype), b[sl].to(dtype), lse_a[sl, None], lse_b[sl, None])
            _fast_grads(g, *rows, kl[sl, None], grad_a, grad_b, sl)
            # Rows that needed the careful pass (masked entirely, or KL inf): computed
            # carefully, and exactly 0 where the loss leaves them out (upstream gradient
            # 0), since 0 * inf would be NaN and spread to the whole model.
            odd = special[sl].nonzero().squeeze(1)
            if odd.numel():
                used = g[odd] != 0
                parts = _chunk_parts(a[sl][odd], b[sl][odd], dtype)  # checked in forward
                need = (need_a, need_b)
                for full, part in zip(
                    (grad_a, grad_b), _chunk_grads(g[odd], *parts, need), strict=True
                ):
                    if full is not None:
                        full[odd + i] = torch.where(used, part, 0.0).to(full.dtype)
        return grad_a, grad_b, None, None


def _fast_grads(g, a, b, lse_a, lse_b, kl, grad_a, grad_b, sl):
    """Write g * d KL / d a = g p (log p - log q - KL) and g (q - p) into the outputs.

    ``p = exp(a - lse_a)`` is the only chunk-sized temporary; the rest is computed in
    the gradient buffers themselves. At a token masked in p, ``p = 0`` times an
    infinite log-ratio is NaN: set to its true value 0. (Rows with an infinite KL are
    redone by the careful path.)
    """
    p = torch.exp(a - lse_a)
    if grad_b is not None:
        same = grad_b.dtype == a.dtype  # else compute in float32 and convert once
        out = grad_b[sl] if same else torch.empty_like(a)
        torch.sub(b, lse_b, out=out).exp_().sub_(p).mul_(g)
        if not same:
            grad_b[sl] = out
    if grad_a is not None:
        same = grad_a.dtype == a.dtype
        out = grad_a[sl] if same else torch.empty_like(a)
        torch.sub(a, b, out=out).sub_(lse_a - lse_b + kl).mul_(p).nan_to_num_(
            nan=0.0, posinf=float("inf"), neginf=float("-inf")
        ).mul_(g)
        if not same:
            grad_a[sl] = out


def _chunk_grads(g, log_q, p, diff, need):
    """d KL / d a = p * (log p - log q - KL) and d KL / d b = softmax(b) - softmax(a)."""
    ga = gb = None
    if need[0]:
        ga = g * p * (diff - (p * diff).sum(-1, keepdim=True))
    if need[1]:
        gb = g * (log_q.exp() - p)
    return ga, gb


def check_logit_pair(p_logits: object, q_logits: object) -> torch.dtype:
    """Check two logit tensors as :func:`token_kl` takes them; return the dtype it
    computes in (float32, or wider if an input is wider). NaN and ``+inf`` are
    checked later, only in the rows whose KL is not finite."""
    for name, x in (("p_logits", p_logits), ("q_logits", q_logits)):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name} must be a torch tensor, got {type(x).__name__}")
        if not x.is_floating_point():
            raise TypeError(f"{name} must hold floating-point logits, got dtype {x.dtype}")
    if p_logits.shape != q_logits.shape:
        raise ValueError(
            f"logit shapes differ: {tuple(p_logits.shape)} and {tuple(q_logits.shape)}"
        )
    if p_logits.ndim == 0 or p_logits.shape[-1] == 0:
        raise ValueError(
            f"logits need a non-empty vocabulary axis, got shape {tuple(p_logits.shape)}"
        )
    return torch.promote_types(torch.promote_types(p_logits.dtype, q_logits.dtype), torch.float32)


def token_kl(
    p_logits: torch.Tensor, q_logits: torch.Tensor, chunk_size: int | None = None
) -> torch.Tensor:
    r"""Per-position KL(softmax(p_logits) ‖ softmax(q_logits)) over the last (vocabulary) axis.

    .. math::

        \begin{aligned}
        D_{KL}(P_t \,\|\, Q_t) &= \sum_v P_t(v) \big(\log P_t(v) - \log Q_t(v)\big), \\
        P_t &= \mathrm{softmax}(p_t),\; Q_t = \mathrm{softmax}(q_t)
        \end{aligned}

    Parameters
    ----------
    p_logits, q_logits : torch.Tensor
        Floating-point logits of the same shape ``(..., V)``; fp16/bf16 inputs are
        accumulated in float32. ``-inf`` masks a token exactly: a token masked in p
        contributes 0 whatever q is; a token with mass under p but masked in q
        gives ``inf``. A position masked entirely in p (padding) has no mass, so
        its KL is 0 (also when q is masked there too); a position masked entirely
        in q but not in p has KL ``inf``. NaN and ``+inf`` logits are rejected.
    chunk_size : int, optional
        Rows processed at a time, a positive ``int``; by default as many as fit in
        2**20 elements (32 rows of a 32k vocabulary). Peak extra memory is about
        three ``chunk_size × V`` buffers in the forward pass and one in the backward
        pass (plus a conversion buffer for fp16/bf16 inputs).

    Returns
    -------
    torch.Tensor
        Shape ``p_logits.shape[:-1]``, each value ``>= 0`` (rounding below 0 is
        clamped); float32, or float64 if either input is float64; differentiable
        with respect to both inputs. Positions whose upstream gradient is 0 (left
        out of the loss by a mask, e.g. ``kl[mask]``) get gradient exactly 0, even
        where their KL is ``inf``. A position whose KL is ``inf`` *and* is used in
        the loss has no finite gradient.

    Raises
    ------
    TypeError
        If an argument is not a floating-point tensor, or ``chunk_size`` is not an int.
    ValueError
        If the shapes differ, the vocabulary axis is empty, ``chunk_size < 1``, or a
        logit is NaN or ``+inf``.

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
    dtype = check_logit_pair(p_logits, q_logits)
    vocab = p_logits.shape[-1]
    if chunk_size is None:
        chunk = max(1, CHUNK_ELEMENTS // vocab)
    else:
        chunk = integer(chunk_size, "chunk_size", minimum=1)
    lead = p_logits.shape[:-1]
    flat = _TokenKL.apply(p_logits.reshape(-1, vocab), q_logits.reshape(-1, vocab), chunk, dtype)
    return flat.reshape(lead)
