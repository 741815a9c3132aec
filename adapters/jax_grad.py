"""``jax.grad`` of J with respect to the parameters and to zero arrays added to X, Z[l], A[l];
per-example gradients from ``jax.vmap(jax.grad(...))`` of one example's loss, in the same program.

The gradient function is ``jax.jit``-compiled, as people train with it; the activation
of each layer is chosen inside it by a traced index (``jnp.where`` over the candidates),
so one compilation serves every activation pattern of a shape.  Compiled programs are kept
in JAX's persistent compilation cache (``CROSSCHECK_JAX_CACHE``, default
``~/.cache/backprop-crosscheck/jax``; ``off`` disables it), beside them the traced and
lowered programs (``jax.export``), so that a later run does not trace and lower them
again; and the programs a run needs are compiled ahead, in a background thread
(adapters/jax_programs.py).

JAX computes in float32 unless x64 is enabled, even when handed float64 arrays; the
adapter enables x64 when it loads, so a float64 scenario really runs in float64.
"""
from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from crosscheck.adapters import jax_programs
from crosscheck.adapters.activation_tables import MissingActivation, layer_functions
from crosscheck.adapters.base import Engine, Trace, Unsupported, per_example, written_cost
from crosscheck.checks.per_example import chunk_examples, per_example_layers
from crosscheck.scenarios.dtypes import DTYPES, numpy_dtype
from crosscheck.scenarios.problem import Problem


def cache_dir() -> str | None:
    """Where compiled programs are kept between runs, or None when caching is off."""
    value = os.environ.get("CROSSCHECK_JAX_CACHE")
    if value == "off":
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return value or str(base / "backprop-crosscheck" / "jax")


#: The activations of the default suites: one program chooses among these only (more
#: candidates cost compile time for every shape); softmax outputs get their own.
CLASSIC = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
CLASSIC_SOFTMAX = CLASSIC + ("softmax",)


def _activations(jax) -> dict:
    jnp = jax.numpy
    return {
        "sigmoid": jax.nn.sigmoid,
        "tanh": jnp.tanh,
        "relu": jax.nn.relu,
        "leaky_relu": lambda z: jax.nn.leaky_relu(z, negative_slope=0.01),
        "identity": lambda z: z,
        "softplus": jax.nn.softplus,
        "silu": jax.nn.silu,
        "elu": lambda z: jax.nn.elu(z, alpha=1.0),
        "gelu": lambda z: jax.nn.gelu(z, approximate=False),  # JAX's default is the tanh form
        "gelu_tanh": lambda z: jax.nn.gelu(z, approximate=True),
        "softmax": lambda z: jax.nn.softmax(z, axis=0),  # over the units of each example (column)
    }


def _gradient_function(jax, g: dict, where: bool):
    """jit(grad(J)) with the layer's activation chosen among ``g`` by a traced index: with
    ``where``, every candidate computed and the chosen one's value kept by jnp.where (its
    gradient gets the cotangent, the others exact zeros), else ``lax.switch``.

    jnp.where gives lax.switch's numbers bit for bit for the CLASSIC candidates (the default
    suite's 532 scenarios, and tests/adapters/test_jax_programs.py) in a program about half
    the size, faster to compile and to load; with every activation XLA fuses the
    derivatives of GELU, SiLU, ELU and softplus differently (dW one ulp apart), so that
    program keeps lax.switch."""
    jnp = jax.numpy
    branches = list(g.values())

    def chosen(index, z):
        if not where:
            return jax.lax.switch(index, branches, z)
        a = branches[0](z)
        for i, branch in enumerate(branches[1:], 1):
            a = jnp.where(index == i, branch(z), a)
        return a

    def cost(P, eZ, eA, X, Y, g_index, loss):  # A, Z: lists (A[0] = X), as jax.export serialises them
        L, m = len(eZ), X.shape[1]
        A, Z = [X + eA[0]], []
        for l in range(1, L + 1):
            Z.append(P[f"W{l}"] @ A[l - 1] + P[f"b{l}"] + eZ[l - 1])
            A.append(chosen(g_index[l - 1], Z[l - 1]) + eA[l])
        return written_cost(jnp, loss, A[L], Y, m), (A, Z)

    def one(P, x, y, g_index, loss):  # one example's loss: x (n_0,), y (n_L,) as a batch of one
        a = x[:, None]
        for l in range(1, len(P) // 2 + 1):
            a = chosen(g_index[l - 1], P[f"W{l}"] @ a + P[f"b{l}"])
        return written_cost(jnp, loss, a, y[:, None], 1)

    def examples(P, X, Y, g_index, loss):  # the per-example gradients of the columns of X, Y
        return jax.vmap(jax.grad(lambda P, x, y: one(P, x, y, g_index, loss)), in_axes=(None, 1, 1))(P, X, Y)

    def gradients(P, eZ, eA, X, Y, g_index, loss):
        """grad(J) as above, and the per-example gradients of the first chunk of examples
        (checks/per_example.py: all of them where they fit in one) from
        jax.vmap(jax.grad(one example's loss))."""
        sizes = [X.shape[0]] + [z.shape[0] for z in eZ]
        k = chunk_examples(sizes, X.shape[1])
        each = examples(P, X[:, :k], Y[:, :k], g_index, loss)
        return jax.grad(cost, argnums=(0, 1, 2), has_aux=True)(P, eZ, eA, X, Y, g_index, loss) + (each,)

    return jax.jit(gradients, static_argnames=("loss",)), tuple(g), jax.jit(examples, static_argnames=("loss",))


class JaxGrad(Engine):
    """Forward pass in ``jax.numpy`` on JAX's default device (the CPU here)."""

    name = "jax"
    per_example_gradients = True
    conventions = ("JAX without x64",)
    module = "jax"
    devices = ("cpu", "cuda")
    dtypes = DTYPES

    def device_unavailable(self, jax) -> str | None:
        if self.device == "cpu":
            return None
        try:
            self._device = jax.devices("gpu")[0]
        except RuntimeError as exc:
            return f"no GPU for JAX ({str(exc).splitlines()[0]})"
        return None

    def activations(self, jax) -> dict:
        """Activation name -> the JAX function the engine runs for it."""
        return _activations(jax)

    def configure(self, jax) -> None:
        jax.config.update("jax_enable_x64", True)
        directory = cache_dir()
        if directory:
            jax.config.update("jax_compilation_cache_dir", directory)
            jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
        g = self._table = self.activations(jax)
        made = [_gradient_function(jax, {n: g[n] for n in names}, where=True) for names in (CLASSIC, CLASSIC_SOFTMAX)]
        made.append(_gradient_function(jax, g, where=False))
        self._programs = [(grad, names) for grad, names, _ in made]
        #: {activation names: jit of the per-example gradients of a chunk of examples} (the
        #: chunks after the first, where a batch's do not fit in one: checks/per_example.py)
        self._chunk_programs = {names: chunk for _, names, chunk in made}
        self._signatures = set()
        self._exported = self._ahead = None
        if directory and self.device == "cpu" and jax_programs.exportable():
            self._exported = jax_programs.ExportedPrograms(jax, directory, jax_programs.engine_salt(self))

    #: Compiled programs kept in memory before the jit caches are cleared: every one holds
    #: mapped code, and thousands of shapes (``crosscheck fuzz``) exhaust the process's maps
    #: ("LLVM compilation error: Cannot allocate memory", then a segfault: seen with 200
    #: on the full suite once it had half precision and three losses; with the per-example
    #: gradients in each program, each holds about twice the maps, and 100 crashed the full
    #: suite within a minute: 65,530 maps, vm.max_map_count). The persistent cache stays.
    MAX_PROGRAMS = 50

    def _count_signature(self, problem, chunk: bool = False) -> None:
        s = problem.scenario
        self._signatures.add((s.layer_sizes, s.m, s.dtype, s.loss, self.program(s.activations)[1], chunk))
        if len(self._signatures) > self.MAX_PROGRAMS:
            self.load().clear_caches()
            self._signatures.clear()
            if self._exported is not None:  # the jitted calls it keeps hold their executables (and maps) too
                self._exported.clear()

    def program(self, activations):
        """(the compiled gradient, its activation names): the small one when it will do."""
        return next(p for p in self._programs if set(activations) <= set(p[1]))

    #: Whether ``prepare`` compiles the run's programs ahead, in a background thread
    #: (adapters/jax_programs.py); a subclass that changes JAX's settings inside ``trace``
    #: (jax-no-x64) turns it off, as the thread would compile under the global settings.
    compiles_ahead = True

    def _arguments(self, s, X, Y, parameters):
        """(gradient function, its activation names, its arguments) for scenario ``s``; the
        arrays may be jax.ShapeDtypeStruct (to compile ahead) or the problem's."""
        m, dtype = s.m, X.dtype
        zeros = (lambda shape: np.zeros(shape, dtype)) if isinstance(X, np.ndarray) else \
            (lambda shape: self.load().ShapeDtypeStruct(shape, dtype))
        eZ = [zeros((n, m)) for n in s.layer_sizes[1:]]
        eA = [zeros((n, m)) for n in s.layer_sizes]
        grad, names = self.program(s.activations)
        g_index = np.array([names.index(a) for a in s.activations], np.int32)
        if not isinstance(X, np.ndarray):
            g_index = self.load().ShapeDtypeStruct(g_index.shape, g_index.dtype)
        return grad, names, (parameters, eZ, eA, X, Y, g_index)

    def prepare(self, items) -> None:
        """Start compiling the programs of ``items`` (scenarios or problems, in run order), at
        most MAX_PROGRAMS of them, in a background thread (CPU only)."""
        if not self.compiles_ahead or self.device != "cpu":
            return
        jax = self.load()
        self.close()
        spec = lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype)  # noqa: E731
        plan, uses = {}, {}
        for item in items:
            problem = item if isinstance(item, Problem) else None
            s = problem.scenario if problem else item
            if s.dtype not in self.dtypes or not self.computes(s.activations):
                continue  # trace says why
            if problem is not None:
                X, Y, P = spec(problem.X), spec(problem.Y), {k: spec(v) for k, v in problem.parameters.items()}
            else:
                dtype = numpy_dtype(s.dtype)
                sizes = s.layer_sizes
                X, Y = jax.ShapeDtypeStruct((sizes[0], s.m), dtype), jax.ShapeDtypeStruct((sizes[-1], s.m), dtype)
                P = {}
                for l in range(1, len(sizes)):
                    P[f"W{l}"] = jax.ShapeDtypeStruct((sizes[l], sizes[l - 1]), dtype)
                    P[f"b{l}"] = jax.ShapeDtypeStruct((sizes[l], 1), dtype)
            grad, names, args = self._arguments(s, X, Y, P)
            k = self._key(args, s.loss, names)
            if k not in plan and len(plan) >= self.MAX_PROGRAMS:
                continue
            plan.setdefault(k, self._compiler(grad, names, args, s.loss))
            uses[k] = uses.get(k, 0) + 1
        self._ahead = jax_programs.Ahead([(k, compile_, uses[k]) for k, compile_ in plan.items()])

    def _key(self, args, loss, names) -> str:
        return jax_programs.key(self.load(), type(self).__qualname__, args, loss, names)

    def _compiler(self, grad, names, args, loss):
        def compile_():
            function = self._exported.function(grad, args, loss, names, keep=False) if self._exported else grad
            lowered = function.lower(*args) if self._exported else function.lower(*args, loss=loss)
            return lowered.compile()
        return compile_

    def close(self) -> None:
        if getattr(self, "_ahead", None) is not None:
            self._ahead.close()
            self._ahead = None

    def computes(self, activations) -> bool:
        """Whether every one of ``activations`` is in the engine's table and not declared skipped."""
        try:
            layer_functions(self, self._table, activations)
        except (Unsupported, MissingActivation):
            return False
        return True

    def trace(self, problem) -> Trace:
        self.load()
        s = problem.scenario
        layer_functions(self, self._table, s.activations)  # Unsupported for a declared skip; a gap raises
        L, m = s.depth, s.m
        grad, names, args = self._arguments(s, problem.X, problem.Y, problem.parameters)
        compiled = self._ahead.take(self._key(args, s.loss, names)) if self._ahead is not None else None
        if compiled is not None:
            (dP, deZ, deA), (A, Z), each = compiled(*args)
        else:
            self._count_signature(problem)
            if self.device != "cpu":  # committed inputs: the compiled program runs on that device
                args = self.load().device_put(args, self._device)
            if self._exported is not None:
                (dP, deZ, deA), (A, Z), each = self._exported(grad, args, s.loss, names)
            else:
                (dP, deZ, deA), (A, Z), each = grad(*args, loss=s.loss)
        layers = range(1, L + 1)
        values = self._per_example(problem, args, names, each)
        return Trace(
            A={l: np.asarray(a) for l, a in enumerate(A)},
            Z={l: np.asarray(z) for l, z in zip(layers, Z)},
            dA={l: per_example(np.asarray(d), m) for l, d in enumerate(deA)},
            dZ={l: per_example(np.asarray(d), m) for l, d in zip(layers, deZ)},
            dW={l: np.asarray(dP[f"W{l}"]) for l in layers},
            db={l: np.asarray(dP[f"b{l}"]) for l in layers},
            dW_i={l: values[("dW_i", l)] for l in layers},
            db_i={l: values[("db_i", l)] for l in layers},
        )

    def settings(self):
        """The JAX settings the engine computes under, as a context (its chunks of per-example
        gradients are made after ``trace`` returns, under these again): none of its own here."""
        return nullcontext()

    def _per_example(self, problem, args, names, first) -> dict:
        """{("dW_i" or "db_i", layer): every example's}: the gradient program's ``first`` chunk,
        and where the batch has more, the others from the chunk program (every chunk where an
        exported program, made under another chunk size, gives fewer), each made when the
        comparison reads it (the last chunk padded to the chunk's size with copies of its last
        example, so that one compilation serves every chunk)."""
        s, (P, _, _, X, Y, g_index) = problem.scenario, args
        k = chunk_examples(s.layer_sizes, s.m)
        if k < s.m:  # a compiled chunk program of its own
            self._count_signature(problem, chunk=True)

        def values(each) -> dict:
            return {**{("dW_i", l): np.asarray(each[f"W{l}"]) for l in range(1, s.depth + 1)},
                    **{("db_i", l): np.asarray(each[f"b{l}"]) for l in range(1, s.depth + 1)}}

        given = values(first)

        def made(start: int, stop: int) -> dict:
            if start == 0 and all(len(v) >= stop for v in given.values()):  # the gradient program's chunk
                return {key: value[:stop] for key, value in given.items()}  # (an exported one may hold more)
            columns = np.minimum(np.arange(start, start + k), stop - 1)  # the last chunk: edge-padded
            with self.settings():
                each = self._chunk_programs[names](P, X[:, columns], Y[:, columns], g_index, loss=s.loss)
            return {key: value[:stop - start] for key, value in values(each).items()}

        return per_example_layers(made, s)
