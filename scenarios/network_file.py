"""A single network as a file: ``.npz`` with X, Y, W1, b1, ..., WL, bL and activations
(and optionally ``loss``: ``bce``, the default, ``cce`` or ``mse``)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from crosscheck.scenarios.problem import Problem
from crosscheck.scenarios.spec import DTYPES, Scenario


def load_network(path) -> Problem:
    """The network in ``path`` as a Problem; ValueError with one clear line otherwise.

    Loaded without pickle.  The scenario id is ``net-<file stem>_<acts>_<sizes>_m<m>_<dtype>``.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise ValueError(f"--network: no file {path}") from None
    except Exception as exc:  # not a zip, an object array (pickle), ...
        raise ValueError(f"--network {path}: cannot read it as .npz without pickle ({exc})") from None
    for key in ("X", "Y", "W1", "b1", "activations"):
        if key not in arrays:
            raise ValueError(f"--network {path}: missing key {key!r} (needs X, Y, W1, b1, ..., activations)")
    L = 0
    while f"W{L + 1}" in arrays:
        L += 1
    X, Y = arrays["X"], arrays["Y"]
    dtype = str(X.dtype)
    if dtype not in DTYPES:
        raise ValueError(f"--network {path}: X has dtype {dtype}; accepted: {', '.join(DTYPES)}")
    if X.ndim != 2:
        raise ValueError(f"--network {path}: X has shape {X.shape}, expected (n_x, m)")
    m, sizes, params = X.shape[1], [X.shape[0]], {}
    for l in range(1, L + 1):
        if f"b{l}" not in arrays:
            raise ValueError(f"--network {path}: missing key 'b{l}' for W{l}")
        W, b = arrays[f"W{l}"], arrays[f"b{l}"]
        if W.ndim != 2 or W.shape[1] != sizes[-1]:
            raise ValueError(f"--network {path}: W{l} has shape {W.shape}, expected ({W.shape[0] if W.ndim else '?'}, {sizes[-1]})")
        if b.shape != (W.shape[0], 1):
            raise ValueError(f"--network {path}: b{l} has shape {b.shape}, expected ({W.shape[0]}, 1)")
        sizes.append(W.shape[0])
        params[f"W{l}"], params[f"b{l}"] = W.astype(dtype), b.astype(dtype)
    if Y.shape != (sizes[-1], m):
        raise ValueError(f"--network {path}: Y has shape {Y.shape}, expected ({sizes[-1]}, {m})")
    activations = tuple(str(a) for a in np.atleast_1d(arrays["activations"]))
    loss = str(arrays["loss"]) if "loss" in arrays else "bce"
    try:
        scenario = Scenario(tuple(sizes), activations, m, dtype, loss=loss, source=path.stem)
    except ValueError as exc:
        raise ValueError(f"--network {path}: {exc}") from None
    return Problem(scenario, X, Y.astype(dtype), params)

