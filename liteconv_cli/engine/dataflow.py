"""Which tensors each row of a walked network reads and writes: the graph analyses fold over.

The receptive field and the training cost need the dataflow, not the row order: a residual
add reads its block's input, a concat every branch. Rows of the 0.2 engine name the tensors
they read and write (``Row.reads``, ``Row.writes``); rows of earlier engines do not, and the
graph is then rebuilt from the layer structure by
:func:`liteconv_cli.engine.activations._graph` (the memory model's mirror of the walk), so
both give the same :class:`Flow`.
"""

from collections.abc import Hashable
from typing import Any, NamedTuple


class Flow(NamedTuple):
    """The dataflow of a walked network, one entry per row (in the walk's order).

    ``sources`` are the tensors the network is given (its input(s)), ``reads[i]`` the
    tensors row ``i`` reads (in order), ``writes[i]`` the tensor it writes, and ``parent``
    maps a view (a channel slice of ``branches: split``) to the tensor it slices. Tensors
    are opaque hashable keys (names, or integers for older engines).
    """

    sources: tuple[Hashable, ...]
    reads: tuple[tuple[Hashable, ...], ...]
    writes: tuple[Hashable, ...]
    parent: dict[Hashable, Hashable]

    def root(self, t: Hashable) -> Hashable:
        """The tensor a view slices (followed to the end), or ``t`` itself."""
        seen = 0
        while t in self.parent and seen < 1000:
            t = self.parent[t]
            seen += 1
        return t


def dataflow(result: Any) -> Flow:
    """The :class:`Flow` of a :class:`~liteconv_cli.engine.network.NetworkCost`.

    Uses the rows' ``reads``/``writes`` when every row has them, else the layer structure.
    Raises AssertionError if neither is available (a bug, never the user's input).
    """
    rows = result.rows
    if rows and all(getattr(r, "reads", None) and getattr(r, "writes", None) is not None for r in rows):
        written: set[Hashable] = set()
        sources: list[Hashable] = []
        for r in rows:
            for t in r.reads:
                if t not in written and t not in sources:
                    sources.append(t)
            written.add(r.writes)
        return Flow(tuple(sources), tuple(tuple(r.reads) for r in rows), tuple(r.writes for r in rows), {})
    from .activations import _graph

    g, xs, _ = _graph(result)
    parent: dict[Hashable, Hashable] = {t: p for t, p in enumerate(g.view_of) if p is not None}
    return Flow(tuple(xs), tuple(s.reads for s in g.steps), tuple(s.out for s in g.steps), parent)
