"""The environment a run happened in, and the flags that change results."""
from __future__ import annotations

import os
import platform
import sys

import numpy as np


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def _blas() -> str:
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{deps.get('name')} {deps.get('version')}"
    except Exception:  # the layout of show_config is NumPy's, not a contract
        return "unknown"


def environment() -> dict[str, str]:
    """Versions, hardware and result-changing flags; frameworks only if already imported."""
    env = {
        "Python": platform.python_version(),
        "NumPy": np.__version__,
        "BLAS": _blas(),
        "CPU": f"{_cpu()}, {os.cpu_count()} cores",
    }
    torch = sys.modules.get("torch")
    if torch is not None:
        env["torch"] = torch.__version__
        env["torch GPU"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
        env["torch float32 matmul precision"] = torch.get_float32_matmul_precision()
        env["torch TF32 (cuda matmul)"] = str(torch.backends.cuda.matmul.allow_tf32)
    jax = sys.modules.get("jax")
    if jax is not None:
        env["jax"] = jax.__version__
        env["jax devices"] = ", ".join(str(d) for d in jax.devices())
        env["jax x64"] = str(jax.config.jax_enable_x64)
        env["jax default matmul precision"] = str(jax.config.jax_default_matmul_precision)
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        env["tensorflow"] = tf.__version__
        env["tensorflow oneDNN (TF_ENABLE_ONEDNN_OPTS)"] = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default")
    autograd = sys.modules.get("autograd")
    if autograd is not None:
        from importlib.metadata import version

        env["autograd"] = version("autograd")
    mx = sys.modules.get("mlx.core")
    if mx is not None:
        env["mlx"] = mx.__version__
        env["mlx default device"] = str(mx.default_device())
    return env
