"""Benchmark: klcourse.lm.token_kl against the naive F.kl_div computation (not a test).

    python benchmarks/token_kl.py [--n 4096] [--vocab 32000] [--repeats 5] [--threads 1 2]

Each method runs in its own subprocess, so that its peak memory (ru_maxrss above the
baseline with the inputs allocated) is its own. Times are medians of --repeats runs of
the forward pass, or of forward + backward ("train"), with torch limited to each of
--threads intra-op threads. Ratios, measured in one invocation, are what to compare
across machines. The floor is two logsumexp passes over the logits (reading both inputs
once), which any method needs; in train mode the floor's backward is autograd's.
Targets (issue 10): forward >= 1.5x naive and <= 1.3x the floor's time; train >= 1.2x
naive at <= 0.25x its peak extra memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time


def run_one(method: str, mode: str, n: int, vocab: int, repeats: int, threads: int) -> dict:
    import torch
    import torch.nn.functional as F

    from klcourse.lm import token_kl

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    train = mode == "train"
    a = torch.randn(n, vocab, requires_grad=train)
    b = torch.randn(n, vocab, requires_grad=train)

    def naive():
        return F.kl_div(
            F.log_softmax(b, -1), F.log_softmax(a, -1), reduction="none", log_target=True
        ).sum(-1)

    def floor():
        return torch.logsumexp(a, -1) + torch.logsumexp(b, -1)

    fn = {"naive": naive, "token_kl": lambda: token_kl(a, b), "floor": floor}[method]
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times, peak = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        if train:
            out.sum().backward()
        times.append(time.perf_counter() - start)
        if peak is None:  # peak of the first run: later runs add allocator fragmentation
            peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024  # MiB
        a.grad = b.grad = None
        del out
    if train:  # the two N x V gradients are outputs every method must produce
        peak -= 2 * n * vocab * 4 / 2**20
    return {"seconds": statistics.median(times), "peak_extra_mib": peak}


def table(args, threads: int) -> None:
    inputs_mib = 2 * args.n * args.vocab * 4 / 2**20
    print(
        f"\nN = {args.n}, V = {args.vocab}, fp32, {threads} thread(s); inputs {inputs_mib:.0f} MiB;"
        " train = forward + backward, peak excludes the two gradient outputs\n"
    )
    print(
        "| mode | method | median s | peak extra MiB | speed vs naive | time vs floor "
        "| memory vs naive |"
    )
    print("|---|---|---|---|---|---|---|")
    for mode in ("forward", "train"):
        rows = {}
        for method in ("naive", "token_kl", "floor"):
            cmd = [sys.executable, __file__, "--worker", method, mode, str(threads)]
            cmd += ["--n", str(args.n), "--vocab", str(args.vocab), "--repeats", str(args.repeats)]
            out = subprocess.check_output(cmd, text=True)
            rows[method] = json.loads(out.strip().splitlines()[-1])
        for method, r in rows.items():
            speed = rows["naive"]["seconds"] / r["seconds"]
            floor = r["seconds"] / rows["floor"]["seconds"]
            mem = r["peak_extra_mib"] / rows["naive"]["peak_extra_mib"]
            print(
                f"| {mode} | {method} | {r['seconds']:.3f} | {r['peak_extra_mib']:.0f} "
                f"| {speed:.2f}x | {floor:.2f}x | {mem:.2f}x |"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=4096)
    parser.add_argument("--vocab", type=int, default=32000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        method, mode, threads = args.worker
        result = run_one(method, mode, args.n, args.vocab, args.repeats, int(threads))
        print(json.dumps(result))
        return
    for threads in args.threads:
        table(args, threads)


if __name__ == "__main__":
    main()
