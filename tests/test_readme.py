"""The README's library example runs as written (doctest)."""

from __future__ import annotations

import doctest
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_examples(monkeypatch):
    monkeypatch.chdir(README.parent)  # the examples name configs/ relative to the repository
    text = README.read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]
    assert blocks, "the README has a python example"
    parser = doctest.DocTestParser()
    for i, block in enumerate(blocks):
        test = parser.get_doctest(block, {}, f"README block {i}", str(README), 0)
        result = doctest.DocTestRunner().run(test)
        assert result.failed == 0



def _console_examples() -> list[tuple[str, str]]:
    """(command, output) of every README console block that shows a whole, unredirected output."""
    examples = []
    for block in README.read_text(encoding="utf-8").split("```console\n")[1:]:
        body = block.split("```", 1)[0]
        first, _, output = body.partition("\n")
        if first.startswith("$ liteconv ") and "#" not in first and ">" not in first and output:
            examples.append((first[2:], output))
    return examples


def test_readme_console_examples_are_real_output(run, monkeypatch):
    import glob
    import shlex

    monkeypatch.chdir(README.parent)
    examples = _console_examples()
    assert len(examples) >= 3
    for command, shown in examples:
        args: list[str] = []
        for word in shlex.split(command)[1:]:
            args.extend(sorted(glob.glob(word)) if "*" in word else [word])
        result = run(*args)
        assert result.exit_code == 0, command
        assert result.stdout == shown, command
