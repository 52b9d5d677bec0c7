"""The oracle behind tests/data/oracle-zoo-sizes.json (needs torch; not run by the tests).

Builds torchvision models with ``weights=None`` in eval mode, runs one ``torch.zeros`` batch of
1 through them and counts, from forward hooks on the real shapes (the definitions of
tests/data/zoo-counts.json and ../shared/oracle/count.py):

- params: ``sum(p.numel())``; ``bn`` the BatchNorm share; ``linear`` the nn.Linear share
  (weights + bias); ``conv_by_kind`` the nn.ConvNd share by kind; ``other`` the rest
  (LayerNorm affine, ConvNeXt's layer scale);
- MACs (1 multiply + 1 add, bias excluded): ConvNd ``C_out * prod(out spatial) * C_in/groups *
  prod(kernel)``, Linear ``rows * in * out`` (rows: every input dim but the last); split into
  ``conv_by_kind`` and ``linear``; ``layers`` counts the modules of each kind;
- kinds: depthwise = groups == C_in == C_out > 1, grouped = other groups > 1, pointwise = all
  kernel dims 1, standard = the rest.

Usage (the oracle venv of ../shared/oracle/README.md):
  /work/oracle-venv/bin/python tests/data/oracle_zoo_sizes.py > tests/data/oracle-zoo-sizes.json
"""
import json
import math
import platform
import sys

sys.path.insert(0, "/work/shared/oracle")
import tvshim  # noqa: F401,E402  (before torchvision: see ../shared/oracle/tvshim.py)

# isort: split
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torchvision  # noqa: E402
import torchvision.models  # noqa: E402
import torchvision.models.video  # noqa: E402

IMAGES = (160, 256, 320)
#: odd sizes where PyTorch's ceil_mode pooling differs from floor (SqueezeNet, GoogLeNet)
ODD = (33, 99, 225, 299)
CLIPS = ((8, 112, 112), (16, 128, 171))
CASES: list[tuple[str, str, tuple[int, ...]]] = []  # (torchvision name, constructor, input without batch)
for _arch in ("mobilenet_v3_large", "mobilenet_v3_small"):
    for _s in IMAGES:
        CASES.append((_arch, f"torchvision.models.{_arch}(weights=None)", (3, _s, _s)))
    for _w in (0.75, 1.25):
        for _s in (224, *IMAGES):
            CASES.append((_arch, f"torchvision.models.{_arch}(weights=None, width_mult={_w})", (3, _s, _s)))
#: widths where torchvision's head conv (6 x the last block's channels) differs from
#: _make_divisible(960 w, 8) / _make_divisible(576 w, 8): a gap of the spec format, kept measured
CASES.append(("mobilenet_v3_large", "torchvision.models.mobilenet_v3_large(weights=None, width_mult=0.33)",
              (3, 224, 224)))
CASES.append(("mobilenet_v3_small", "torchvision.models.mobilenet_v3_small(weights=None, width_mult=0.35)",
              (3, 224, 224)))
for _arch in ("convnext_tiny", "convnext_small", "convnext_base", "convnext_large"):
    for _s in IMAGES:
        CASES.append((_arch, f"torchvision.models.{_arch}(weights=None)", (3, _s, _s)))
for _arch in ("squeezenet1_0", "squeezenet1_1"):
    for _s in (*IMAGES, *ODD):
        CASES.append((_arch, f"torchvision.models.{_arch}(weights=None)", (3, _s, _s)))
for _s in (*IMAGES, *ODD[1:]):
    CASES.append(("googlenet", "torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False)",
                  (3, _s, _s)))
for _arch in ("efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l"):
    for _s in IMAGES:
        CASES.append((_arch, f"torchvision.models.{_arch}(weights=None)", (3, _s, _s)))
for _arch in ("r3d_18", "mc3_18", "r2plus1d_18"):
    for _c in CLIPS:
        CASES.append((_arch, f"torchvision.models.video.{_arch}(weights=None)", (3, *_c)))


def kind(m):
    if m.groups > 1:
        return "depthwise" if m.groups == m.in_channels == m.out_channels else "grouped"
    return "pointwise" if all(v == 1 for v in m.kernel_size) else "standard"


def count(expr, shape):
    model = eval(expr, {"torchvision": torchvision}).eval()
    kinds = ("standard", "pointwise", "depthwise", "grouped")
    macs = dict.fromkeys((*kinds, "linear"), 0)
    layers = dict.fromkeys((*kinds, "linear"), 0)

    def hook(m, inp, out):
        x = inp[0]
        if isinstance(m, nn.Linear):
            k, n = "linear", math.prod(x.shape[:-1]) * m.in_features * m.out_features
        else:
            k = kind(m)
            n = out.shape[0] * m.out_channels * math.prod(out.shape[2:]) * (m.in_channels // m.groups) * math.prod(
                m.kernel_size)
        macs[k] += n
        layers[k] += 1

    convs = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
    for m in model.modules():
        if isinstance(m, (*convs, nn.Linear)):
            m.register_forward_hook(hook)
    with torch.no_grad():
        out = model(torch.zeros((1, *shape)))
    own = [(m, sum(p.numel() for p in m.parameters(recurse=False))) for m in model.modules()]
    params_by_kind = dict.fromkeys(kinds, 0)
    for m, n in own:
        if isinstance(m, convs):
            params_by_kind[kind(m)] += n
    total = sum(p.numel() for p in model.parameters())
    bn = sum(n for m, n in own if isinstance(m, nn.modules.batchnorm._BatchNorm))
    linear = sum(n for m, n in own if isinstance(m, nn.Linear))
    return {
        "params": {"total": total, "bn": bn, "linear": linear, "conv_by_kind": params_by_kind,
                   "other": total - bn - linear - sum(params_by_kind.values())},
        "macs": {"total": sum(macs.values()), "linear": macs["linear"],
                 "conv_by_kind": {k: macs[k] for k in kinds}},
        "layers": layers,
        "output_shape": list(out.shape),
    }


def main():
    torch.set_num_threads(4)
    models = {}
    for arch, expr, shape in CASES:
        key = f"{expr}@{'x'.join(map(str, shape))}"
        width = float(expr.split("width_mult=")[1].rstrip(")")) if "width_mult=" in expr else 1.0
        rec = {"model": arch, "constructor": expr, "width_mult": width, "input_shape": [1, *shape]}
        rec.update(count(expr, shape))
        models[key] = rec
        print(key, rec["params"]["total"], rec["macs"]["total"], file=sys.stderr, flush=True)
    meta = {
        "generator": "tests/data/oracle_zoo_sizes.py",
        "torch": torch.__version__, "torchvision": torchvision.__version__, "python": platform.python_version(),
        "input": "torch.zeros(1, *input_shape), model.eval(), torch.no_grad(), weights=None",
        "key": "<constructor>@<input without batch>; width_mult: the constructor's (1.0 when not given)",
        "definitions": __doc__.split("Usage")[0].strip(),
    }
    json.dump({"meta": meta, "models": models}, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
