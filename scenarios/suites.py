"""Named suites: ``smoke`` (20 scenarios, seconds), ``default`` (580), ``full`` (every
activation, soft labels, every output/loss pair, the tails of every activation), ``losses``
(the output/loss pairs on the default suite's networks), ``gelu-defaults`` (16, for the
engines that rely on their framework's GELU), ``tails`` (28, the full suite's networks that
reach every activation's tails).  ``crosscheck scenarios --suite NAME`` lists and counts them.

The default suite is built to expose a wrong formula, not only to run one:
- depths 1 (the article's logistic regression), 2, 3 and 5;
- square layers (a missing or extra transpose keeps every shape valid), widening and
  narrowing layers;
- input widths n_x that are never equal to the batch size m, so that a swapped X / X^T
  is a shape error or a wrong value, never a silent coincidence;
- batch sizes 1, 13 (small, odd) and 1024;
- every activation as every hidden layer of a uniform network, and mixed networks whose
  neighbouring layers have different activations (a derivative taken from the wrong
  layer changes the result);
- float64 and float32;
- the other output/loss pairs (``LOSS_PAIRS``) on a one-, a two- and a three-layer network:
  softmax with cce and identity with mse, where A - Y holds, and the negative controls
  sigmoid and tanh with mse, where it must not; with every hidden activation, so that a
  one-hidden-layer sigmoid network with a softmax output (MNIST by hand) is checked;
- the networks people write first in a tutorial (``tutorial``): one and two hidden layers
  of relu or tanh with sigmoid + bce, softmax + cce (3 and 10 classes) and identity + mse,
  so that a textbook two-layer classifier is checked, not skipped;
- deep sigmoid and tanh networks whose first layers' gradients vanish (``vanishing``),
  where only a tolerance at each quantity's own scale catches a wrong dW[1];
- sigmoid and tanh networks whose hidden pre-activations reach the tails, where the
  derivative has fallen below 1e-6 of its peak (``tails``: a derivative that returns 0 past
  some |z| fails there); ``crosscheck scenarios --coverage`` prints what each suite's data
  reach per activation (scenarios/coverage.py).
No network of the suites (but the convention pack's) has a layer whose gradient is exactly
zero (scenarios/problem.py redraws dead ReLU layers).
"""
from __future__ import annotations

from itertools import product

from crosscheck.scenarios.dtypes import HALF
from crosscheck.scenarios.spec import Scenario
from crosscheck.scenarios.tails import has_tail

#: The dtypes of the smoke, default and losses suites; half precision has its own suite.
SUITE_DTYPES = ("float64", "float32")

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
#: The full suite also covers these (issue 4's activations); default stays fast. A new
#: activation goes at the end of either tuple: it adds scenarios, and every id stays (MIXED_CYCLES).
MORE_ACTIVATIONS = ("softplus", "silu", "elu", "gelu", "gelu_tanh")
ALL_HIDDEN = HIDDEN_ACTIVATIONS + MORE_ACTIVATIONS
OUTPUT_ACTIVATION = "sigmoid"
#: (output activation, loss, n_L) besides the article's (sigmoid, bce, 1): two canonical
#: pairs, then two negative controls (dZ[L] = A[L] - Y must not hold).
LOSS_PAIRS = (("softmax", "cce", 3), ("identity", "mse", 2), ("sigmoid", "mse", 1), ("tanh", "mse", 2))

DEFAULT_SHAPES = (
    (4, 1), (9, 1),                                    # L = 1
    (4, 6, 1), (6, 6, 1),                              # L = 2: widening; square W1
    (5, 5, 5, 1), (8, 4, 2, 1), (2, 4, 8, 1),          # L = 3: square, narrowing, widening
    (5, 5, 5, 5, 5, 1), (3, 6, 5, 4, 3, 1),            # L = 5: square; up then down
)
DEFAULT_BATCHES = (1, 13, 1024)

FULL_SHAPES = DEFAULT_SHAPES + ((32, 64, 64, 1), (128, 64, 32, 16, 1), (7, 7, 7, 7, 7, 7, 7, 1))
FULL_BATCHES = (1, 2, 13, 1024, 4096)
FULL_SEEDS = (0, 1, 2)

SMOKE = (
    ((4, 1), ("sigmoid",), 1),
    ((4, 1), ("sigmoid",), 13),
    ((3, 5, 1), ("relu", "sigmoid"), 13),
    ((5, 3, 1), ("tanh", "sigmoid"), 7),
    ((4, 4, 1), ("leaky_relu", "sigmoid"), 16),
    ((6, 2, 1), ("identity", "sigmoid"), 9),
    ((5, 5, 5, 1), ("relu", "tanh", "sigmoid"), 16),
    ((2, 4, 8, 1), ("tanh", "leaky_relu", "sigmoid"), 1024),
    ((5, 5, 5, 5, 5, 1), ("sigmoid", "tanh", "relu", "leaky_relu", "sigmoid"), 11),
    ((3, 6, 5, 4, 3, 1), ("leaky_relu", "identity", "sigmoid", "tanh", "sigmoid"), 33),
)


#: The cycles whose rotations are the suites' mixed patterns, as they were when their ids
#: were fixed. Never edit one: an activation appended to HIDDEN_ACTIVATIONS or
#: MORE_ACTIVATIONS is outside them and gets mixed patterns of its own (``hidden_patterns``),
#: so that it adds scenarios and every id there was stays (tests/scenarios/test_suites.py).
MIXED_CYCLES = (
    ("sigmoid", "tanh", "relu", "leaky_relu", "identity"),
    ("sigmoid", "tanh", "relu", "leaky_relu", "identity", "softplus", "silu", "elu", "gelu", "gelu_tanh"),
)


def _rotations(cycle, n: int) -> list[tuple[str, ...]]:
    """The n-long windows of ``cycle`` read round it, one from each of its names."""
    return [tuple(cycle[(r + i) % len(cycle)] for i in range(n)) for r in range(len(cycle))]


def hidden_patterns(n_hidden: int, activations=None) -> list[tuple[str, ...]]:
    """Every activation (default HIDDEN_ACTIVATIONS) on every hidden layer; then the rotations
    of a mixed cycle: the longest of MIXED_CYCLES made of ``activations`` only (``activations``
    itself when none is); then, for each activation outside that cycle, in order, the
    rotations of (the activation before it, it): neighbouring layers that differ."""
    activations = HIDDEN_ACTIVATIONS if activations is None else tuple(activations)
    if n_hidden == 0:
        return [()]
    uniform = [(a,) * n_hidden for a in activations]
    if n_hidden == 1:
        return uniform
    cycle = max((c for c in MIXED_CYCLES if set(c) <= set(activations)), key=len, default=activations)
    mixed = _rotations(cycle, n_hidden)
    for i, a in enumerate(activations):
        if a not in cycle:
            mixed += _rotations((activations[i - 1], a), n_hidden)
    return uniform + mixed


def _matrix(shapes, batches, dtypes, seeds=(0,), regimes=("normal",), activations=None):
    return tuple(
        Scenario(shape, hidden + (OUTPUT_ACTIVATION,), m, dtype, seed, regime=regime)
        for regime, seed, shape in product(regimes, seeds, shapes)
        for hidden in hidden_patterns(len(shape) - 2, activations)
        for m, dtype in product(batches, dtypes)
    )


def _loss_matrix(shapes, batches, dtypes, activations=None):
    """The networks of ``shapes`` with each of LOSS_PAIRS as output (n_L replaced)."""
    return tuple(
        Scenario(shape[:-1] + (n_L,), hidden + (out,), m, dtype, loss=loss)
        for out, loss, n_L in LOSS_PAIRS
        for shape in shapes
        for hidden in hidden_patterns(len(shape) - 2, activations)
        for m, dtype in product(batches, dtypes)
    )


#: (output activation, loss, n_L) of the tutorials' networks, and their hidden layers.
TUTORIAL_OUTPUTS = (("sigmoid", "bce", 1), ("softmax", "cce", 3), ("softmax", "cce", 10), ("identity", "mse", 1))
TUTORIAL_HIDDEN = (("relu",), ("tanh",), ("relu", "relu"), ("tanh", "tanh"))
TUTORIAL_WIDTHS = (8, 6)
TUTORIAL_BATCHES = (1, 64)


def tutorial() -> tuple[Scenario, ...]:
    """One and two hidden layers (relu or tanh, widths 8 then 6, n_x = 4) with each of
    TUTORIAL_OUTPUTS, m = 1 and 64, float64 and float32."""
    return tuple(
        Scenario((4, *TUTORIAL_WIDTHS[:len(hidden)], n_L), hidden + (out,), m, dtype, loss=loss)
        for out, loss, n_L in TUTORIAL_OUTPUTS for hidden in TUTORIAL_HIDDEN
        for m, dtype in product(TUTORIAL_BATCHES, SUITE_DTYPES)
    )


#: Deep networks whose first layers' gradients vanish (max|dW[1]| ~ 4e-6 with six sigmoid
#: layers, m = 1024): a tolerance with a fixed absolute floor passes wrong gradients there.
VANISHING = (((8,) * 6 + (1,), ("sigmoid",) * 6), ((8,) * 6 + (1,), ("tanh",) * 5 + ("sigmoid",)))
VANISHING_BATCHES = (64, 1024)


def vanishing(dtypes=SUITE_DTYPES) -> tuple[Scenario, ...]:
    """VANISHING at m = 64 and 1024 in ``dtypes``."""
    return tuple(Scenario(shape, acts, m, dtype) for shape, acts in VANISHING for m in VANISHING_BATCHES
                 for dtype in dtypes)


#: Networks whose hidden pre-activations reach their activation's tails (regime ``tails``,
#: scenarios/problem.py): one and two hidden layers, m = 64, a sigmoid + bce output.
TAILS_SHAPES = ((4, 16, 1), (4, 12, 12, 1))
TAILS_BATCH = 64


def tails(activations, dtypes=SUITE_DTYPES) -> tuple[Scenario, ...]:
    """TAILS_SHAPES with each of ``activations`` that has a tail (scenarios/tails.py) on every
    hidden layer, in the ``tails`` regime, in ``dtypes``."""
    return tuple(Scenario(shape, (a,) * (len(shape) - 2) + (OUTPUT_ACTIVATION,), TAILS_BATCH, dtype, regime="tails")
                 for a in activations if has_tail(a) for shape in TAILS_SHAPES for dtype in dtypes)


def smoke() -> tuple[Scenario, ...]:
    """20 scenarios covering depths 1-5, all activations, m = 1 .. 1024, both dtypes."""
    return tuple(
        Scenario(shape, acts, m, dtype) for shape, acts, m in SMOKE for dtype in SUITE_DTYPES
    )


def default() -> tuple[Scenario, ...]:
    """The main job: see the module docstring for what it covers and why."""
    return (_matrix(DEFAULT_SHAPES, DEFAULT_BATCHES, SUITE_DTYPES) + _loss_matrix(((4, 1), (5, 5, 5, 1)), (13,), SUITE_DTYPES)
            + tutorial() + vanishing() + _loss_matrix(((4, 6, 1),), (13,), SUITE_DTYPES) + tails(HIDDEN_ACTIVATIONS))


def losses() -> tuple[Scenario, ...]:
    """Every pair of LOSS_PAIRS on every network of the default suite, m = 1, 13, 1024."""
    return _loss_matrix(DEFAULT_SHAPES, DEFAULT_BATCHES, SUITE_DTYPES)


def full() -> tuple[Scenario, ...]:
    """Wider (128) and deeper (L = 7) networks, m up to 4096, three seeds, every activation;
    the default suite's networks with soft labels (y in (0.05, 0.95)), and with every
    output/loss pair of LOSS_PAIRS and every hidden activation; the half suite (float16,
    bfloat16); and the tails of every activation that has them (``tails``).

    The ``wide`` input regime stays out: in float32 it rounds the sigmoid output to
    exactly 1, where the chain rule gives inf/NaN; that is a convention difference to
    label, not a suite to pass.
    """
    return (_matrix(FULL_SHAPES, FULL_BATCHES, SUITE_DTYPES, FULL_SEEDS, activations=ALL_HIDDEN)
            + _matrix(DEFAULT_SHAPES, DEFAULT_BATCHES, SUITE_DTYPES, regimes=("soft",))
            + _loss_matrix(DEFAULT_SHAPES, (13, 1024), SUITE_DTYPES, activations=ALL_HIDDEN)
            + tutorial() + vanishing() + half() + tails(ALL_HIDDEN))


def half() -> tuple[Scenario, ...]:
    """float16 and bfloat16 (torch and jax only) on the default suite's networks, the
    output/loss pairs (m = 1, 13, 1024) and the vanishing networks: those whose examples
    keep the half-precision margins from kinks and saturated outputs (scenarios/problem.py;
    a network whose units sit near a kink for every input cannot, and is left out: in half
    precision its ReLU masks flip, which is rounding, not a formula), and whose gradients
    of the batch-mean cost stay in the dtype's normal range (``underflows``: float16's
    vanishing networks, whose dJ/dZ[1] = dZ[1]/m is below 2^-14; bfloat16 keeps them)."""
    candidates = (_matrix(DEFAULT_SHAPES, DEFAULT_BATCHES, HALF)
                  + _loss_matrix(((4, 1), (5, 5, 5, 1)), DEFAULT_BATCHES, HALF) + vanishing(HALF))
    return tuple(_conditioned(candidates, len(candidates)))


#: The engines the convention pack is meant for (docs/conventions.md).
CONVENTION_ENGINES = ("numpy", "numpy-chain", "torch", "torch-bceloss", "jax", "jax-no-x64", "tensorflow", "autograd",
                      "mlx", "fd")


def _conditioned(candidates, n: int) -> list[Scenario]:
    """The first ``n`` candidates whose data the redraws could condition (scenarios/problem.py),
    and, in the ``saturated`` regime, with at least one output that rounds to exactly 1."""
    from crosscheck.reference.network import forward
    from crosscheck.scenarios.problem import build_problem, ill_conditioned_examples, underflows

    def usable(s):
        p = build_problem(s)
        if ill_conditioned_examples(p.astype("float64")).size or underflows(p):
            return False
        return s.regime != "saturated" or bool((forward(p.parameters, p.X, s.activations)[0][s.depth] == 1).any())

    return [s for s in candidates if usable(s)][:n]


def conventions() -> tuple[Scenario, ...]:
    """The places where engines differ by convention (run it with CONVENTION_ENGINES):
    exact zeros in the Z of one ReLU-type layer (``zeros``), float32 outputs that round to
    exactly 1 (``saturated``), and plain float64 networks (for JAX without x64)."""
    zeros = (((4, 5, 1), ("relu", "sigmoid")), ((4, 5, 1), ("leaky_relu", "sigmoid")),
             ((4, 5, 5, 1), ("tanh", "relu", "sigmoid")), ((4, 5, 5, 1), ("tanh", "leaky_relu", "sigmoid")),
             ((4, 5, 5, 1), ("leaky_relu", "tanh", "sigmoid")))
    saturated = (((4, 5, 1), ("tanh", "sigmoid")), ((4, 5, 1), ("relu", "sigmoid")),
                 ((4, 5, 5, 1), ("tanh", "relu", "sigmoid")))
    return (tuple(Scenario(shape, acts, 13, dtype, regime="zeros") for shape, acts in zeros for dtype in SUITE_DTYPES)
            + tuple(s for shape, acts in saturated for s in _conditioned(
                [Scenario(shape, acts, 64, "float32", seed, regime="saturated") for seed in range(20)], 2))
            + (Scenario((4, 5, 5, 1), ("tanh", "relu", "sigmoid"), 13, "float64"),
               Scenario((4, 6, 3), ("relu", "softmax"), 13, "float64", loss="cce")))


def gelu_defaults() -> tuple[Scenario, ...]:
    """GELU in both forms, for the engines that rely on their framework's default GELU
    (``torch-gelu-default``: erf; ``jax-gelu-default``: tanh): each one fails on the form
    its default is not, by the difference of the two forms (up to ~1e-3)."""
    shapes, acts = ((4, 6, 1), (5, 5, 5, 1)), ("gelu", "gelu_tanh")
    return tuple(Scenario(shape, (a,) * (len(shape) - 2) + (OUTPUT_ACTIVATION,), m, dtype)
                 for shape in shapes for a in acts for m in (13, 256) for dtype in SUITE_DTYPES)


def tails_suite() -> tuple[Scenario, ...]:
    """The full suite's tails networks: every activation that has a tail, float64 and float32."""
    return tails(ALL_HIDDEN)


SUITES = {"smoke": smoke, "default": default, "full": full, "losses": losses, "half": half,
          "conventions": conventions, "gelu-defaults": gelu_defaults, "tails": tails_suite}


def suite(name: str) -> tuple[Scenario, ...]:
    """The scenarios of the suite called ``name``; ValueError naming the accepted ones."""
    if name not in SUITES:
        raise ValueError(f"unknown suite {name!r}; accepted: {', '.join(SUITES)}")
    return SUITES[name]()
