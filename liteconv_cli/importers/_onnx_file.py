"""Reading an ONNX file's graph without its weight bytes.

An ONNX file is one protobuf ``ModelProto``. :func:`load_model` parses it with the classes
the ``onnx`` package generates from ``onnx-ml.proto``, so the file is read by the format's own
schema; it loads that one module (``onnx/onnx_ml_pb2.py``, which needs only protobuf) rather
than ``import onnx``, which also loads numpy and onnx's helpers (about 130 ms) that counting
does not use. If that module cannot be loaded on its own, ``onnx`` is imported as usual.

External weight data is never read (as ``onnx.load(path, load_external_data=False)``): only
the initializers' names, dims and types are used. A file up to :data:`WHOLE_FILE_BYTES` is
read whole; a larger one (a model with inline weights, up to any size, even past protobuf's
2 GiB message limit) is read field by field: the graph's nodes, inputs and outputs are read,
and the bytes of each large initializer are skipped with a seek, so memory and time follow
the size of the graph, not of the weights.
"""

from __future__ import annotations

import os
import sys
from typing import Any, BinaryIO

from ..errors import SpecError, reading

#: files up to this size are read whole and parsed at once
WHOLE_FILE_BYTES = 64 * 1024 * 1024
#: an initializer's data up to this size is kept (shape constants, small tables); larger is skipped
KEEP_TENSOR_BYTES = 64 * 1024
#: the largest single field other than an initializer's data that a large file may hold
MAX_FIELD_BYTES = 64 * 1024 * 1024

INSTALL_HINT = "reading ONNX files needs the onnx package: pip install 'liteconv[onnx]'"

_MODEL_CLASS: Any = None


def model_class() -> Any:
    """``onnx.ModelProto``, loaded as cheaply as possible; SpecError when onnx is not installed."""
    global _MODEL_CLASS
    if _MODEL_CLASS is not None:
        return _MODEL_CLASS
    onnx: Any = sys.modules.get("onnx")
    if onnx is not None:
        _MODEL_CLASS = onnx.ModelProto
        return _MODEL_CLASS
    import importlib.util

    try:
        spec = importlib.util.find_spec("onnx")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise SpecError(INSTALL_HINT)
    try:
        path = os.path.join(list(spec.submodule_search_locations)[0], "onnx_ml_pb2.py")
        pb2_spec = importlib.util.spec_from_file_location("onnx.onnx_ml_pb2", path)
        if pb2_spec is None or pb2_spec.loader is None:
            raise ImportError(path)
        module = importlib.util.module_from_spec(pb2_spec)
        pb2_spec.loader.exec_module(module)
        _MODEL_CLASS = module.ModelProto
    except Exception:  # any layout or protobuf-version surprise: the ordinary import
        try:
            import onnx as onnx_package
        except ImportError as e:
            raise SpecError(f"{INSTALL_HINT} ({e})") from None
        _MODEL_CLASS = onnx_package.ModelProto
    return _MODEL_CLASS


class _Corrupt(Exception):
    pass


def load_model(path: str) -> Any:
    """The ModelProto of ``path`` without external data and, for a large file, without the
    bytes of its large initializers (their dims and types are kept).

    Raises:
        SpecError: no such file, not readable, not a protobuf (truncated, corrupt, another
            format), or onnx not installed.
    """
    cls = model_class()
    try:
        with reading(path, "a model file"), open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                raise SpecError("is empty, not an ONNX model", file=path)
            data = f.read() if size <= WHOLE_FILE_BYTES else _skeleton(f, size)
    except _Corrupt as e:
        raise SpecError(f"is not a valid ONNX file: the protobuf is truncated or corrupt ({e})", file=path) from None
    model = cls()
    try:
        model.ParseFromString(data)
    except Exception as e:  # google.protobuf.message.DecodeError (and upb's variants)
        raise SpecError(f"is not a valid ONNX file: the protobuf is truncated or corrupt ({e})", file=path) from None
    return model


# ------------------------------------------------------------------ the protobuf wire format, by hand
#
# Only to copy a large file's graph without the weight bytes: ModelProto.graph (field 7) is
# rewritten, GraphProto.initializer (5) entries lose their data fields when large, every other
# field is copied as it is. The result is parsed by the real ModelProto class above.

_GRAPH = 7  # ModelProto.graph
_INITIALIZER = 5  # GraphProto.initializer
_TENSOR_DATA = frozenset((4, 5, 6, 7, 9, 10, 11))  # TensorProto float/int32/string/int64/raw/double/uint64 data


def _varint(f: BinaryIO) -> int:
    shift = value = 0
    while True:
        b = f.read(1)
        if not b:
            raise _Corrupt("ends inside a number")
        value |= (b[0] & 0x7F) << shift
        if b[0] < 0x80:
            return value
        shift += 7
        if shift > 63:
            raise _Corrupt("a number longer than 10 bytes")


def _encode(value: int) -> bytes:
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _fields(f: BinaryIO, end: int) -> Any:
    """(field, wire type, start of the field, start of its payload, payload length) up to ``end``."""
    while f.tell() < end:
        start = f.tell()
        key = _varint(f)
        field, wire = key >> 3, key & 7
        if field == 0:
            raise _Corrupt(f"field number 0 at byte {start}")
        if wire == 0:
            _varint(f)
            length = 0
        elif wire == 1:
            length = 8
        elif wire == 5:
            length = 4
        elif wire == 2:
            length = _varint(f)
        else:
            raise _Corrupt(f"wire type {wire} at byte {start}")
        payload = f.tell()
        if payload + length > end:
            raise _Corrupt(f"a field at byte {start} runs past the end ({payload + length:,} > {end:,})")
        f.seek(payload + length)
        yield field, wire, start, payload, length
    if f.tell() != end:
        raise _Corrupt("a field runs past its message")


def _copy(f: BinaryIO, start: int, end: int) -> bytes:
    if end - start > MAX_FIELD_BYTES:
        raise _Corrupt(f"a {(end - start) / 2**20:,.0f} MiB field outside the weights")
    here = f.tell()
    f.seek(start)
    data = f.read(end - start)
    f.seek(here)
    if len(data) != end - start:
        raise _Corrupt("ends early")
    return data


def _len_field(field: int, body: bytes) -> bytes:
    return _encode(field << 3 | 2) + _encode(len(body)) + body


def _tensor(f: BinaryIO, payload: int, length: int) -> bytes:
    if length <= KEEP_TENSOR_BYTES:
        return _copy(f, payload, payload + length)
    here = f.tell()
    f.seek(payload)
    parts = []
    for field, _, start, p, n in _fields(f, payload + length):
        if field not in _TENSOR_DATA:
            parts.append(_copy(f, start, p + n))
    f.seek(here)
    return b"".join(parts)


def _graph(f: BinaryIO, payload: int, length: int) -> bytes:
    here = f.tell()
    f.seek(payload)
    parts = []
    for field, wire, start, p, n in _fields(f, payload + length):
        if field == _INITIALIZER and wire == 2:
            parts.append(_len_field(_INITIALIZER, _tensor(f, p, n)))
        else:
            parts.append(_copy(f, start, p + n))
    f.seek(here)
    return b"".join(parts)


def _skeleton(f: BinaryIO, size: int) -> bytes:
    """The model's bytes with the large initializers' data left out, read with seeks."""
    parts = []
    for field, wire, start, p, n in _fields(f, size):
        if field == _GRAPH and wire == 2:
            parts.append(_len_field(_GRAPH, _graph(f, p, n)))
        else:
            parts.append(_copy(f, start, p + n))
    return b"".join(parts)
