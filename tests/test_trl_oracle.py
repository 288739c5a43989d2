"""klcourse's post-training helpers against TRL's own code (trl pinned in requirements.txt).

TRL takes about 12 s to import, so these tests share one import.
"""

from __future__ import annotations

import pytest
import torch

from klcourse.lm import generalized_jsd

GKDTrainer = pytest.importorskip("trl.experimental.gkd").GKDTrainer


def logits(seed, shape=(3, 5, 11), scale=2.0):
    gen = torch.Generator().manual_seed(seed)
    return scale * torch.randn(shape, generator=gen, dtype=torch.float64)


@pytest.mark.parametrize("beta", [0.0, 0.1, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("temperature", [1.0, 2.0])
def test_generalized_jsd_is_trls(beta, temperature):
    student, teacher = logits(0), logits(1)
    trl = GKDTrainer.generalized_jsd_loss(
        student, teacher, beta=beta, temperature=temperature, reduction="none"
    ).sum(-1)  # TRL returns per vocabulary entry; klcourse per position
    ours = generalized_jsd(teacher, student, beta, temperature=temperature)
    torch.testing.assert_close(ours, trl, rtol=1e-12, atol=1e-14)


def test_trls_reductions_are_sums_and_means_of_positions():
    student, teacher = logits(2), logits(3)
    labels = torch.ones(student.shape[:-1], dtype=torch.long)
    labels[0, :2] = -100  # masked positions
    ours = generalized_jsd(teacher, student, 0.5)
    total = GKDTrainer.generalized_jsd_loss(student, teacher, labels=labels, reduction="sum")
    torch.testing.assert_close(total, ours[labels != -100].sum(), rtol=1e-12, atol=0)


# --- GRPO and DPO: TRL's own loss code, called on a stub trainer -------------------
# (the formulas sit inside the trainers' _compute_loss; the stubs give them only the
# attributes they read, as found in trl 1.16.0's grpo_trainer.py and dpo_trainer.py)

from collections import defaultdict  # noqa: E402
from types import SimpleNamespace as NS  # noqa: E402

from klcourse.lm.penalties import dpo_loss, kl_penalty  # noqa: E402

trl = pytest.importorskip("trl")
ACCELERATOR = NS(
    reduce=lambda x, reduction="sum": x,
    gather=lambda x: x,
    gather_for_metrics=lambda x: x,
    num_processes=1,
    sync_gradients=True,
    is_main_process=True,
    device=torch.device("cpu"),
)


def grpo_stub(logp, beta, correction):
    return NS(
        _get_per_token_logps_and_entropies=lambda *a, **k: (logp, torch.zeros_like(logp), None),
        aux_loss_enabled=False,
        top_entropy_quantile=1.0,
        off_policy_mask_threshold=None,
        importance_sampling_level="token",
        beta=beta,
        loss_type="bnpo",
        epsilon_low=0.2,
        epsilon_high=0.2,
        args=NS(use_bias_correction_kl=correction, delta=None, steps_per_generation=1),
        use_vllm=False,
        vllm_importance_sampling_correction=False,
        model=NS(training=True),
        current_gradient_accumulation_steps=1,
        max_completion_length=logp.shape[1],
        accelerator=ACCELERATOR,
        _entropy_bonus_enabled=False,
        _metrics={"train": defaultdict(list), "eval": defaultdict(list)},
    )


@pytest.mark.parametrize("correction", [False, True])
def test_grpo_kl_term_is_k3_and_its_gradient(correction):
    """With zero advantages TRL's GRPO loss is beta times the token mean of its KL term:
    k3 (times pi/pi_old, with its gradient, when use_bias_correction_kl is on)."""
    gen = torch.Generator().manual_seed(4)
    logp = torch.log_softmax(torch.randn(3, 4, 6, generator=gen, dtype=torch.float64), -1)
    logp = logp[..., 0].clone().requires_grad_()  # log-probabilities of sampled tokens
    ref = logp.detach() + 0.3 * torch.randn(3, 4, generator=gen, dtype=torch.float64)
    mask = torch.ones(3, 4, dtype=torch.long)
    mask[0, 2:] = 0
    inputs = {
        "prompt_ids": torch.zeros(3, 1, dtype=torch.long),
        "prompt_mask": torch.ones(3, 1, dtype=torch.long),
        "completion_ids": torch.zeros(3, 4, dtype=torch.long),
        "completion_mask": mask,
        "advantages": torch.zeros(3, dtype=torch.float64),
        "ref_per_token_logps": ref,
        "num_items_in_batch": mask.sum(),
    }
    theirs = trl.GRPOTrainer._compute_loss(grpo_stub(logp, 0.04, correction), None, inputs)
    k3 = kl_penalty(logp, ref, "k3")
    if correction:
        k3 = k3 * (logp - logp.detach()).exp()
    ours = 0.04 * (k3 * mask).sum() / mask.sum()
    torch.testing.assert_close(theirs, ours, rtol=1e-12, atol=0)
    (g_theirs,) = torch.autograd.grad(theirs, logp, retain_graph=True)
    (g_ours,) = torch.autograd.grad(ours, logp)
    torch.testing.assert_close(g_theirs, g_ours, rtol=1e-12, atol=1e-15)
    # per token, d/dlogp [k3 * e^(logp - old)] at logp = old is (1 - rho) + k3 = logp - ref:
    # the gradient of k2 (the reverse KL's); without the ratio it is 1 - rho (forward KL's)
    k2 = 0.04 * (kl_penalty(logp, ref, "k2") * mask).sum() / mask.sum()
    (g_k2,) = torch.autograd.grad(k2, logp)
    m = mask.double()
    plain = 0.04 * m * (1 - (ref - logp.detach()).exp()) / m.sum()
    torch.testing.assert_close(g_ours, g_k2 if correction else plain, rtol=1e-12, atol=1e-15)


def test_dpo_sigmoid_loss_is_trls():
    gen = torch.Generator().manual_seed(5)
    n, length = 4, 5  # 2 chosen then 2 rejected completions
    mask = torch.ones(n, length, dtype=torch.long)
    mask[:, 0] = 0  # the prompt token
    logp = -torch.rand(n, length - 1, generator=gen, dtype=torch.float64) * mask[:, 1:]
    ref_chosen = torch.tensor([-1.0, -2.0], dtype=torch.float64)
    ref_rejected = torch.tensor([-1.5, -1.0], dtype=torch.float64)
    model = lambda **kw: NS(  # noqa: E731
        log_probs=logp,
        entropy=torch.zeros(n, length),
        mean_logits=torch.zeros(n, length),
        is_top1=torch.ones(n, length, dtype=torch.bool),
    )
    stub = NS(
        model=NS(training=True),
        accelerator=ACCELERATOR,
        aux_loss_enabled=False,
        ld_alpha=None,
        precompute_ref_logps=True,
        f_divergence_type="reverse_kl",
        loss_types=["sigmoid"],
        loss_weights=[1.0],
        beta=0.1,
        use_weighting=False,
        label_smoothing=0.0,
        _metrics={"train": defaultdict(list)},
        _total_train_tokens=0,
        _tp_size=1,
    )
    inputs = {
        "input_ids": torch.zeros(n, length, dtype=torch.long),
        "attention_mask": torch.ones(n, length, dtype=torch.long),
        "completion_mask": mask,
        "ref_chosen_logps": ref_chosen,
        "ref_rejected_logps": ref_rejected,
    }
    theirs = trl.DPOTrainer._compute_loss(stub, model, inputs, False)
    chosen, rejected = logp.sum(1).chunk(2)
    ours = dpo_loss(chosen, rejected, ref_chosen, ref_rejected, beta=0.1).mean()
    torch.testing.assert_close(theirs, ours, rtol=1e-12, atol=0)
