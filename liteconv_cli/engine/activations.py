"""Activation memory, memory traffic and arithmetic intensity of a whole network.

:func:`memory` takes the walk's result (it needs the layer structure, not only the flat rows:
which tensor a shortcut, a branch or a merge reads) and a data type, and returns per row and
for the network:

* parameter bytes: ``params x bytes`` (weights + bias + BatchNorm gamma and beta);
* activation bytes: the row's output tensor, ``output elements x bytes``;
* bytes moved (memory access cost): ``(elements of every tensor the row reads + params +
  output elements) x bytes``. For a bias-free 1x1 convolution this is ShuffleNet V2's
  ``MAC = hw(c1 + c2) + c1 c2``; a residual add reads two tensors; the SE multiply reads the
  C x H x W input and the C x 1 x 1 scale; a concat reads every branch output;
* arithmetic intensity: MACs per byte moved;
* live bytes: the activation memory in use while the row runs, and the network's peak.

The peak-memory model: the network runs one row after another, batch 1, nothing fused except
BatchNorm and the activation already folded into their convolution's row.

1. The input image is live from the start; the network's output stays live at the end.
2. A row that computes (convolution, FC, pooling, add, concat, SE multiply, channel shuffle)
   allocates its output while its inputs are still live, so during the row its inputs and
   its output are all counted.
3. flatten, dropout and identity allocate and move nothing (a view, or a no-op at inference). A
   standalone ``batchnorm`` or ``activation`` row runs in place (allocates nothing) when no
   later row reads its input; otherwise it writes a new tensor.
4. A ``split`` branch reads a slice of the branches' input: a view, no allocation.
5. A tensor is freed as soon as the last row that reads it has run. So a block's input stays
   live until its shortcut (projection or add) reads it; a ``branches`` input until its last
   branch has read it (or the merge, for an empty identity branch); finished branch outputs
   until the concat or add; an SE's input until its multiply.

Live bytes of a row = every tensor alive while it runs, counted once per buffer (views and
in-place results share their buffer).
"""

from typing import NamedTuple

from .memory import dtype_bytes
from .network import NetworkCost, Row


class RowMemory(NamedTuple):
    """Memory figures of one row, in bytes (intensity in MACs per byte)."""

    param_bytes: int
    activation_bytes: int
    read_bytes: int
    moved_bytes: int
    live_bytes: int
    allocates: bool
    intensity: float | None


class NetworkMemory(NamedTuple):
    """Memory figures of a whole network for one data type."""

    dtype: str
    bytes_per_value: int
    rows: tuple[RowMemory, ...]
    param_bytes: int
    input_bytes: int
    output_bytes: int
    moved_bytes: int
    peak_bytes: int
    peak_row: int | None  # index into rows of the first row at the peak (None: the input alone)
    largest_tensor_bytes: int
    intensity: float | None


# ------------------------------------------------------------------ the dataflow graph


class _Step(NamedTuple):
    reads: tuple[int, ...]  # tensor ids
    out: int  # tensor id
    inplace: bool  # may reuse its input's buffer (standalone batchnorm / activation)
    alias: bool  # always shares its input's buffer (flatten, dropout, identity)


class _Graph:
    """Tensors (by id, with their sizes and views) and one step per row, read from the rows' reads/writes."""

    def __init__(self) -> None:
        self.size: list[int] = []  # elements of each tensor
        self.view_of: list[int | None] = []  # (kept for views; the 0.2 walk names a slice by its parent)
        self.steps: list[_Step] = []
        self.ids: dict[str, int] = {}

    def tensor(self, elements: int, view_of: int | None = None) -> int:
        self.size.append(elements)
        self.view_of.append(view_of)
        return len(self.size) - 1

    def step(self, row: Row) -> int:
        reads = tuple(self.ids[n] for n in row.reads)
        alias = row.op in ("flatten", "dropout", "identity", "slice")
        out = self.tensor(row.output.elements)
        self.ids[row.writes] = out
        self.steps.append(_Step(reads, out, row.op in ("batchnorm", "activation"), alias))
        return out


def _graph(result: NetworkCost) -> tuple[_Graph, list[int], list[int]]:
    """The graph of a walked network, its input tensors and its output tensors."""
    g = _Graph()
    named = result.inputs or (("input", result.input),)
    inputs = []
    for name, shape in named:
        t = g.tensor(shape.elements)
        g.ids[name] = t
        inputs.append(t)
    for row in result.rows:
        g.step(row)
    outs = [g.ids[result.rows[-1].writes]] if not result.outputs else []
    for name, _ in result.outputs:
        # an output is named by its layer; the walk's rows name the tensors they write
        found = g.ids.get(name)
        if found is None:
            found = next((g.ids[r.writes] for r in reversed(result.rows) if r.writes == name or
                          r.writes.startswith(name + ".")), g.ids[result.rows[-1].writes])
        outs.append(found)
    return g, inputs, outs


# ------------------------------------------------------------------ the figures


def _read_elements(row: Row, reads: tuple[int, ...], size: list[int]) -> int:
    """Elements a row reads: its input; every input of an add; a concat reads what it writes."""
    if row.op == "add":
        return row.inputs * row.output.elements
    if row.op == "concat":
        return row.output.elements
    if row.op == "mul":
        return sum(size[t] for t in reads)
    return row.input.elements * row.inputs


def memory(result: NetworkCost, dtype: str = "fp32") -> NetworkMemory:
    """Per-row and network memory figures of a walked network for ``dtype`` (see the module docstring)."""
    nbytes = dtype_bytes(dtype)
    g, xs, finals = _graph(result)
    steps, size = g.steps, g.size
    n = len(size)
    last_read = [-1] * n  # per tensor: the last step that reads it
    made = [-1] * n  # per tensor: the step that writes it (-1: the input, or a view)
    for k, s in enumerate(steps):
        made[s.out] = k
        for t in s.reads:
            last_read[t] = k

    # a view, an alias and an in-place result share a buffer: redirect[t] points towards its owner
    redirect: list[int | None] = list(g.view_of)

    def owner(t: int) -> int:
        root = t
        while (r := redirect[root]) is not None:
            root = r
        while t != root:  # path compression: long in-place chains stay linear
            redirect[t], t = root, redirect[t]  # type: ignore[assignment]
        return root

    # the last step that reads any tensor of a buffer, kept per owner as buffers are shared
    reads_until = [-1] * n
    for t in range(n):
        b = owner(t)
        reads_until[b] = max(reads_until[b], last_read[t])
    allocates = []
    for k, s in enumerate(steps):
        src = owner(s.reads[0])
        # in place only if no later step reads the buffer it would overwrite
        shared = s.alias or (s.inplace and reads_until[src] <= k)
        if shared:
            redirect[s.out] = s.reads[0]
            reads_until[src] = max(reads_until[src], last_read[s.out])
        allocates.append(not shared)

    # each buffer lives from its allocation to the last step that reads (or writes) any tensor in it
    until: dict[int, int] = {}
    for t in range(n):
        b = owner(t)
        until[b] = max(until.get(b, -1), last_read[t], made[t])
    keep = {owner(t) for t in finals}
    frees: dict[int, list[int]] = {}
    for b, k in until.items():
        if b not in keep:
            frees.setdefault(k, []).append(b)

    live = sum(size[x] for x in xs)
    peak, peak_row = live, None
    out_rows = []
    for k, (row, s, alloc) in enumerate(zip(result.rows, steps, allocates, strict=True)):
        if alloc:
            live += size[s.out]
        if live > peak:
            peak, peak_row = live, k
        # a view or a no-op moves nothing; everything else reads its inputs and writes its output
        read = 0 if s.alias else _read_elements(row, s.reads, size)
        moved = 0 if s.alias else (read + row.cost.params + size[s.out]) * nbytes
        out_rows.append(RowMemory(
            row.cost.params * nbytes, size[s.out] * nbytes, read * nbytes, moved, live * nbytes, alloc,
            row.cost.macs / moved if moved else None,
        ))
        for b in frees.get(k, ()):
            live -= size[b]
    moved_total = sum(m.moved_bytes for m in out_rows)
    return NetworkMemory(
        dtype, nbytes, tuple(out_rows), result.total.params * nbytes, result.input.elements * nbytes,
        result.output.elements * nbytes, moved_total, peak * nbytes, peak_row,
        max([*(size[x] for x in xs), *(size[s.out] for s in steps)]) * nbytes,
        result.total.macs / moved_total if moved_total else None,
    )
