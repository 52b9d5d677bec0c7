"""The oracle behind tests/data/training-oracle.json (needs torch; not run by the tests).

Measure one training step of a model with PyTorch: FlopCounterMode forward/backward, the MACs
actually done (conv/linear hooks: which gradients autograd asks for), saved activations and
optimizer state. Usage: python train_oracle.py EXPR CxHxW [--batch N] [--freeze N_FIRST_PARAMS_MODULES]"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, "/work/shared/oracle")
import tvshim  # noqa
import torch
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode

def build(expr):
    import torchvision, torchvision.models  # noqa
    if ":" in expr.split("(")[0]:
        import importlib
        mod, call = expr.split(":", 1)
        return eval("m." + call, {"m": importlib.import_module(mod)})
    return eval(expr, {"torch": torch, "nn": nn, "torchvision": torchvision})

ap = argparse.ArgumentParser()
ap.add_argument("model")
ap.add_argument("input")
ap.add_argument("--batch", type=int, default=1)
ap.add_argument("--freeze", default="", help="comma list of module-name prefixes whose params are frozen")
a = ap.parse_args()
torch.manual_seed(0)
torch.set_num_threads(1)
model = build(a.model).train()
for name, p in model.named_parameters():
    if a.freeze and any(name.startswith(f) for f in a.freeze.split(",")):
        p.requires_grad_(False)
shape = [a.batch] + [int(v) for v in a.input.split("x")]
x = torch.randn(shape)
# the MACs autograd will do: per conv/linear module, from forward hooks on real tensors
hand = {"forward": 0, "input_grad": 0, "weight_grad": 0}
layers = []
def hook(mod, inp, out):
    i = inp[0]
    if isinstance(mod, nn.modules.conv._ConvNd):
        k = math.prod(mod.kernel_size)
        if isinstance(mod, nn.modules.conv._ConvTransposeNd):
            macs = i.numel() * (mod.out_channels // mod.groups) * k
        else:
            macs = out.numel() * (mod.in_channels // mod.groups) * k
    elif isinstance(mod, nn.Linear):
        macs = out.numel() // mod.out_features * mod.in_features * mod.out_features
    else:
        return
    ig = macs if i.requires_grad else 0
    wg = macs if mod.weight.requires_grad else 0
    hand["forward"] += macs
    hand["input_grad"] += ig
    hand["weight_grad"] += wg
    layers.append({"module": mod._lname, "forward": macs, "input_grad": ig, "weight_grad": wg,
                   "groups": getattr(mod, "groups", 1)})
for n, m in model.named_modules():
    m._lname = n
    if isinstance(m, (nn.modules.conv._ConvNd, nn.Linear)):
        m.register_forward_hook(hook)

params = {p.untyped_storage().data_ptr() for p in list(model.parameters()) + list(model.buffers())}
saved = {}
def pack(t):
    if t.untyped_storage().data_ptr() in params:
        return t
    try:
        key = (t.untyped_storage().data_ptr())
        nbytes = t.untyped_storage().nbytes()
    except Exception:
        key, nbytes = id(t), t.numel() * t.element_size()
    prev = saved.get(key)
    if prev is None or prev[0] < nbytes:
        saved[key] = (nbytes, list(t.shape), str(t.dtype))
    return t
def unpack(t):
    return t

fwd = FlopCounterMode(display=False)
with torch.autograd.graph.saved_tensors_hooks(pack, unpack), fwd:
    y = model(x)
loss = y.float().sum()
bwd = FlopCounterMode(display=False)
with bwd:
    loss.backward()
def opt_state(name):
    m2 = build(a.model).train()
    for n2, p in m2.named_parameters():
        if a.freeze and any(n2.startswith(f) for f in a.freeze.split(",")):
            p.requires_grad_(False)
    tp = [p for p in m2.parameters() if p.requires_grad]
    opt = {"sgd": lambda: torch.optim.SGD(tp, lr=0.1), "momentum": lambda: torch.optim.SGD(tp, lr=0.1, momentum=0.9),
           "adam": lambda: torch.optim.Adam(tp)}[name]()
    m2(torch.randn(shape)).sum().backward()
    opt.step()
    n = 0
    for st in opt.state.values():
        for v in st.values():
            if torch.is_tensor(v) and v.numel() > 1 or (torch.is_tensor(v) and v.dim() > 0):
                n += v.numel()
    return n
act_bytes = sum(v[0] for v in saved.values())
by_dtype = {}
for nb, _shp, dt in saved.values():
    by_dtype[dt] = by_dtype.get(dt, 0) + nb
res = {
    "model": a.model, "input": a.input, "batch": a.batch, "freeze": a.freeze, "torch": torch.__version__,
    "params": sum(p.numel() for p in model.parameters()),
    "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
    "flop_counter_forward_flops": fwd.get_total_flops(), "flop_counter_backward_flops": bwd.get_total_flops(),
    "hand_forward_macs": hand["forward"], "hand_input_grad_macs": hand["input_grad"],
    "hand_weight_grad_macs": hand["weight_grad"],
    "saved_activation_bytes": act_bytes, "saved_bytes_by_dtype": by_dtype, "saved_tensors": len(saved),
    "optimizer_state_elements": {o: opt_state(o) for o in ("sgd", "momentum", "adam")},
}
if os.environ.get("LAYERS"):
    res["layers"] = layers
    res["saved"] = sorted(saved.values(), key=lambda v: -v[0])
print(json.dumps(res, indent=1))
