"""A user's backward (and forward) function, run in a child process of its own.

The harness never imports the user's module: a child process does (forked from a clean
forkserver where the platform has one, else spawned), so whatever the
module stubs (``sys.modules['matplotlib'] = ...``), prints, raises or loops forever stays
there.  The child's stdout and stderr (file descriptors 1 and 2, so C-level output too)
go to a temporary file; what each call printed comes back with its answer.  A call that
does not answer within the time limit is ended with the child, and the next call starts
a new one.

``Code`` says what to load: ``FILE.py:FUNC`` or a function object (a notebook cell's,
sent by value with cloudpickle).  Its cost is one child start per run (and per worker)
and one pipe round trip per scenario (measured by benchmarks/user_code.py; the figures
are in benchmarks/RESULTS.md).
"""
from __future__ import annotations

import contextlib
import inspect
import multiprocessing
import os
import sys
import sysconfig
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: What one call may print before the rest is dropped (the log stays readable).
MAX_OUTPUT = 20_000


@dataclass(frozen=True)
class Code:
    """One user function: ``spec`` ("FILE.py:FUNC") or ``pickled`` (cloudpickle bytes)."""

    spec: str = ""
    pickled: bytes = b""
    label: str = ""

    @classmethod
    def of(cls, target) -> "Code":
        """From "FILE.py:FUNC" or a callable; ValueError with one line otherwise."""
        if isinstance(target, str):
            path, sep, name = target.rpartition(":")
            if not sep or not path or not name:
                raise ValueError(f"{target!r}: expected FILE.py:FUNC")
            if not Path(path).is_file():
                raise ValueError(f"no file {path}")
            return cls(spec=f"{Path(path).resolve()}:{name}", label=target)
        if not callable(target):
            raise ValueError(f"expected a function or FILE.py:FUNC, got {type(target).__name__}")
        import cloudpickle

        try:
            return cls(pickled=cloudpickle.dumps(target), label=getattr(target, "__name__", "function"))
        except Exception as exc:  # a closure over something that cannot be sent to another process
            raise ValueError(f"cannot send {getattr(target, '__name__', target)!r} to the checking process: "
                             f"{type(exc).__name__}: {exc}") from None

    @property
    def name(self) -> str:
        return self.spec.rpartition(":")[2] if self.spec else self.label


class UserCodeError(Exception):
    """The user's code raised, timed out or died; ``str`` is the one-line account."""


# ---------------------------------------------------------------------------------------
# The child: loads the code, answers calls.

_HARNESS = str(Path(__file__).resolve().parents[1])
_LIBRARY = tuple(p for p in {sysconfig.get_paths()[k] for k in ("stdlib", "purelib", "platlib")} if p)
#: The folders of the harness's own package (crosscheck and the folders mapped into it).
_PACKAGE = tuple(f"{_HARNESS}{os.sep}{name}{os.sep}" for name in ("crosscheck", "reference", "adapters", "scenarios"))


def _where(exc: BaseException) -> str:
    """'file.py:LINE in FUNC' of the user's line that raised (the deepest frame outside
    the harness, the standard library and installed packages), or ''."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith(_LIBRARY + ("<frozen",))
              and not f.filename.startswith(_HARNESS + os.sep + "adapters")]
    if not frames:
        return ""
    f = frames[-1]
    return f"{Path(f.filename).name}:{f.lineno} in {f.name}"


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    message = f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
    where = _where(exc)
    return f"{message} (at {where})" if where else message


def _load(code: Code):
    if code.pickled:
        import cloudpickle

        return cloudpickle.loads(code.pickled)
    import importlib.util

    path, _, name = code.spec.rpartition(":")
    file = Path(path)
    sys.path.insert(0, str(file.parent))  # its sibling modules import as they do for the user
    module_name = file.stem if file.stem not in sys.modules else f"crosscheck_user_{file.stem}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    func = getattr(module, name, None)
    if not callable(func):
        raise LookupError(f"{file.name} has no function {name!r}")
    return func


def _parameters(func) -> list[str]:
    try:
        return list(inspect.signature(func).parameters)
    except (TypeError, ValueError):  # a builtin: no signature to read
        return []


#: The attributes a function declares what it supports with (``crosscheck.supports``): one
#: sequence of names each; networks outside a declared set are ``not applicable``.
DECLARATIONS = {"activations": "crosscheck_activations", "losses": "crosscheck_losses",
                "depths": "crosscheck_depths"}


def _declared(func) -> dict:
    """{what: [names]} the function declares by its attributes (DECLARATIONS); checked by the
    parent (adapters/user_backward.py), which knows the accepted names."""
    out = {}
    for what, attribute in DECLARATIONS.items():
        value = getattr(func, attribute, None)
        if value is not None:
            out[what] = [value] if isinstance(value, (str, int)) else list(value)
    return out


def _user_files() -> list[str]:
    """The files of the modules loaded so far from outside the standard library, installed
    packages and the harness: the user's module and the siblings it imported."""
    files = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not path or not path.endswith(".py"):
            continue
        path = str(Path(path).resolve())
        if not path.startswith(_LIBRARY + _PACKAGE) and Path(path).is_file():
            files.add(path)
    return sorted(files)


def _takers(settings: dict, functions: dict) -> dict:
    """{function label: {name: value}}: each ``--set NAME=VALUE`` goes to the functions that
    take a parameter NAME (or **kwargs); LookupError when none does."""
    out = {label: {} for label in functions}
    for name, value in settings.items():
        taken = False
        for label, func in functions.items():
            try:
                parameters = inspect.signature(func).parameters
            except (TypeError, ValueError):
                continue
            if name in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
                out[label][name] = value
                taken = True
        if not taken:
            names = " nor ".join(getattr(f, "__name__", label) for label, f in functions.items())
            raise LookupError(f"--set {name}: {'neither ' + names if len(functions) > 1 else names + ' takes no'}"
                              f"{' takes a' if len(functions) > 1 else ''} parameter {name!r}")
    return out


def _course_forward(backward, forward):
    """The forward function of a course pair: given, or L_model_forward beside the backward."""
    if forward is not None:
        return forward
    namespace = getattr(backward, "__globals__", {})
    found = namespace.get("L_model_forward")
    if not callable(found):
        others = sorted(k for k, v in namespace.items() if callable(v) and "forward" in k.lower())
        raise LookupError(f"{backward.__name__}(AL, Y, caches) needs a forward function and its module has no "
                          "L_model_forward" + (f" (it has {', '.join(others)})" if others else "")
                          + "; give one with --forward FILE.py:FUNC (pytest: --crosscheck-forward, check(): forward=)")
    return found


def _callable_as(func, what: str, names: list[str], optional=(), settings=()) -> None:
    """LookupError (one line) unless ``func`` can be called with the arguments ``names``
    (and, if it takes them, ``optional``) and the ``--set`` names it takes (``settings``): a
    function that needs more is not the contract, or needs a --set."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):  # a builtin: no signature to read; it is called as it is
        return
    given = names + [n for n in optional if n in signature.parameters] + list(settings)
    try:
        signature.bind(*[None] * len(names), **{n: None for n in given[len(names):]})
    except TypeError as exc:
        missing = [p.name for p in signature.parameters.values() if p.default is p.empty
                   and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in given]
        hint = (f"; give {'its value' if len(missing) == 1 else 'their values'} with "
                + " ".join(f"--set {n}=VALUE" for n in missing) + " (check(..., set={...}))" if missing else
                "; wrap it in a function of the contract (README: Check your own backprop code)")
        raise LookupError(f"{getattr(func, '__name__', what)}{signature} cannot be called as {what}"
                          f"({', '.join(given)}): {exc}{hint}") from None


def _arrays(grads) -> dict:
    if not isinstance(grads, dict):
        raise TypeError(f"returned {type(grads).__name__}, not a dict of gradients")
    out = {}
    for key, value in grads.items():
        name = str(key)
        if name in out:  # two keys that read the same: one would silently replace the other
            raise TypeError(f"returned two keys that read {name!r} ({key!r} is a {type(key).__name__})")
        try:
            out[name] = np.asarray(value)
        except Exception as exc:
            raise TypeError(f"grads[{key!r}] is not an array: {type(exc).__name__}: {exc}") from None
    return out


class _Captured:
    """fd 1 and 2 into a temporary file; ``take()`` returns what was written since last time."""

    def __init__(self):
        self.file = tempfile.TemporaryFile(mode="w+b")
        for fd in (1, 2):
            os.dup2(self.file.fileno(), fd)
        self.offset = 0

    def take(self) -> str:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        self.file.seek(self.offset)
        data = self.file.read()
        self.offset += len(data)
        self.file.seek(0, os.SEEK_END)
        text = data.decode("utf-8", "replace")
        if len(text) > MAX_OUTPUT:
            text = text[:MAX_OUTPUT] + f"\n[... {len(text) - MAX_OUTPUT} more characters dropped]\n"
        return text


def _serve(conn, backward: Code, forward: Code | None, settings: dict, where: tuple) -> None:
    """The child's loop: load, then answer ("dict" | "course" | "forward", args) until the
    pipe closes.  ``settings``: the ``--set`` values, each given to the functions that take it;
    ``where``: the parent's working folder and sys.path now (a child forked from the server
    has the server's, from when it started)."""
    cwd, path = where
    os.chdir(cwd)
    sys.path[:] = list(path)
    captured = _Captured()
    try:
        func = _load(backward)
        fwd = _load(forward) if forward else None
        params = _parameters(func)
        course = params[:3] == ["AL", "Y", "caches"] or (len(params) == 3 and "parameters" not in params)
        if course:
            fwd = _course_forward(func, fwd)
            taken = _takers(settings, {"backward": func, "forward": fwd})
            _callable_as(func, "the course's backward", ["AL", "Y", "caches"], ("loss",), taken["backward"])
            _callable_as(fwd, "the course's forward", ["X", "parameters"], ("activations",), taken["forward"])
        else:
            taken = {**_takers(settings, {"backward": func}), "forward": {}}
            _callable_as(func, "a backward", ["parameters", "X", "Y", "activations"], ("loss",), taken["backward"])
        info = {"course": course, "takes_loss": "loss" in params,
                "forward": getattr(fwd, "__name__", "") if fwd else "",
                "forward_takes_activations": fwd is not None and "activations" in _parameters(fwd),
                "name": getattr(func, "__name__", backward.name), "declared": _declared(func),
                "files": _user_files()}
    except LookupError as exc:  # no such function, no forward: the module itself imported
        conn.send(("load-failed", str(exc), captured.take()))
        return
    except BaseException as exc:  # the user's module: anything it raises is reported, never re-raised
        conn.send(("load-failed", f"importing it failed: {_describe(exc)}", captured.take()))
        return
    conn.send(("ready", info, captured.take()))
    while True:
        try:
            kind, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if kind == "forward":
                X, parameters, activations = args
                extra = {"activations": activations} if info["forward_takes_activations"] else {}
                AL, _ = fwd(X, parameters, **extra, **taken["forward"])
                answer = ("ok", np.asarray(AL))
            elif kind == "course":
                X, parameters, Y, activations, loss = args
                extra = {"activations": activations} if info["forward_takes_activations"] else {}
                AL, caches = fwd(X, parameters, **extra, **taken["forward"])
                AL = np.asarray(AL)
                grads = func(AL.copy(), Y, caches, **({"loss": loss} if info["takes_loss"] else {}),
                             **taken["backward"])
                answer = ("ok", (AL, _arrays(grads)))
            else:
                parameters, X, Y, activations, loss = args
                grads = func(parameters, X, Y, activations, **({"loss": loss} if info["takes_loss"] else {}),
                             **taken["backward"])
                answer = ("ok", _arrays(grads))
        except NotImplementedError as exc:  # unfinished code fails like any other exception
            answer = ("not implemented", _describe(exc))
        except BaseException as exc:  # SystemExit and KeyboardInterrupt from the user's code too
            answer = ("raised", _describe(exc))
        try:
            conn.send((*answer, captured.take()))
        except Exception as exc:  # a value that cannot be pickled back
            conn.send(("raised", f"returned something that cannot be sent back: {type(exc).__name__}: {exc}",
                       captured.take()))


# ---------------------------------------------------------------------------------------
# The parent's side.

@contextlib.contextmanager
def _main_not_reimported():
    """Spawn without importing the parent's ``__main__`` in the child: a script that calls
    ``check()`` at its top level (no ``if __name__ == "__main__"`` guard) would run again
    there.  The child needs nothing from it (a function of __main__ is sent by value)."""
    main = sys.modules.get("__main__")
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main is not None and k in main.__dict__}
    try:
        for key in saved:
            setattr(main, key, None) if key == "__spec__" else delattr(main, key)
        yield
    finally:
        for key, value in saved.items():
            setattr(main, key, value)


_CONTEXT: list = []


def _context():
    """The multiprocessing context of the children: forkserver where the platform has it (a
    child is a fork of one clean server process that has imported this module and NumPy
    once: a start takes milliseconds, not the quarter of a second of a fresh interpreter; the
    server imports nothing of the parent's ``__main__``), else spawn."""
    if not _CONTEXT:
        if "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
        else:
            context = multiprocessing.get_context("spawn")
        _CONTEXT.append(context)
    return _CONTEXT[0]


class Sandbox:
    """The child process for one user function; started on first use, restarted after a
    time-out or a crash.  ``call`` returns (status, value, printed)."""

    def __init__(self, backward: Code, forward: Code | None = None, timeout: float = 10.0, settings=None):
        self.backward, self.forward, self.timeout = backward, forward, timeout
        self.settings = dict(settings or {})
        self._process = self._conn = None
        self.info = None
        self.load_output = ""
        #: Calls its current child has answered (0: the next call is the first of a process).
        self.answered = 0

    def start(self) -> dict:
        """Start the child and load the code; UserCodeError if loading fails."""
        context = _context()
        parent, child = context.Pipe()
        where = (os.getcwd(), tuple(sys.path))
        self._process = context.Process(target=_serve, args=(child, self.backward, self.forward, self.settings, where),
                                        daemon=True)
        with _main_not_reimported():
            self._process.start()
        child.close()
        self._conn = parent
        self.answered = 0
        reply = self._receive(max(self.timeout, 60.0), "loading the module (it gets at least 60 s)")
        if reply[0] != "ready":
            self.close()
            raise UserCodeError(f"{self.backward.label or self.backward.name}: {reply[1]}")
        self.info, self.load_output = reply[1], reply[2]
        return self.info

    def _receive(self, timeout: float, doing: str):
        if not self._conn.poll(timeout):
            self.close()
            raise UserCodeError(f"timed out: no answer after {timeout:g} s {doing}"
                                + ("" if doing.startswith("loading") else f" (--timeout {timeout:g})"))
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            self._process.join(1)
            code = self._process.exitcode
            self.close()
            raise UserCodeError(f"the process running it died (exit code {code}) {doing}") from None

    def call(self, kind: str, args, timeout: float | None = None):
        if self._process is None:
            self.start()
        try:
            self._conn.send((kind, args))
        except OSError:  # the child died between calls (BrokenPipeError): a new one
            self.close()
            self.start()
            self._conn.send((kind, args))
        reply = self._receive(self.timeout if timeout is None else timeout, "in this scenario")
        self.answered += 1
        return reply[0], reply[1], reply[2]

    @property
    def fresh(self) -> bool:
        """True when the next call is the first of a process (no child yet, or a new one)."""
        return self._process is None or self.answered == 0

    def close(self) -> None:
        if self._process is not None:
            if self._conn is not None:
                self._conn.close()
            if self._process.is_alive():
                self._process.kill()
            self._process.join(5)
        self._process = self._conn = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
