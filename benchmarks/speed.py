"""Speed and memory of the harness, as ratios measured side by side in one run.

    python benchmarks/speed.py            (make bench-speed; about 2 minutes)

1. overhead: `run` on the default suite (all engines, both dtypes) / the bare gradient
   calls of the same engines on the same scenarios, both warm, alternated, best of 3;
2. matmul speed: the reference's forward + backward on 512-512-512-1, m = 4096, in
   matmul GFLOP/s / plain numpy.matmul GFLOP/s on the same shapes;
3. versus finite differences: torch.autograd.gradcheck / the harness (numpy and torch
   engines, every check), on 64-64-64-1, m = 256, float64;
4. scaling: time per scenario of `run` against the scenario's matmul flops;
5. memory: peak resident memory of `run` on the large scenario, over the bytes of the
   arrays the pass must hold (a separate process, peak reset after warm-up).
Prints Markdown (benchmarks/RESULTS.md keeps a copy with the date and machine).
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

from crosscheck.engines import resolve_engines
from crosscheck.running.runner import reference_trace, run_all
from crosscheck.scenarios import Scenario, build_problem, suite

LARGE = ((512, 512, 512, 1), ("tanh", "relu", "sigmoid"), 4096)


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    lines = [f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
             f"- CPU: {cpu}, {os.cpu_count()} cores; Python {platform.python_version()}"]
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            lines.append(f"- {pool['user_api']}: {pool['internal_api']} {pool.get('version')}, "
                         f"kernel {pool.get('architecture')}, {pool['num_threads']} threads ({pool['prefix']})")
    except ImportError:
        lines.append("- BLAS: (threadpoolctl not installed)")
    import jax
    import torch

    lines.append(f"- numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
                 f"jax {jax.__version__} ({jax.default_backend()})")
    return lines


def best(f, repeat=5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def matmul_flops(sizes, m) -> float:
    """Forward W[l] A[l-1], backward dZ[l] A[l-1]^T and W[l]^T dZ[l]: 3 x 2 n_l n_{l-1} m."""
    return 3 * sum(2.0 * sizes[l] * sizes[l - 1] * m for l in range(1, len(sizes)))


# --- 1. overhead ----------------------------------------------------------------------
def bare_calls(engines):
    """The engines' own gradient calls, nothing around them (no conversions, no copies)."""
    import jax
    import torch

    from crosscheck import reference

    jax_engine = next(e for e in engines if e.name == "jax")
    torch_engine = next(e for e in engines if e.name == "torch")
    acts = torch_engine.activations(torch)

    def numpy_call(p):
        reference.trace(p.parameters, p.X, p.Y, p.scenario.activations, loss=p.scenario.loss)

    def torch_call(p):
        P = {k: torch.from_numpy(v).requires_grad_() for k, v in p.parameters.items()}
        X, Y = torch.from_numpy(p.X).requires_grad_(), torch.from_numpy(p.Y)
        A, inputs, L = X, [X], p.scenario.depth
        for l in range(1, L + 1):
            Z = P[f"W{l}"] @ A + P[f"b{l}"]
            A = acts[p.scenario.activations[l - 1]](Z)
            inputs += [Z, A]
        J = torch_engine.cost(torch, p.scenario.loss, A, Y, p.scenario.m)
        torch.autograd.grad(J, inputs + list(P.values()))

    def jax_call(p):
        s, dt = p.scenario, p.X.dtype
        eZ = [np.zeros((n, s.m), dt) for n in s.layer_sizes[1:]]
        eA = [np.zeros((n, s.m), dt) for n in s.layer_sizes]
        grad, names = jax_engine.program(s.activations)
        idx = np.array([names.index(a) for a in s.activations], np.int32)
        jax.block_until_ready(grad(p.parameters, eZ, eA, p.X, p.Y, idx, loss=s.loss))

    return [numpy_call, torch_call, jax_call]


def overhead(engines):
    scenarios = suite("default")
    problems = [build_problem(s) for s in scenarios]
    calls = bare_calls(engines)
    run_all(scenarios, engines, progress=False)  # warm: JAX compiles every shape once

    def bare():
        for p in problems:
            for call in calls:
                call(p)

    harness = lambda: run_all(scenarios, engines, progress=False)  # noqa: E731
    t_bare, t_harness = [], []
    for _ in range(3):
        t_bare.append(best(bare, 1))
        t_harness.append(best(harness, 1))
    return min(t_bare), min(t_harness)


# --- 2. matmul speed --------------------------------------------------------------------
def matmul_speed(dtype):
    from crosscheck import reference

    s = Scenario(*LARGE[:2], LARGE[2], dtype)
    p = build_problem(s)
    P, X, m = p.parameters, p.X, s.m
    t = reference.trace(P, X, p.Y, s.activations)
    A, dZ = t.A, t.dZ

    def matmuls():
        for l in range(1, 4):
            P[f"W{l}"] @ A[l - 1]
            dZ[l] @ A[l - 1].T
            P[f"W{l}"].T @ dZ[l]

    def pass_():
        reference.trace(P, X, p.Y, s.activations)

    t_mm, t_pass = [], []
    for _ in range(5):
        t_mm.append(best(matmuls, 1))
        t_pass.append(best(pass_, 1))
    flops = matmul_flops(s.layer_sizes, m)
    return flops / min(t_mm) / 1e9, flops / min(t_pass) / 1e9


# --- 3. versus gradcheck ----------------------------------------------------------------
def versus_gradcheck(engines):
    import torch

    s = Scenario((64, 64, 64, 1), ("tanh", "tanh", "sigmoid"), 256, "float64")
    p = build_problem(s)
    chosen = [e for e in engines if e.name in ("numpy", "torch")]
    run_all([s], chosen, progress=False)
    t_harness = best(lambda: run_all([s], chosen, progress=False), 5)
    X, Y = torch.from_numpy(p.X), torch.from_numpy(p.Y)
    params = [torch.from_numpy(p.parameters[k].copy()).requires_grad_() for k in sorted(p.parameters)]

    def J(W1, W2, W3, b1, b2, b3):  # sorted keys: W1 W2 W3 b1 b2 b3
        A = torch.tanh(W1 @ X + b1)
        A = torch.tanh(W2 @ A + b2)
        A = torch.sigmoid(W3 @ A + b3)
        return -torch.sum(Y * torch.log(A) + (1 - Y) * torch.log(1 - A)) / s.m

    start = time.perf_counter()
    ok = torch.autograd.gradcheck(J, params)
    t_gradcheck = time.perf_counter() - start
    return t_gradcheck, t_harness, ok, sum(x.numel() for x in params)


# --- 4. scaling ---------------------------------------------------------------------------
SCALING = [((4, 1), 1), ((8, 8, 1), 16), ((16, 16, 1), 64), ((32, 32, 32, 1), 256), ((64, 64, 64, 1), 512),
           ((128, 128, 128, 1), 1024), ((256, 256, 256, 1), 2048), ((512, 512, 512, 1), 4096)]


def scaling(engines):
    rows = []
    for sizes, m in SCALING:
        s = Scenario(sizes, ("tanh",) * (len(sizes) - 2) + ("sigmoid",), m, "float64")
        run_all([s], engines, progress=False)  # warm
        rows.append((s.id, matmul_flops(sizes, m), best(lambda: run_all([s], engines, progress=False), 3)))
    return rows


# --- 5. memory ----------------------------------------------------------------------------
MEMORY_CHILD = """
import json, sys
from crosscheck.engines import resolve_engines
from crosscheck.running.runner import reference_trace, run_all
from crosscheck.scenarios import Scenario, build_problem
def status(key):
    return int(next(l.split()[1] for l in open('/proc/self/status') if l.startswith(key))) * 1024
engines, _ = resolve_engines(['numpy', 'torch', 'jax'])
large = Scenario(*json.loads(sys.argv[1]))
run_all([Scenario((3, 4, 1), ('tanh', 'sigmoid'), 5, large.dtype)], engines, progress=False)
problem = build_problem(large)
base = status('VmRSS:')
open('/proc/self/clear_refs', 'w').write('5')  # reset the peak (VmHWM) to now
run_all([problem], engines, progress=False)
print(json.dumps({'base': base, 'peak': status('VmHWM:')}))
"""


def memory(dtype="float64"):
    s = Scenario(*LARGE[:2], LARGE[2], dtype)
    out = subprocess.run([sys.executable, "-c", MEMORY_CHILD, json.dumps([s.layer_sizes, s.activations, s.m, dtype])],
                         capture_output=True, text=True, check=True).stdout
    got = json.loads(out.strip().splitlines()[-1])
    p = build_problem(s)
    ref = reference_trace(p)
    one = sum(v.nbytes for q in ("A", "Z", "dA", "dZ", "dW", "db") for v in getattr(ref, q).values())
    one += sum(v.nbytes for v in p.parameters.values())
    itemsize = np.dtype(dtype).itemsize
    needed = one + 3 * one * itemsize // 8  # the float64 reference and three engines in the scenario dtype
    return got["peak"] - got["base"], needed, got["peak"]


def main() -> None:
    engines, unavailable = resolve_engines(["numpy", "torch", "jax"])
    if unavailable:
        sys.exit(f"speed benchmark needs all engines: {unavailable}")
    print("# Speed and memory of backprop-crosscheck\n")
    print("\n".join(machine()) + "\n")
    print("| target | measured | goal | met |\n|---|---|---|---|")
    t_bare, t_harness = overhead(engines)
    print(f"| 1. overhead: run / bare gradient calls, default suite (warm) | {t_harness:.2f} s / {t_bare:.2f} s "
          f"= {t_harness / t_bare:.2f}x | <= 1.3x | {'yes' if t_harness / t_bare <= 1.3 else 'no'} |")
    for dtype in ("float64", "float32"):
        mm, ref = matmul_speed(dtype)
        print(f"| 2. reference fwd+bwd / numpy.matmul, 512-512-512-1 m=4096 {dtype} | {ref:.1f} / {mm:.1f} GFLOP/s "
              f"= {ref / mm:.2f} | >= 0.8 | {'yes' if ref / mm >= 0.8 else 'no'} |")
    t_gc, t_h, ok, n = versus_gradcheck(engines)
    print(f"| 3. gradcheck / harness, 64-64-64-1 m=256 float64 ({n} parameters, gradcheck {'passed' if ok else 'FAILED'})"
          f" | {t_gc:.2f} s / {t_h:.4f} s = {t_gc / t_h:.0f}x | >= 100x | {'yes' if t_gc / t_h >= 100 else 'no'} |")
    for dtype in ("float64", "float32"):
        delta, needed, peak = memory(dtype)
        print(f"| 5. memory: peak RSS increase / bytes the pass holds, large {dtype} | {delta / 2**20:.0f} MiB / "
              f"{needed / 2**20:.0f} MiB = {delta / needed:.2f} (peak RSS {peak / 2**20:.0f} MiB) | <= 2 | "
              f"{'yes' if delta <= 2 * needed else 'no'} |")
    rows = scaling(engines)
    t0 = min(t for _, _, t in rows[:3])
    rate = rows[-1][1] / rows[-1][2]
    print(f"\n## 4. Scaling: `run` (numpy, torch, jax; float64) per scenario against matmul flops\n")
    print("| scenario | matmul flops | seconds | seconds / flop |\n|---|---|---|---|")
    for sid, flops, t in rows:
        print(f"| {sid} | {flops:.3g} | {t:.4f} | {t / flops:.3g} |")
    print(f"\nFlat at about {t0 * 1e3:.1f} ms per scenario for small networks (overhead), linear at "
          f"{rate / 1e9:.1f} GFLOP/s of one pass's matmul flops for large ones (a run makes four passes: the "
          f"float64 reference and three engines, then compares every array); the two meet at about "
          f"{t0 * rate:.3g} flops.")


if __name__ == "__main__":
    main()
