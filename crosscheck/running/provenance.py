"""Which of the user's files a run read, and the SHA-256 of each: run.json's ``user_files``,
{absolute path: sha256 hex}.

A run reads the user's files: the file of ``--backward`` and ``--forward`` (and the sibling
modules that code imported, ``UserFunction.info["files"]``), ``--network``,
``--known-failures``, and the module of every engine from outside the package
(``module.path:Class``, an entry point's).  ``crosscheck merge`` refuses shards whose
digests differ (``differing``): shard 1 of one version of a file and shard 2 of another
make a report of no single run.
"""
from __future__ import annotations

import hashlib
from pathlib import Path


def digests(paths) -> dict[str, str]:
    """{absolute path: sha256 hex} of ``paths``, sorted; a path that is not a file is left out."""
    out = {}
    for path in {str(Path(p).resolve()) for p in paths}:
        try:
            out[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:  # gone, a folder, unreadable: nothing read of it to vouch for
            continue
    return dict(sorted(out.items()))


def _file(spec) -> str | None:
    """The file of "FILE.py:FUNC" (None when not given)."""
    return (spec.rpartition(":")[0] or None) if spec else None


def engine_module(name: str) -> str | None:
    """The module file of an engine from outside the package (``module.path:Class``, or an
    installed entry point's name), None for a built-in, a variant or a mutant; nothing is
    imported that is not already (the engine was built before this is asked)."""
    import importlib.util
    import sys

    from crosscheck.adapters import ENGINES, VARIANTS, external

    if name in ENGINES or name in VARIANTS or name.startswith("mutant:"):
        return None
    if external.is_spec(name):
        module = name.partition(":")[0]
    else:
        point = external.entry_points().get(name)
        if point is None:
            return None
        module = point.module
    loaded = sys.modules.get(module)
    found = getattr(loaded, "__spec__", None)
    if found is None:
        try:
            found = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            return None
    origin = getattr(found, "origin", None)
    return origin if origin and Path(origin).is_file() else None


def user_files(args, names=(), user=None) -> list[str]:
    """The user's files a ``crosscheck run`` reads, as absolute paths: ``args`` its parsed
    options (backward, forward, network, known_failures), ``names`` the engines asked for,
    ``user`` the resolved ``UserFunction`` (or None)."""
    given = [_file(getattr(args, "backward", None)), _file(getattr(args, "forward", None)),
             getattr(args, "network", None), getattr(args, "known_failures", None)]
    if user is not None:
        given += [_file(code.spec) for code in (user.backward, user.forward) if code is not None]
        given += list((user.info or {}).get("files", ()))
    given += [engine_module(name) for name in names]
    return sorted({str(Path(p).resolve()) for p in given if p})


def differing(metas) -> str | None:
    """The line that says which file the shards (their run.json's, in order) read in
    different versions, None when they agree.  Shards of a release that recorded no
    ``user_files`` agree with each other; beside one that read user files, they do not."""
    records = [m.get("user_files") for m in metas]
    if all(r is None for r in records):
        return None
    shard = [f"{m['shard'][0]}/{m['shard'][1]}" if m.get("shard") else "?" for m in metas]
    if any(r is None for r in records):
        older = next(i for i, r in enumerate(records) if r is None)
        newer = next((i for i, r in enumerate(records) if r), None)
        if newer is None:  # none read a user file: nothing to vouch for
            return None
        return (f"shard {shard[older]} does not record the files it read (an older release), shard "
                f"{shard[newer]} read {_shown(next(iter(records[newer])))}: rerun them with one release")
    first = records[0]
    for i, record in enumerate(records[1:], 1):
        for path in sorted(set(first) | set(record)):
            a, b = first.get(path), record.get(path)
            if a != b:
                return (f"the shards read different versions of {_shown(path)} ({_digest(a)} in shard {shard[0]}, "
                        f"{_digest(b)} in shard {shard[i]}): rerun them from the same files")
    return None


def _digest(value) -> str:
    return f"sha256 {value[:12]}.." if value else "not read"


def _shown(path: str) -> str:
    """``path`` relative to the working folder when it is under it."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path
