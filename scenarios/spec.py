"""The scenario spec: one network, one batch, one dtype, one seed; a stable readable id.

An id reads ``relu-tanh-sigmoid_4-5-5-1_m16_float32_s0``: activations (one per layer),
layer sizes ``n_x-n_1-...-n_L``, batch size, dtype, seed; then the loss when it is not
the article's ``bce`` (``_cce``, ``_mse``), then the input regime when it is not
``normal`` (``_soft``: soft labels; ``_wide``: wide inputs; ``_tails``: hidden layers scaled out
to their activations' tails), e.g.
``tanh-softmax_4-5-3_m8_float64_s0_cce``.  ``Scenario.from_id`` parses it back.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from crosscheck.reference.activations import ACTIVATIONS
from crosscheck.reference.losses import LOSSES
from crosscheck.scenarios.dtypes import DTYPES  # float64, float32, float16, bfloat16

#: ``normal``: X ~ N(0, 1), hard labels; ``soft``: the same with soft labels y in (0.05, 0.95);
#: ``wide``: X ~ N(0, 9), nothing redrawn; ``zeros``: exact zeros in the Z of ReLU-type
#: layers; ``saturated``: float32 sigmoid outputs that round to exactly 1 (these two are
#: for the convention pack); ``tails``: hidden pre-activations that reach the z where the
#: derivative has decayed to TAIL_FRACTION of its peak (scenarios/problem.py, tails.py).
REGIMES = ("normal", "soft", "wide", "zeros", "saturated", "tails")

_ID = re.compile(
    r"^(?P<acts>[a-z_]+(?:-[a-z_]+)*)_(?P<sizes>\d+(?:-\d+)+)_m(?P<m>\d+)"
    r"_(?P<dtype>[a-z0-9]+)_s(?P<seed>\d+)(?:_(?P<loss>bce|cce|mse))?(?:_(?P<regime>[a-z]+))?$"
)


def _one_of(what, value, accepted):
    if value not in accepted:
        raise ValueError(f"unknown {what} {value!r}; accepted: {', '.join(accepted)}")


@dataclass(frozen=True)
class Scenario:
    """A network ``layer_sizes = (n_x, n_1, ..., n_L)`` with ``activations[l-1] = g[l]``."""

    layer_sizes: tuple[int, ...]
    activations: tuple[str, ...]
    m: int
    dtype: str = "float64"
    seed: int = 0
    loss: str = "bce"
    regime: str = "normal"
    #: Set when the data come from a file (``--network``), not from the seed.
    source: str = ""

    def __post_init__(self):
        object.__setattr__(self, "layer_sizes", tuple(int(n) for n in self.layer_sizes))
        object.__setattr__(self, "activations", tuple(self.activations))
        if len(self.layer_sizes) < 2 or min(self.layer_sizes) < 1:
            raise ValueError(f"layer sizes {self.layer_sizes}: need n_x and at least one layer, all >= 1")
        if len(self.activations) != len(self.layer_sizes) - 1:
            raise ValueError(
                f"{len(self.activations)} activations for {len(self.layer_sizes) - 1} layers"
            )
        for name in self.activations:
            _one_of("activation", name, tuple(ACTIVATIONS))
        _one_of("dtype", self.dtype, DTYPES)
        _one_of("loss", self.loss, LOSSES)
        _one_of("input regime", self.regime, REGIMES)
        if self.m < 1:
            raise ValueError(f"batch size m={self.m}: must be >= 1")
        self._check_output()

    def _check_output(self):
        """Which output/loss pairs exist (reference/losses.py: canonical and non-canonical)."""
        out, n_L = self.activations[-1], self.layer_sizes[-1]
        if "softmax" in self.activations[:-1]:
            raise ValueError("softmax is an output activation (the last layer) only")
        if self.loss == "bce" and (out != "sigmoid" or n_L != 1):
            raise ValueError("loss bce needs one sigmoid output unit (n_L = 1, g[L] = sigmoid)")
        if self.loss == "cce" and (out != "softmax" or n_L < 2):
            raise ValueError("loss cce needs a softmax output with n_L >= 2 classes")
        if out == "softmax" and self.loss != "cce":
            raise ValueError("a softmax output needs loss cce")
        if self.regime == "saturated" and (self.loss != "bce" or self.dtype != "float32"):
            raise ValueError("the saturated regime is for bce in float32 (outputs that round to exactly 1)")
        if self.regime == "soft" and self.loss == "mse":
            raise ValueError("soft labels are for bce and cce; mse targets are real numbers already")

    @property
    def depth(self) -> int:
        """L, the number of layers."""
        return len(self.activations)

    @property
    def id(self) -> str:
        """Stable readable id, e.g. ``relu-tanh-sigmoid_4-5-5-1_m16_float32_s0``."""
        text = f"{'-'.join(self.activations)}_{'-'.join(map(str, self.layer_sizes))}_m{self.m}_{self.dtype}"
        if self.source:
            return f"net-{self.source}_{text}" + ("" if self.loss == "bce" else f"_{self.loss}")
        text = f"{text}_s{self.seed}"
        if self.loss != "bce":
            text = f"{text}_{self.loss}"
        return text if self.regime == "normal" else f"{text}_{self.regime}"

    @classmethod
    def from_id(cls, text: str) -> "Scenario":
        """Parse an id made by ``Scenario.id``; ValueError with the expected form otherwise."""
        match = _ID.match(text)
        if not match:
            raise ValueError(
                f"scenario id {text!r} does not read ACTS_SIZES_mM_DTYPE_sSEED"
                " (e.g. relu-tanh-sigmoid_4-5-5-1_m16_float32_s0)"
            )
        return cls(
            layer_sizes=tuple(int(n) for n in match["sizes"].split("-")),
            activations=tuple(match["acts"].split("-")),
            m=int(match["m"]),
            dtype=match["dtype"],
            seed=int(match["seed"]),
            loss=match["loss"] or "bce",
            regime=match["regime"] or "normal",
        )

    def as_json(self) -> dict:
        """The keys other tools rely on: id, layer_sizes, activations, loss, m, dtype, seed."""
        data = asdict(self)
        data["layer_sizes"] = list(self.layer_sizes)
        data["activations"] = list(self.activations)
        return {"id": self.id, **data}
