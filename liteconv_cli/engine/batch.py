"""A batch of N examples: every figure that runs per example times N, parameters once.

liteconv counts one example (batch 1). With ``N`` examples, a layer's MACs, bias adds,
BatchNorm elements, elementwise operations (so its FLOPs) and every activation tensor scale
by ``N``; its parameters (weights, bias, BatchNorm) do not, and they are read once per
batch. So, per row::

    macs(N) = N x macs(1)            flops(N) = N x flops(1)          params(N) = params(1)
    activation bytes(N) = N x activation bytes(1)
    moved bytes(N) = N x (moved bytes(1) - param bytes) + param bytes
    intensity(N) = macs(N) / moved bytes(N)     (grows with N towards the weights' reuse)

and the peak of live activations is ``N`` times that of one example.
"""

from typing import Any

from ..errors import InvalidValue
from .cost import Cost


def check_batch(batch: object) -> int:
    """``batch`` as a positive integer, or InvalidValue."""
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise InvalidValue("batch", batch, "is not a positive integer")
    return batch


def scale_cost(cost: Cost, batch: int) -> Cost:
    """A Cost for ``batch`` examples: the per-example terms times batch, the parameters as they are."""
    if batch == 1:
        return cost
    return cost._replace(macs=cost.macs * batch, bias_adds=cost.bias_adds * batch,
                         bn_elements=cost.bn_elements * batch, elementwise=cost.elementwise * batch)


def scale_result(result: Any, batch: int) -> Any:
    """A NetworkCost whose rows' costs and total are for ``batch`` examples (shapes stay per example)."""
    check_batch(batch)
    if batch == 1:
        return result
    rows = tuple(r._replace(cost=scale_cost(r.cost, batch)) for r in result.rows)
    return result._replace(rows=rows, total=scale_cost(result.total, batch))


def scale_memory(memory: Any, result: Any, batch: int) -> Any:
    """A NetworkMemory for ``batch`` examples (see the module docstring); ``result`` is the walk it was made from."""
    check_batch(batch)
    if batch == 1:
        return memory
    rows = []
    for m, row in zip(memory.rows, result.rows, strict=True):
        moved = (m.moved_bytes - m.param_bytes) * batch + m.param_bytes if m.moved_bytes else 0
        rows.append(m._replace(
            activation_bytes=m.activation_bytes * batch, read_bytes=m.read_bytes * batch, moved_bytes=moved,
            live_bytes=m.live_bytes * batch, intensity=row.cost.macs * batch / moved if moved else None,
        ))
    moved_total = sum(r.moved_bytes for r in rows)
    return memory._replace(
        rows=tuple(rows), input_bytes=memory.input_bytes * batch, output_bytes=memory.output_bytes * batch,
        moved_bytes=moved_total, peak_bytes=memory.peak_bytes * batch,
        largest_tensor_bytes=memory.largest_tensor_bytes * batch,
        intensity=result.total.macs * batch / moved_total if moved_total else None,
    )
