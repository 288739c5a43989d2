"""Benchmark: klcourse.lm.token_kl against the naive F.kl_div computation (not a test).

    python benchmarks/token_kl.py [--n 4096] [--vocab 32000] [--repeats 5]

Each method runs in its own subprocess, so that its peak memory (ru_maxrss above the
baseline with the inputs allocated) is its own. Times are medians of --repeats runs of
forward + backward; ratios, measured in one invocation, are what to compare across
machines. The floor is two logsumexp passes over the logits (reading both inputs once).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time


def run_one(method: str, mode: str, n: int, vocab: int, repeats: int) -> dict:
    import torch
    import torch.nn.functional as F

    from klcourse.lm import token_kl

    torch.set_num_threads(1)
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=4096)
    parser.add_argument("--vocab", type=int, default=32000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_one(*args.worker, args.n, args.vocab, args.repeats)))
        return
    inputs_mib = 2 * args.n * args.vocab * 4 / 2**20
    print(
        f"N = {args.n}, V = {args.vocab}, fp32, 1 thread; inputs {inputs_mib:.0f} MiB; "
        "train = forward + backward, peak excludes the two gradient outputs"
    )
    header = ("mode", "method", "median s", "peak extra MiB", "speed vs naive", "memory vs naive")
    print("{:>8s} {:>10s} {:>9s} {:>15s} {:>15s} {:>16s}".format(*header))
    for mode in ("forward", "train"):
        rows = {}
        for method in ("naive", "token_kl", "floor"):
            cmd = [sys.executable, __file__, "--worker", method, mode]
            cmd += ["--n", str(args.n), "--vocab", str(args.vocab), "--repeats", str(args.repeats)]
            out = subprocess.check_output(cmd, text=True)
            rows[method] = json.loads(out.strip().splitlines()[-1])
        for method, r in rows.items():
            speed = rows["naive"]["seconds"] / r["seconds"]
            mem = r["peak_extra_mib"] / rows["naive"]["peak_extra_mib"]
            print(
                f"{mode:>8s} {method:>10s} {r['seconds']:9.3f} {r['peak_extra_mib']:15.0f}"
                f" {speed:14.2f}x {mem:15.2f}x"
            )


if __name__ == "__main__":
    main()
