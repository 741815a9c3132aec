"""The jax engine's compiled programs: kept between runs, and compiled ahead of their use.

**Kept between runs.** JAX's persistent compilation cache keeps the XLA compile, but every
new process still traces and lowers each program again (tens of milliseconds apiece; the
default suite needs about a hundred). An exported program (``jax.export``: the lowered
StableHLO, serialised) is traced and lowered once; a later run deserialises it and lowers
only a thin wrapper around it, and the compile comes from the persistent cache. The same HLO
gives the same numbers (tests/adapters/test_jax_programs.py compares them bit for bit).
A file's name is a hash of everything that shapes the program: the JAX and jaxlib versions,
x64, the platform, the engine's class and the source files of its class hierarchy (an edit to
the engine, or to ``written_cost`` in adapters/base.py, is a new program), the activations its
selection chooses among, the loss, and the arguments' tree, shapes and dtypes. A file that
cannot be read is exported again; files are written atomically.

**Compiled ahead.** ``Ahead`` compiles the programs a run will need, in the order of first
use, in one background thread, while the run computes the other engines' traces and the
comparisons: XLA's compile and the cache's deserialisation run outside Python's lock, on the
second core. It keeps at most a few programs compiled ahead of their first use (memory),
and drops each after its last use. Ahead-of-time compiling lowers the same
function for the same argument shapes, so it is the same executable.
"""
from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SUFFIX = ".jaxexport"


def exportable() -> bool:
    """Whether jax.export can serialise here (it needs the flatbuffers package)."""
    return importlib.util.find_spec("flatbuffers") is not None


def engine_salt(engine) -> str:
    """The part of every key that comes from the engine: its class and its classes' source files."""
    digest = hashlib.sha256(f"{type(engine).__module__}.{type(engine).__qualname__}".encode())
    for cls in type(engine).__mro__:
        try:
            digest.update(Path(inspect.getfile(cls)).read_bytes())
        except (TypeError, OSError):  # object, builtins
            continue
    return digest.hexdigest()


def key(jax, salt: str, args, loss: str, names: tuple) -> str:
    """What identifies a program: ``salt``, x64, the loss, the activations and the arguments'
    tree, shapes and dtypes (arrays or jax.ShapeDtypeStruct give the same key)."""
    leaves, tree = jax.tree_util.tree_flatten(args)
    shapes = ";".join(f"{leaf.dtype}{tuple(leaf.shape)}" for leaf in leaves)
    text = f"{salt}|x64 {bool(jax.config.jax_enable_x64)}|{loss}|{','.join(names)}|{tree}|{shapes}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class ExportedPrograms:
    """Jitted gradient functions called through their exported form, exported at most once."""

    def __init__(self, jax, directory: str, salt: str):
        import jaxlib

        self.jax = jax
        self.directory = Path(directory) / "exported"
        self.salt = f"{salt}|jax {jax.__version__}|jaxlib {jaxlib.__version__}|{jax.default_backend()}"
        self._calls: dict[str, object] = {}

    def key(self, args, loss: str, names: tuple) -> str:
        return key(self.jax, self.salt, args, loss, names)

    def function(self, grad, args, loss: str, names: tuple, keep: bool = True):
        """The jitted call of ``grad``'s exported form for these arguments (read, or exported
        now); ``keep``: kept for the next call with them (a program compiled ahead is not:
        its caller holds it until its last use, and a kept jit would hold its lowering for
        the rest of the run, hundreds of MiB over the default suite)."""
        k = self.key(args, loss, names)
        call = self._calls.get(k)
        if call is None:
            # jit: a call after the first takes JAX's C++ fast path, not the primitive's dispatch
            call = self.jax.jit(self._read(k) or self._export(grad, args, loss, k))
            if keep:
                self._calls[k] = call
        return call

    def clear(self) -> None:
        """Drop the jitted calls kept (their compiled executables with them); the exported
        files stay."""
        self._calls.clear()

    def __call__(self, grad, args, loss: str, names: tuple):
        return self.function(grad, args, loss, names)(*args)

    def _read(self, k: str):
        from jax import export

        try:
            return export.deserialize(bytearray((self.directory / f"{k}{SUFFIX}").read_bytes())).call
        except Exception:  # missing, truncated or from elsewhere: export it again
            return None

    def _export(self, grad, args, loss: str, k: str):
        from jax import export

        exported = export.export(grad)(*args, loss=loss)
        tmp = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(exported.serialize())
            os.replace(tmp, self.directory / f"{k}{SUFFIX}")
        except OSError:  # a read-only cache: the program still runs, and is exported again next time
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
        return exported.call


class Ahead:
    """Programs compiled in a background thread, in the order given, at most ``lead`` of them
    compiled and not yet used, each dropped after its last use. ``plan``: (key, compile
    function, uses) per program, in order of first use; ``take(key)`` waits for that program
    and returns it, or None when it is not planned or its compile failed (the caller then
    compiles it itself, so an error is the caller's own, not the thread's)."""

    def __init__(self, plan, lead: int = 8):
        self._slots = threading.Semaphore(lead)
        self._order = {k: i for i, (k, _, _) in enumerate(plan)}
        self._first_taken = 0  # plan[:_first_taken] have been taken at least once
        self._uses = {k: uses for k, _, uses in plan}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crosscheck-jax-ahead")
        self._futures = {k: self._pool.submit(self._compile, compile_) for k, compile_, _ in plan}

    def _compile(self, compile_):
        self._slots.acquire()  # released when the program (or one planned after it) is first taken
        return compile_()

    def take(self, k: str):
        future = self._futures.get(k)
        if future is None:
            return None
        # this program and every one planned before it are now taken: their slots free up, so
        # the thread never waits for a slot that a program it must compile first is holding
        while self._first_taken <= self._order[k]:
            self._first_taken += 1
            self._slots.release()
        self._uses[k] -= 1
        if self._uses[k] <= 0:  # its last use: let the executable go
            del self._futures[k]
        try:
            return future.result()
        except Exception:
            return None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        for _ in range(len(self._order)):  # a thread waiting for a slot goes on, and finds nothing to do
            self._slots.release()
        self._futures.clear()
