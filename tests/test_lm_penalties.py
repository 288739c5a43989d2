"""kl_penalty, the adaptive KL coefficient and the DPO loss against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import special

from klcourse.lm.penalties import AdaptiveKLController, dpo_loss, kl_penalty


def pair(seed=0, n=7):
    gen = torch.Generator().manual_seed(seed)
    logp = torch.log_softmax(torch.randn(n, generator=gen, dtype=torch.float64), 0)
    ref = torch.log_softmax(torch.randn(n, generator=gen, dtype=torch.float64), 0)
    return logp.requires_grad_(), ref


def test_values_are_the_estimators():
    logp, ref = pair()
    d = (logp - ref).detach().numpy()  # log pi - log pi_ref
    rho = np.exp(-d)
    np.testing.assert_allclose(kl_penalty(logp, ref, "k1").detach(), d, rtol=1e-14)
    np.testing.assert_allclose(kl_penalty(logp, ref, "k2").detach(), d**2 / 2, rtol=1e-14)
    np.testing.assert_allclose(kl_penalty(logp, ref, "k3").detach(), rho - 1 + d, rtol=1e-12)
    np.testing.assert_allclose(kl_penalty(logp, ref, "abs").detach(), np.abs(d), rtol=1e-14)


def test_k1_and_k3_average_to_the_kl_under_the_policy():
    logp, ref = pair(1)
    pi = logp.exp().detach()
    kl = special.rel_entr(pi.numpy(), ref.exp().numpy()).sum()
    for kind in ("k1", "k3"):
        assert (pi * kl_penalty(logp, ref, kind)).sum().item() == pytest.approx(kl, rel=1e-12)


def test_straight_through_has_the_value_of_one_and_the_gradient_of_k2():
    logp, ref = pair(2)
    st = kl_penalty(logp, ref, "k3", straight_through=True)
    torch.testing.assert_close(st, kl_penalty(logp, ref, "k3"), rtol=0, atol=1e-15)
    (g_st,) = torch.autograd.grad(st.sum(), logp)
    (g_k2,) = torch.autograd.grad(kl_penalty(logp, ref, "k2").sum(), logp)
    torch.testing.assert_close(g_st, g_k2, rtol=0, atol=1e-15)


def test_clamped_tokens_have_no_gradient():
    logp = torch.log(torch.tensor([0.5, 1e-9], dtype=torch.float64)).requires_grad_()
    ref = torch.log(torch.tensor([0.4, 0.9], dtype=torch.float64))
    k3 = kl_penalty(logp, ref, "k3", clamp=(-10.0, 10.0))
    assert k3[1].item() == 10.0  # rho = 9e8: k3 far above the clamp
    (g,) = torch.autograd.grad(k3.sum(), logp)
    assert g[1].item() == 0.0 and g[0].item() != 0.0


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"kind": "k4"}, ValueError, "kind"),
        ({"straight_through": 1}, TypeError, "straight_through"),
        ({"clamp": (1.0, -1.0)}, ValueError, "clamp"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    logp, ref = pair()
    with pytest.raises(error, match=match):
        kl_penalty(logp, ref, **kwargs)
    with pytest.raises(TypeError, match="logp"):
        kl_penalty([0.0], ref)


def test_adaptive_controller_follows_ziegler():
    c = AdaptiveKLController(value=0.1, target=0.2, horizon=1000)
    assert c.update(0.3, n_steps=100) == pytest.approx(0.1 * (1 + 0.2 * 0.1), rel=1e-15)  # clipped
    assert c.update(0.19, n_steps=100) == pytest.approx(0.102 * (1 - 0.05 * 0.1), rel=1e-15)
    for bad in ({"value": 0.0}, {"target": -1.0}, {"horizon": 0}):
        with pytest.raises(ValueError):
            AdaptiveKLController(**({"value": 0.1, "target": 0.2, "horizon": 10} | bad))


def test_dpo_loss_is_the_logistic_loss_of_the_margin():
    chosen, rejected = torch.tensor([-1.0, -3.0]), torch.tensor([-2.0, -1.0])
    ref_c, ref_r = torch.tensor([-1.5, -2.0]), torch.tensor([-1.5, -2.0])
    got = dpo_loss(chosen, rejected, ref_c, ref_r, beta=0.1)
    margin = np.array([(-1 + 1.5) - (-2 + 1.5), (-3 + 2) - (-1 + 2)])
    np.testing.assert_allclose(got, np.log1p(np.exp(-0.1 * margin)), rtol=1e-6)
    assert got[0] < math.log(2) < got[1]  # chosen ahead, behind
    with pytest.raises(ValueError, match="beta"):
        dpo_loss(chosen, rejected, ref_c, ref_r, beta=0.0)
