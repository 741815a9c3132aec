"""Per-example values of a whole batch, made a chunk of examples at a time.

Per-example gradients are m times the size of dW (m = 4096 with 128 x 128 layers is 512 MiB
in float64), so where they do not fit in one chunk (crosscheck/checks/per_example.py:
PER_EXAMPLE_VALUES) neither the reference nor an engine holds them whole: an ``Examples``
is their shape and dtype and a function that makes examples ``start:stop``; comparisons
read it span by span (crosscheck/checks/chunked.py).  ``Examples.layers`` makes those of
every layer from one function that gives all of them for a span at once (one engine pass,
one einsum per layer), kept for the last span asked, so that reading every layer's chunk
in turn makes each span once.
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np


class Examples:
    """Values of shape (m, ...) made ``chunk`` examples at a time by ``make(start, stop)``.

    Slicing along the examples (``e[a:b]``) makes those examples; ``np.asarray(e)`` makes
    them all (for the rare caller that needs them whole: a user's wrong-shaped value)."""

    def __init__(self, make: Callable[[int, int], np.ndarray], shape: tuple, dtype, chunk: int):
        self._make, self.shape, self.dtype, self.chunk = make, tuple(shape), np.dtype(dtype), max(1, int(chunk))
        #: The float64 sum of the examples read in order from the first (kept once a Mean asks).
        self._sum, self._next = None, None
        #: [seconds] spent making spans after the first, shared by the Examples of one
        #: ``layers`` call (an engine's work done during the comparison: its engine_seconds)
        self.clock: list | None = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def __len__(self) -> int:
        return self.shape[0]

    def spans(self) -> list[tuple[int, int]]:
        """(start, stop) of each chunk, in order."""
        m = self.shape[0]
        return [(a, min(a + self.chunk, m)) for a in range(0, m, self.chunk)]

    def __getitem__(self, key):
        if isinstance(key, slice) and key.step in (None, 1):
            start, stop, _ = key.indices(self.shape[0])
            values = np.asarray(self._make(start, max(start, stop)))
            if self._next is not None:  # a Mean wants the sum: add the span if it is the next one in order
                if start == 0:
                    self._sum, self._next = np.zeros(self.shape[1:], np.float64), 0
                if start == self._next and stop > start:
                    if values.shape == (stop - start, *self.shape[1:]) and values.dtype.kind in "fiub":
                        self._sum += values.sum(axis=0, dtype=np.float64)
                        self._next = stop
                    else:  # not its declared shape (its row fails and says so): no mean
                        self._sum, self._next = np.full(self.shape[1:], np.nan), -1
            return values
        return np.asarray(self)[key]

    def __array__(self, dtype=None, copy=None):
        whole = np.concatenate([self[a:b] for a, b in self.spans()]) if self.shape[0] else \
            np.zeros(self.shape, self.dtype)
        return whole if dtype is None else whole.astype(dtype, copy=False)

    def mean(self) -> "Mean":
        """The mean over the examples, summed in float64 chunk by chunk, made when asked for
        (np.asarray): from the sum of a read of every example in order since (a comparison's),
        else by a read of its own."""
        if self._next is None:
            self._next = -1  # nothing summed yet; the next read from the first example starts the sum
        return Mean(self)

    def _mean(self) -> np.ndarray:
        if self._next != self.shape[0]:
            for a, b in self.spans():
                self[a:b]
        if self._next != self.shape[0]:  # a chunk of another shape: no mean
            return np.full(self.shape[1:], np.nan)
        return self._sum / self.shape[0]

    def map(self, f: Callable[[np.ndarray, int, int], np.ndarray], dtype=None) -> "Examples":
        """Examples whose span a:b is ``f(self[a:b], a, b)`` (same shape)."""
        return Examples(lambda a, b: f(self[a:b], a, b), self.shape, self.dtype if dtype is None else dtype,
                        self.chunk)

    def __repr__(self) -> str:
        return f"Examples(shape={self.shape}, dtype={self.dtype}, chunk={self.chunk})"

    @staticmethod
    def layers(make: Callable[[int, int], dict], m: int, chunk: int) -> dict:
        """{key: Examples} of every key ``make(start, stop) -> {key: array}`` gives, for a batch
        of ``m`` examples: ``make`` is called once per span however many keys are read (the
        last span's values are kept); the first span's is made now, for their shapes and
        dtypes (what ``make`` really gives, not what it should)."""
        first = make(0, min(chunk, m))
        last, clock = {"span": (0, min(chunk, m)), "values": first}, [0.0]

        def one(key):
            def made(a, b):
                if last.get("span") != (a, b):
                    started = time.perf_counter()
                    last.clear()
                    last["values"] = make(a, b)
                    last["span"] = (a, b)
                    clock[0] += time.perf_counter() - started
                return last["values"][key]
            return made
        made = {key: Examples(one(key), (m, *np.shape(value)[1:]), np.asarray(value).dtype, chunk)
                for key, value in first.items()}
        for examples in made.values():
            examples.clock = clock
        return made


def later_seconds(values) -> float:
    """The seconds spent making the spans of the Examples among ``values`` after their
    ``layers`` call returned (each shared clock once)."""
    clocks = {id(v.clock): v.clock for v in values if isinstance(v, Examples) and v.clock is not None}
    return sum(clock[0] for clock in clocks.values())


class Mean:
    """The mean over the examples of an Examples, an array once asked for (np.asarray): NaN
    where its examples could not be made (their own rows say why)."""

    def __init__(self, examples: Examples):
        self.examples, self.shape = examples, examples.shape[1:]

    def __array__(self, dtype=None, copy=None):
        try:
            value = self.examples._mean()
        except Exception:  # noqa: BLE001 (an engine's chunk that raised: its dW_i rows fail with the reason)
            value = np.full(self.shape, np.nan)
        return value if dtype is None else value.astype(dtype, copy=False)
