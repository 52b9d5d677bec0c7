"""``liteconv show NAME``: the YAML spec of a built-in network, to copy and edit."""

from __future__ import annotations

import click

from . import open_output


@click.command(
    "show",
    epilog="""\b
Examples:
  liteconv show mobilenet_v2
  liteconv show resnet50 > my_resnet.yaml      # ResNet-50 alone, ready to edit
  liteconv show resnet50 --family              # the family file: ResNet-18 to 152

\b
Exit status: 0 success, 1 no built-in network (or file) of that name, 2 a usage error.""",
)
@click.argument("name", metavar="NAME")
@click.option("--family", is_flag=True,
              help="For a member of a family, print the family's file (every member, with its comments) instead "
                   "of the member alone.")
@click.option("--expand", is_flag=True, hidden=True, help="The default: the member as a spec of its own.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Write to FILE instead of stdout.")
def show(name: str, family: bool, expand: bool, output: str) -> None:
    """Print the YAML spec of a built-in network, to copy and edit.

    NAME is a name from `liteconv models` (or a spec file, FILE#VARIANT for a member of a
    family file of one's own). A member of a family (resnet34, efficientnet_b3) is printed
    as a spec of its own, the variant's overrides and depth multiplier applied, so a copy
    counts that network (comments are not kept); --family prints the family's file instead,
    which defines every member (docs/spec.md, "Families").
    """
    from .. import zoo

    path, variant, text = zoo.read(name)
    if variant is not None and not family:
        text = zoo.expanded_text(text, path, variant)
    elif variant is not None:
        import os

        file = os.path.basename(path)
        text = (f"# {name} is the variant {variant!r} of this family spec; from a copy saved as {file}, load it "
                f"with `liteconv network {file}#{variant}` (docs/spec.md, Families).\n") + text
    with open_output(output) as out:
        out.write(text if text.endswith("\n") else text + "\n")
