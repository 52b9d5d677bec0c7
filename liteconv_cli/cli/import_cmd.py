"""``liteconv import``: a model file (ONNX, Keras) written as an editable YAML spec.

The spec is what ``liteconv network FILE`` counts (the same layers, so the same rows and
totals), so ``convert``, ``sweep`` and a text editor work on a model that began as a file.
The reader's notes (BatchNorm folded by the exporter, Keras' own parameter count) head the
file as comments. How each op becomes a layer: docs/importers.md.
"""

from __future__ import annotations

import click

from ..errors import LiteconvError
from . import open_output


@click.command(
    "import",
    epilog="""\b
Examples:
  liteconv import model.onnx -o model.yaml
  liteconv import model.keras -o model.yaml
  liteconv import mobilenet.json                     # Keras model.to_json(), YAML to stdout
  liteconv import dynamic.onnx --input 3,320,320 -o model.yaml
  liteconv network model.yaml                        # counts as: liteconv network model.onnx

\b
ONNX needs the onnx package: pip install 'liteconv[onnx]'. Keras needs nothing: the
config is read from the .keras zip (the weights are never opened) or from the JSON.""",
)
@click.argument("model", type=click.Path(dir_okay=False), metavar="FILE")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Write the spec to FILE (atomically) instead of stdout.")
@click.option("--input", "input_dims", multiple=True, metavar="C,H,W",
              help="The input dims after the batch where the file leaves them open (a dynamic size), e.g. "
                   "3,224,224; NAME=C,H,W for one of several inputs.")
@click.option("--allow-unknown", is_flag=True,
              help="Write an op liteconv does not know as an 'unknown' layer (its output shape, no params, no MACs) "
                   "instead of failing.")
def import_command(model: str, output: str, input_dims: tuple[str, ...], allow_unknown: bool) -> None:
    """Write a model file (ONNX, Keras) as an editable YAML spec.

    FILE is an .onnx file, a .keras file or a Keras model.to_json() config. The spec has
    one layer per operation, joined by from:, and counts exactly as the file does.
    """
    from ..importers import dump, is_model_file, parse_input_dims, read_model, unknown_note

    if not is_model_file(model):
        raise LiteconvError(f"{model}: not a model file liteconv reads (.onnx, .keras, or a Keras .json config)")
    imported = read_model(model, parse_input_dims(input_dims), allow_unknown)
    lines = [f"Read from {model} by liteconv import (docs/importers.md)."]
    lines += imported.notes
    if imported.unknown:
        lines.append(unknown_note(imported))
    import textwrap

    header = "\n".join(textwrap.fill(line, 98, break_on_hyphens=False) for line in lines)
    text = dump(imported.data, header=header)
    with open_output(output) as out:
        out.write(text)
