"""Export the ONNX files of tests/data/onnx that split channels (see tests/data/README.md).

Run with PyTorch, torchvision and onnx installed (made with the oracle venv of shared/oracle/,
torch 2.13.0 CPU and torchvision 0.28.0, with onnx 1.23.2 added to its path):
    PYTHONPATH=shared/oracle python export_split_models.py OUT_DIR
Writes shufflenet_v2_x0_5.onnx / .nofold.onnx (torchvision 0.28, weights=None, eval, 3x224x224;
do_constant_folding True / False) and ghost_csp.onnx (split_nets.py, 3x32x32, opset 17, no
folding), with the legacy TorchScript exporter (dynamo=False), then moves their weights to an
external data file and deletes it (liteconv reads only the weights' dims).
"""
import contextlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
with contextlib.suppress(ImportError):  # shared/oracle's shim: torchvision's models load beside CPU torch
    import tvshim  # noqa: F401
import onnx  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402
from split_nets import ghost_csp  # noqa: E402


def export(model: torch.nn.Module, shape: tuple[int, ...], path: str, fold: bool, opset: int) -> None:
    torch.onnx.export(model.eval(), torch.zeros(1, *shape), path, dynamo=False, do_constant_folding=fold,
                      opset_version=opset, input_names=["input"], output_names=["output"])
    m = onnx.load(path)
    data = os.path.basename(path) + ".data"
    onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True, location=data,
                    size_threshold=0)
    os.unlink(os.path.join(os.path.dirname(path), data))


if __name__ == "__main__":
    out = sys.argv[1]
    torch.manual_seed(0)
    shufflenet = torchvision.models.shufflenet_v2_x0_5(weights=None)
    export(shufflenet, (3, 224, 224), os.path.join(out, "shufflenet_v2_x0_5.onnx"), True, 17)
    export(shufflenet, (3, 224, 224), os.path.join(out, "shufflenet_v2_x0_5.nofold.onnx"), False, 17)
    export(ghost_csp(), (3, 32, 32), os.path.join(out, "ghost_csp.onnx"), False, 17)
