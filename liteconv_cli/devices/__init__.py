"""Device tables for the roofline: one YAML file per device, each number with its public source.

``load_device(NAME)`` reads a shipped table by its file stem (``rpi4``, ``jetson-orin-nano``,
``rtx4090``, ``apple-m4-ane``) or any YAML file a user wrote (a path); the keys are in
docs/analyses.md and :data:`liteconv_cli.engine.roofline.DEVICE_KEYS`.
"""

from __future__ import annotations

import os
from importlib import resources

from ..engine.roofline import Device, device_from_mapping
from ..errors import LiteconvError, SpecError, UsageProblem


def names() -> list[str]:
    """The shipped devices, by name (file stem), sorted."""
    return sorted(p.name[:-5] for p in resources.files(__package__).iterdir() if p.name.endswith(".yaml"))


def load_device(ref: str) -> Device:
    """The device named ``ref`` (a shipped table) or read from the YAML file ``ref``.

    Raises LiteconvError for an unknown name (with the shipped names) and SpecError for a
    malformed table.
    """
    import yaml

    if ref in names():
        path = str(resources.files(__package__).joinpath(ref + ".yaml"))
        key = ref
    elif os.path.isfile(ref):
        path, key = ref, os.path.splitext(os.path.basename(ref))[0]
    else:
        from difflib import get_close_matches

        close = get_close_matches(ref, names(), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise UsageProblem(f"--device: no device {ref!r}: {hint}give one of {', '.join(names())} or a YAML file")
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except OSError as e:
        raise LiteconvError(f"cannot read {ref}: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise SpecError(f"not valid YAML ({str(e).splitlines()[0]})", file=ref) from None
    return device_from_mapping(data, file=ref, key=key)
