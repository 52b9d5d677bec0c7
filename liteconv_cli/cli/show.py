"""``liteconv show NAME``: the YAML spec of a built-in network, to copy and edit."""

from __future__ import annotations

import click

from . import open_output


@click.command(
    "show",
    epilog="""\b
Examples:
  liteconv show mobilenet_v2
  liteconv show resnet50 > my_resnet.yaml
  liteconv show efficientnet_b3 --expand

\b
Exit status: 0 success, 1 no built-in network (or file) of that name, 2 a usage error.""",
)
@click.argument("name", metavar="NAME")
@click.option("--expand", is_flag=True,
              help="For a member of a family, print it as a spec of its own: the variant's overrides and the "
                   "depth multiplier applied (comments are not kept).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Write to FILE instead of stdout.")
def show(name: str, expand: bool, output: str) -> None:
    """Print the YAML spec of a built-in network, to copy and edit.

    NAME is a name from `liteconv models` (or a spec file, FILE#VARIANT for a member of a
    family file of one's own). A member of a family (resnet34, efficientnet_b3)
    prints its family's file, which defines every member (docs/spec.md, "Families"); the line
    at the top says how to load that member from a copy. --expand prints the member alone.
    """
    from .. import zoo

    path, variant, text = zoo.read(name)
    if expand:
        text = zoo.expanded_text(text, path, variant)
    elif variant is not None:
        import os

        file = os.path.basename(path)
        text = (f"# {name} is the variant {variant!r} of this family spec; from a copy saved as {file}, load it "
                f"with `liteconv network {file}#{variant}` (docs/spec.md, Families).\n") + text
    with open_output(output) as out:
        out.write(text if text.endswith("\n") else text + "\n")
