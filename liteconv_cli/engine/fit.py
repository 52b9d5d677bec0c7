"""Fit a network to a budget: the largest width, resolution or depth whose cost stays within it.

``liteconv fit SPEC --macs 300M`` walks the network at every candidate of the axes it varies
(the width multiplier alpha, the input resolution, a depth multiplier; one alone, or the grid
of several) and keeps the configurations that meet every budget given (MACs, params, peak
activation memory, a roofline latency bound on a device). It reports

* the Pareto front of what it tried: the fitting configurations that no other fitting one
  matches or beats on every axis varied (the largest models within the budget). Along one
  axis that is one configuration, the largest value that fits; on a grid, one per trade-off
  (wider at a lower resolution, narrower at a higher one);
* the answer: the front's configuration that uses the most of the (first) budget.

Every candidate is walked (no monotonicity is assumed), so the answer is exact for the
candidates. The depth multiplier ``d`` multiplies each repeated layer's ``repeat`` and rounds
up (``ceil(d x repeat)``, EfficientNet's round_repeats); layers written once stay once.

Budgets are read with SI suffixes (:func:`parse_amount`): ``300M`` MACs, ``3.5M`` params,
``8MB`` or ``8MiB`` bytes, ``5ms`` (:func:`parse_seconds`).
"""

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any, NamedTuple

from ..errors import InvalidValue, LiteconvError

#: SI and binary multipliers a budget may end with (case matters: m is milli, M mega)
SUFFIXES: dict[str, int] = {
    "": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
}
TIME_UNITS: dict[str, Fraction] = {
    "s": Fraction(1), "ms": Fraction(1, 10**3), "us": Fraction(1, 10**6), "µs": Fraction(1, 10**6),
    "ns": Fraction(1, 10**9),
}
AXES = ("width", "resolution", "depth")
METRICS = ("macs", "params", "peak_memory", "latency")
#: most configurations one fit may walk
MAX_TRIALS = 20_000


def _number(text: str, field: str) -> Fraction:
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise InvalidValue(field, text, "is not a number (e.g. 300M, 3.5M, 8MB, 1e9)") from None
    return value


def parse_amount(text: str, field: str = "budget", unit: str = "") -> int:
    """A non-negative count from text with an optional SI or binary suffix and unit.

    ``300M`` = 300,000,000; ``1.5G`` = 1,500,000,000; ``8MiB`` = 8,388,608 (with ``unit="B"``,
    a trailing ``B`` is allowed); ``1e9`` and plain integers too. Fractions are rounded down.
    Raises InvalidValue for anything else (``m`` is milli, not mega: refused with a hint).
    """
    s = str(text).strip().replace("_", "").replace(",", "")
    if unit and s.endswith(unit):
        s = s[: -len(unit)].rstrip()
    suffix = ""
    for cand in sorted(SUFFIXES, key=len, reverse=True):
        if cand and s.endswith(cand):
            suffix = cand
            s = s[: -len(cand)].rstrip()
            break
    if not s:
        raise InvalidValue(field, text, "is not a number (e.g. 300M, 3.5M, 8MB, 1e9)")
    if s[-1:] == "m" and not s[:-1].lstrip("-").replace(".", "").isalpha():
        raise InvalidValue(field, text, "uses m (milli): write M for millions")
    value = _number(s, field) * SUFFIXES[suffix]
    if value < 0:
        raise InvalidValue(field, text, "is negative")
    return math.floor(value)


def parse_seconds(text: str, field: str = "latency") -> Fraction:
    """A duration from text: ``5ms``, ``250us``, ``0.01s`` or ``0.01`` (seconds), exact."""
    s = str(text).strip().replace("_", "")
    unit = "s"
    for cand in sorted(TIME_UNITS, key=len, reverse=True):
        if s.endswith(cand):
            unit = cand
            s = s[: -len(cand)].rstrip()
            break
    if not s:
        raise InvalidValue(field, text, "is not a duration (e.g. 5ms, 250us, 0.01s)")
    value = _number(s, field) * TIME_UNITS[unit]
    if value <= 0:
        raise InvalidValue(field, text, "is not a positive duration")
    return value


def amount_text(value: int | float | Fraction, unit: str = "") -> str:
    """A count for people with an SI suffix: ``300.8M``, ``3.5M``, ``1.2G``, ``512`` (three digits)."""
    v = float(value)
    for suffix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(v) >= scale:
            return f"{v / scale:.4g}{suffix}{unit}"
    return f"{v:.4g}{unit}" if isinstance(value, float | Fraction) and not float(value).is_integer() \
        else f"{int(v)}{unit}"


class Budget(NamedTuple):
    """What a configuration may cost at most (None: not budgeted). Latency in seconds."""

    macs: int | None = None
    params: int | None = None
    peak_memory: int | None = None  # bytes
    latency: Fraction | None = None  # seconds (a roofline bound: needs a device)

    def given(self) -> tuple[str, ...]:
        """The budgeted metrics."""
        return tuple(m for m in METRICS if getattr(self, m) is not None)


class Trial(NamedTuple):
    """One configuration tried: its axis values and its figures (batch included)."""

    width: float
    resolution: int | None
    depth: float
    params: int
    macs: int
    peak_memory: int | None
    latency: Fraction | None
    fits: bool
    front: bool = False
    answer: bool = False


class Fit(NamedTuple):
    """The result of a fit: every trial (front and answer marked), what was varied, the budget."""

    axes: tuple[str, ...]
    budget: Budget
    trials: tuple[Trial, ...]
    skipped: tuple[tuple[dict[str, Any], str], ...] = ()  # configurations the network cannot take, and why

    @property
    def answer(self) -> Trial | None:
        """The front's configuration closest to the budget (None: nothing tried fits)."""
        return next((t for t in self.trials if t.answer), None)

    @property
    def front(self) -> list[Trial]:
        """The Pareto front: the largest fitting configurations, in trial order."""
        return [t for t in self.trials if t.front]


def depth_scaled(layers: Sequence[Any], depth: float) -> tuple[Any, ...]:
    """The layers with each repeated layer's ``repeat`` times ``depth``, rounded up (at least 1)."""
    if depth == 1:
        return tuple(layers)
    out = []
    for layer in layers:
        r = getattr(layer, "repeat", 1)
        if isinstance(r, int) and r > 1:
            layer = layer._replace(repeat=max(1, math.ceil(depth * r - 1e-9)))
        out.append(layer)
    return tuple(out)


def candidates(spec: str, axis: str) -> list[float] | list[int]:
    """Values from ``a,b,c`` or ``start:stop:step`` (stop included) for an axis; InvalidValue otherwise."""
    field = f"--{axis}" if axis != "width" else "--width"
    spec = spec.strip()
    values: list[Fraction] = []
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) != 3:
            raise InvalidValue(field, spec, "is not start:stop:step")
        start, stop, step = (_number(p, field) for p in parts)
        if step <= 0 or stop < start:
            raise InvalidValue(field, spec, "needs start <= stop and a positive step")
        n = int((stop - start) / step) + 1
        if n > MAX_TRIALS:
            raise InvalidValue(field, spec, f"gives {n:,} values, more than {MAX_TRIALS:,}")
        values = [start + i * step for i in range(n)]
    else:
        values = [_number(p, field) for p in spec.split(",") if p.strip()]
    if not values:
        raise InvalidValue(field, spec, "gives no value")
    if any(v <= 0 for v in values):
        raise InvalidValue(field, spec, "has a value that is not positive")
    if axis == "resolution":
        if any(v.denominator != 1 for v in values):
            raise InvalidValue(field, spec, "has a resolution that is not a whole number of pixels")
        return sorted({int(v) for v in values})
    return sorted({float(v) for v in values})


def fit(net: Any, budget: Budget, grid: dict[str, Sequence[Any]], evaluate: Callable[[Any], tuple[int, int,
        int | None, Fraction | None]]) -> Fit:
    """Try every configuration of ``grid`` (axis -> candidates) on ``net``; mark the front and the answer.

    ``evaluate(network)`` returns ``(params, macs, peak_memory_bytes, latency_seconds)`` for a
    configured network (None where not asked); ``budget`` says which must stay within what.
    Raises InvalidValue for an empty budget, an unknown axis, or more than MAX_TRIALS trials.
    """
    metrics = budget.given()
    if not metrics:
        raise InvalidValue("budget", "none", "is missing: give --macs, --params, --peak-memory or --latency")
    axes = tuple(a for a in AXES if a in grid)
    if not axes or any(a not in AXES for a in grid):
        raise InvalidValue("axis", ",".join(grid), f"is not one of {', '.join(AXES)}")
    count = 1
    for a in axes:
        count *= len(grid[a])
    if count > MAX_TRIALS:
        raise InvalidValue("grid", f"{count:,} configurations", f"is more than {MAX_TRIALS:,}: use coarser steps")
    base_layers = tuple(net.layers)
    has_depth_field = "depth" in getattr(net, "_fields", ())
    trials: list[Trial] = []
    skipped: list[tuple[dict[str, Any], str]] = []

    def combos(i: int, acc: dict[str, Any]) -> Any:
        if i == len(axes):
            yield dict(acc)
            return
        for v in grid[axes[i]]:
            acc[axes[i]] = v
            yield from combos(i + 1, acc)

    for combo in combos(0, {}):
        width = combo.get("width", net.width)
        resolution = combo.get("resolution", net.resolution)
        depth = combo.get("depth", 1.0)
        n = net._replace(width=width, resolution=resolution)
        if "depth" in combo:
            n = n._replace(depth=depth) if has_depth_field else n._replace(layers=depth_scaled(base_layers, depth))
        try:
            params, macs, peak, latency = evaluate(n)
        except LiteconvError as e:  # e.g. a channel count that rounds to 0 at a small width: not a candidate
            skipped.append((dict(combo), str(e)))
            continue
        figures = {"macs": macs, "params": params, "peak_memory": peak, "latency": latency}
        fits = all(figures[m] is not None and figures[m] <= getattr(budget, m) for m in metrics)
        trials.append(Trial(width, resolution, depth, params, macs, peak, latency, fits))

    def key_axes(t: Trial) -> tuple[Any, ...]:
        return tuple(getattr(t, a) for a in axes)

    def dominates(a: Trial, b: Trial) -> bool:
        ka, kb = key_axes(a), key_axes(b)
        return all(x >= y for x, y in zip(ka, kb, strict=True))

    # the front: fitting trials that no other fitting trial matches or beats on every axis.
    # Sorted by axes, descending, only an earlier trial can dominate a later one, so each is
    # compared with the kept ones only (domination is transitive).
    front_ids: set[int] = set()
    kept: list[Trial] = []
    fitting = [i for i, t in enumerate(trials) if t.fits]
    for i in sorted(fitting, key=lambda i: tuple(-v for v in key_axes(trials[i]))):
        t = trials[i]
        if not any(dominates(o, t) for o in kept):
            kept.append(t)
            front_ids.add(i)
    # the answer: the front member that uses the most of the budget (first budgeted figure)
    first = metrics[0]
    best = max(front_ids, key=lambda i: (getattr(trials[i], first), key_axes(trials[i])), default=None)
    if not trials and skipped:  # nothing could be built: the first reason is the answer
        raise InvalidValue("grid", ", ".join(f"{a} {v:g}" for a, v in skipped[0][0].items()),
                           f"is the first configuration tried, and none can be built: {skipped[0][1]}")
    marked = [t._replace(front=i in front_ids, answer=i == best) for i, t in enumerate(trials)]
    return Fit(axes, budget, tuple(marked), tuple(skipped))
