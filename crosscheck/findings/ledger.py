"""The findings ledger: measured differences between an engine's activations and the exact
functions, which are neither a named choice (crosscheck/checks/conventions.py) nor a slip
in the engine's adapter.

A ``Finding`` names the engine, the framework version it was observed with, its scope (a
dtype and the activations that rest on the op responsible), the op, and the figure measured
by the op-level survey (crosscheck/findings/survey.py): the worst relative error of the
engine's g and g' of those activations in that dtype, against exact values.  Its
standalone reproduction (crosscheck/findings/reproductions/ID.py) imports only the
framework and NumPy, and prints the deviation.

A row is labelled ``finding`` only where the explanation is checked value by value
(crosscheck/checks/findings.py): the reference recomputed with the engine's own g and g'
for the activations in scope gives the engine's values within the dtype's tolerance, and
the engine's g and g' at that network's own Z stay within the finding's figure of the exact
functions.  Anything else (a slip in the recursion, in dW, a g' wrong by more than the
figure) stays a failure.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Where the reproduction scripts live (one per finding, named by its id).
REPRODUCTIONS = Path(__file__).with_name("reproductions")


#: A value of the engine's g or g' may be off by this many times the finding's figure
#: before the finding no longer explains its rows: the figure is measured on a grid, and a
#: scenario's Z falls between its points.
MARGIN = 2.0


@dataclass(frozen=True)
class Finding:
    id: str
    engine: str
    #: The framework's distribution and the version the figures were measured with.
    framework: str
    observed: str
    dtype: str
    #: (activation, figure) for each activation resting on the op: the worst relative error
    #: of the engine's g or g' of it in ``dtype`` (crosscheck/checks/findings.py: measure).
    figures: tuple[tuple[str, float], ...]
    op: str
    #: A title for an upstream report.
    title: str
    #: The name of its script in REPRODUCTIONS (without .py).
    script: str
    #: Whether the network-level check (its tolerance at each quantity's scale) sees it, or
    #: only the op-by-op survey does.
    network: bool = True

    @property
    def activations(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.figures)

    def figure(self, name: str) -> float:
        return dict(self.figures)[name]

    @property
    def reproduction(self) -> Path:
        return REPRODUCTIONS / f"{self.script}.py"

    def covers(self, engine: str, dtype: str, activations) -> bool:
        """Whether a ``dtype`` network of ``activations`` run by ``engine`` is in scope."""
        return engine == self.engine and dtype == self.dtype and bool(set(self.activations) & set(activations))

    def explanation(self) -> str:
        worst = max(f for _, f in self.figures)
        return (f"{self.framework} {self.observed}: {self.op}; its {', '.join(self.activations)} and their "
                f"derivatives are up to {worst:.1e} relative off in {self.dtype}, and the values agree with the "
                f"reference recomputed with them (reproduction: crosscheck/findings/reproductions/{self.script}.py)")


#: One report upstream for both of MLX's float64 ops (one reproduction prints each figure).
MLX_TITLE = ("MLX: mx.exp and mx.erf of float64 arrays are float32-accurate on the CPU (exp has float32's range "
             "too)")

#: Not in the ledger: MLX's float64 elu and silu (their error between the survey grid's
#: points exceeded twice the grid's figure in fuzz examples: 4.0e-6 against silu's 1.7e-6);
#: those networks stay declined (adapters/mlx_grad.py), with the reason, until the figure
#: is measured on a grid that bounds them.
FINDINGS: tuple[Finding, ...] = (
    Finding("tf-gelu-erf-float64", "tensorflow", "tensorflow-cpu", "2.21.0", "float64", (("gelu", 5.7e-6),),
            "tf.nn.gelu(approximate=False) casts 1/sqrt(2) through float32",
            "TensorFlow: float64 tf.nn.gelu(approximate=False) is up to 1.1e-6 relative off: 1/sqrt(2) is "
            "rounded to float32", "tf_gelu_erf_float64"),
    Finding("tf-gelu-tanh-float64", "tensorflow", "tensorflow-cpu", "2.21.0", "float64", (("gelu_tanh", 5.8e-7),),
            "tf.nn.gelu(approximate=True) casts 0.044715 through float32",
            "TensorFlow: float64 tf.nn.gelu(approximate=True) is ~1e-8..1e-6 relative off: 0.044715 is rounded "
            "to float32", "tf_gelu_tanh_float64"),
    Finding("mlx-exp-float64", "mlx", "mlx", "0.32.4", "float64",
            (("sigmoid", 5.8e-7), ("softplus", 5.8e-7)),
            "mx.exp of a float64 array is float32-accurate on the CPU",
            MLX_TITLE, "mlx_exp_erf_float64"),
    Finding("mlx-erf-float64", "mlx", "mlx", "0.32.4", "float64", (("gelu", 2.2e-4),),
            "mx.erf (and mx.exp) of a float64 array are float32-accurate on the CPU",
            MLX_TITLE, "mlx_exp_erf_float64"),
    Finding("torch-softplus-threshold-float64", "torch", "torch", "2.13.0", "float64", (("softplus", 1.9e-9),),
            "F.softplus(z) returns z for z > threshold = 20",
            "PyTorch: F.softplus returns z for z > 20 (threshold=20): 1e-10 relative off in float64, its gradient "
            "exactly 1", "torch_softplus_threshold"),
)
