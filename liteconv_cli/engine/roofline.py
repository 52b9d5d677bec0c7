"""A device roofline: the least time a row can take on a device, from two of its numbers.

A :class:`Device` is a peak rate of multiply-accumulates per second for each data type, a
main-memory bandwidth in bytes per second, and optionally an on-chip memory size (tables in
``liteconv_cli/devices/``, each number with its public source). For a row that does ``M``
MACs and moves ``B`` bytes (``engine.activations``: inputs read + params + output written)::

    t_compute = M / peak[dtype]         # the arithmetic units busy all the time
    t_memory  = B / bandwidth           # the memory bus busy all the time
    t_row    >= max(t_compute, t_memory)      (the roofline, Williams et al., CACM 2009)

and the row is *compute-bound* when ``t_compute >= t_memory``, that is when its arithmetic
intensity ``M / B`` is at least the device's ridge point ``peak / bandwidth`` MACs per byte.
A network run row after row takes at least the sum of its rows' bounds. These are lower
bounds under the layer-by-layer model of docs/design-tools.md (every tensor goes through
main memory once per row, no fusion beyond BatchNorm and the activation), never predictions:
a real run adds launch overheads, cache misses and kernels far from the peak. With an
on-chip memory size, each row says whether its working set (read + params + output) fits.

``batch`` multiplies MACs and activation bytes; parameters are read once per batch.
Times are exact fractions of a second.
"""

from collections.abc import Mapping
from fractions import Fraction
from typing import Any, NamedTuple

from ..errors import InvalidValue, SpecError
from .memory import DTYPE_BYTES

#: the keys of a device table (docs/analyses.md); sources holds one citation per number
DEVICE_KEYS = ("name", "peak_macs_per_s", "memory_bandwidth_bytes_per_s", "onchip_bytes", "sources", "notes",
               "kind")


class Device(NamedTuple):
    """A device as the roofline sees it: MACs per second per dtype, bytes per second, on-chip bytes."""

    name: str
    peak_macs: Mapping[str, int]  # dtype -> multiply-accumulates per second
    bandwidth: int  # main-memory bytes per second
    onchip_bytes: int | None = None
    sources: Mapping[str, str] = {}
    notes: str = ""
    key: str = ""  # the table's short name (file stem)

    def peak(self, dtype: str) -> int:
        """MACs per second for ``dtype``; InvalidValue if the table gives none."""
        try:
            return self.peak_macs[dtype]
        except KeyError:
            raise InvalidValue("dtype", dtype, f"has no peak on {self.name} (it gives {', '.join(self.peak_macs)})") \
                from None

    def ridge(self, dtype: str) -> Fraction:
        """The ridge point: MACs per byte above which a row is compute-bound."""
        return Fraction(self.peak(dtype), self.bandwidth)


def _positive_int(value: object, what: str, file: str | None) -> int:
    if isinstance(value, str):  # 2e9 (YAML 1.1 reads it as text), 48G, 12.8G
        from .fit import parse_amount

        try:
            value = parse_amount(value, what)
        except InvalidValue:
            raise SpecError(f"{what}={value!r} is not a positive whole number (e.g. 48000000000, 48G)",
                            file=file) from None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or value <= 0 \
            or value == float("inf") or isinstance(value, float) and not value.is_integer():
        raise SpecError(f"{what}={value!r} is not a positive whole number", file=file)
    return int(value)


def device_from_mapping(data: object, file: str | None = None, key: str = "") -> Device:
    """A Device from a parsed device table (YAML or JSON); SpecError naming the file when malformed."""
    if not isinstance(data, Mapping):
        raise SpecError("a device table is a mapping with name, peak_macs_per_s and memory_bandwidth_bytes_per_s",
                        file=file)
    unknown = [k for k in data if k not in DEVICE_KEYS]
    if unknown:
        raise SpecError(f"unknown key {unknown[0]!r} (keys: {', '.join(DEVICE_KEYS)})", file=file)
    name = data.get("name", key)
    if not isinstance(name, str) or not name or not name.isprintable():
        raise SpecError(f"name={name!r} is not a printable name", file=file)
    peaks = data.get("peak_macs_per_s")
    if not isinstance(peaks, Mapping) or not peaks:
        raise SpecError("peak_macs_per_s is missing: a mapping of dtype to multiply-accumulates per second",
                        file=file)
    peak: dict[str, int] = {}
    for dtype, value in peaks.items():
        if dtype not in DTYPE_BYTES:
            raise SpecError(f"peak_macs_per_s: {dtype!r} is not one of {', '.join(DTYPE_BYTES)}", file=file)
        peak[dtype] = _positive_int(value, f"peak_macs_per_s.{dtype}", file)
    if "memory_bandwidth_bytes_per_s" not in data:
        raise SpecError("memory_bandwidth_bytes_per_s is missing", file=file)
    bandwidth = _positive_int(data["memory_bandwidth_bytes_per_s"], "memory_bandwidth_bytes_per_s", file)
    onchip = data.get("onchip_bytes")
    onchip_bytes = None if onchip is None else _positive_int(onchip, "onchip_bytes", file)
    sources = data.get("sources") or {}
    if not isinstance(sources, Mapping) or not all(isinstance(v, str) for v in sources.values()):
        raise SpecError("sources is a mapping of a number's key to its public source", file=file)
    notes = data.get("notes") or ""
    if not isinstance(notes, str):
        raise SpecError("notes is text", file=file)
    return Device(name, peak, bandwidth, onchip_bytes, dict(sources), notes, key)


class Bound(NamedTuple):
    """The roofline of one row (or one layer variant): times in seconds, exact."""

    macs: int
    moved_bytes: int
    compute_s: Fraction
    memory_s: Fraction
    fits_onchip: bool | None = None

    @property
    def bound_s(self) -> Fraction:
        """max(t_compute, t_memory): no run of this row can be faster."""
        return max(self.compute_s, self.memory_s)

    @property
    def binds(self) -> str:
        """``compute`` or ``memory``: which time is the bound (``-`` when the row does nothing)."""
        if not self.compute_s and not self.memory_s:
            return "-"
        return "compute" if self.compute_s >= self.memory_s else "memory"

    @property
    def intensity(self) -> Fraction | None:
        """MACs per byte moved."""
        return Fraction(self.macs, self.moved_bytes) if self.moved_bytes else None

    @property
    def attained_macs_per_s(self) -> Fraction | None:
        """MACs / bound: the best rate this row can reach (the point under the roof)."""
        b = self.bound_s
        return self.macs / b if b else None


def bound(macs: int, moved_bytes: int, device: Device, dtype: str, working_set: int | None = None) -> Bound:
    """The roofline bound of ``macs`` MACs moving ``moved_bytes`` bytes on ``device`` in ``dtype``."""
    fits = None if device.onchip_bytes is None or working_set is None else working_set <= device.onchip_bytes
    return Bound(macs, moved_bytes, Fraction(macs, device.peak(dtype)), Fraction(moved_bytes, device.bandwidth),
                 fits)


class Roofline(NamedTuple):
    """Every row's bound and the network's: a lower bound on latency, never a prediction."""

    device: Device
    dtype: str
    batch: int
    rows: tuple[Bound, ...]

    @property
    def compute_s(self) -> Fraction:
        """Sum of the rows' compute times."""
        return sum((r.compute_s for r in self.rows), Fraction(0))

    @property
    def memory_s(self) -> Fraction:
        """Sum of the rows' memory times."""
        return sum((r.memory_s for r in self.rows), Fraction(0))

    @property
    def bound_s(self) -> Fraction:
        """Sum of the rows' bounds: the network's lower bound, row after row."""
        return sum((r.bound_s for r in self.rows), Fraction(0))

    @property
    def macs(self) -> int:
        """All MACs (batch included)."""
        return sum(r.macs for r in self.rows)

    @property
    def moved_bytes(self) -> int:
        """All bytes moved (batch included)."""
        return sum(r.moved_bytes for r in self.rows)

    def share(self, binds: str) -> Fraction:
        """The part of the bound spent in rows that ``binds`` (compute or memory) binds."""
        total = self.bound_s
        part = sum((r.bound_s for r in self.rows if r.binds == binds), Fraction(0))
        return part / total if total else Fraction(0)


def roofline(result: Any, memory: Any, device: Device, batch: int = 1) -> Roofline:
    """The roofline of every row of a walked network.

    ``result`` is a NetworkCost, ``memory`` its :func:`~liteconv_cli.engine.activations.memory`
    for the dtype the device is asked about (``memory.dtype``). ``batch`` examples: MACs and
    activation bytes times ``batch``, parameters read once. Raises InvalidValue when the
    device gives no peak for the dtype, or for a bad batch.
    """
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise InvalidValue("batch", batch, "is not a positive integer")
    dtype = memory.dtype
    device.peak(dtype)
    rows = []
    for row, m in zip(result.rows, memory.rows, strict=True):
        params = m.param_bytes if m.moved_bytes else 0
        moved = (m.moved_bytes - params) * batch + params
        working = (m.read_bytes + m.activation_bytes) * batch + m.param_bytes if m.moved_bytes else 0
        rows.append(bound(row.cost.macs * batch, moved, device, dtype, working))
    return Roofline(device, dtype, batch, tuple(rows))


def seconds_text(t: Fraction | float | None) -> str:
    """A time for people, in the unit that keeps it readable: ``1.23 ms``, ``45.6 us``."""
    if t is None:
        return ""
    v = float(t)
    if v == 0:
        return "0"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if v >= scale:
            return f"{v / scale:.3g} {unit}"
    return f"{v / 1e-12:.3g} ps"
