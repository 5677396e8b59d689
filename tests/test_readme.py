"""Every ```python block of README.md runs on its own, as if pasted into a fresh interpreter, and
prints what the README says it prints.

Each block runs in a fresh namespace, with the working directory a temporary folder (so a block
that saves a file writes it there). The expected output convention: when a block's last statement
is a `print(...)` call, the comment lines after it (`# ` and the text) are the whole expected
stdout, one comment per line printed. In an expected line `...` stands for the rest of a number
or word (`0.0123...` matches `0.012345`, not `0.0124`). Blocks that must not run (shell
transcripts, `>>>` sessions, bench output) are plain ``` blocks and are not collected.
"""

import ast
import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
FENCE = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def python_blocks(markdown: str) -> list[tuple[int, str]]:
    """The ```python blocks of `markdown`: (line number of the block's first code line, source)."""
    return [
        (markdown.count("\n", 0, match.start(1)) + 1, match.group(1))
        for match in FENCE.finditer(markdown)
    ]


def expected_stdout(source: str) -> list[str] | None:
    """The comment lines after a block's final `print(...)` without their `# `, else None."""
    tree = ast.parse(source)
    last = tree.body[-1] if tree.body else None
    is_print = (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and isinstance(last.value.func, ast.Name)
        and last.value.func.id == "print"
    )
    if not is_print:
        return None
    trailing = [line.strip() for line in source.splitlines()[last.end_lineno :]]
    comments = [line.removeprefix("# ") for line in trailing if line.startswith("#")]
    return comments or None


def line_matches(expected: str, actual: str) -> bool:
    """True if `actual` is `expected`, each `...` in it standing for a run of non-spaces."""
    pattern = r"\S*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual.rstrip()) is not None


def run_block(source: str, name: str) -> str:
    """Execute `source` in a fresh namespace, as a script called `name`; what it printed."""
    namespace = {"__name__": "__main__"}
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        exec(compile(source, name, "exec"), namespace)
    return stdout.getvalue()


def check_block(source: str, name: str) -> None:
    """Run the block; raise AssertionError if it printed other than its expected comment lines."""
    printed = run_block(source, name)
    expected = expected_stdout(source)
    if expected is None:
        return
    actual = printed.rstrip("\n").split("\n")
    same = len(actual) == len(expected) and all(map(line_matches, expected, actual))
    assert same, f"{name} printed {actual}, the README shows {expected}"


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


def test_every_python_fence_is_collected():
    text = README.read_text(encoding="utf-8")
    assert len(BLOCKS) == text.count("```python") > 0


@pytest.mark.parametrize(("line", "source"), BLOCKS, ids=[f"line{line}" for line, _ in BLOCKS])
def test_readme_block_runs_alone_and_prints_what_it_shows(line, source, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    check_block(source, f"README.md:{line}")


SAMPLE = """\
Some prose.

```python
print(1 + 1)
# 2
```

```
$ a shell line that is not collected
```

```python
x = 0.1 + 0.2
print(x, "ok")
# 0.3... ok
```
"""


def test_the_collector_finds_python_blocks_only_with_their_lines():
    assert python_blocks(SAMPLE) == [
        (4, "print(1 + 1)\n# 2\n"),
        (13, 'x = 0.1 + 0.2\nprint(x, "ok")\n# 0.3... ok\n'),
    ]
    for line, source in python_blocks(SAMPLE):
        check_block(source, f"sample:{line}")


def test_a_broken_block_fails():
    ((line, source),) = python_blocks("```python\nimport math\nprint(math.tau * model)\n```\n")
    with pytest.raises(NameError, match="model"):
        check_block(source, f"sample:{line}")


def test_a_wrong_expected_output_is_caught():
    ((line, source),) = python_blocks("```python\nprint(1 + 1)\n# 3\n```\n")
    with pytest.raises(AssertionError, match=r"printed \['2'\], the README shows \['3'\]"):
        check_block(source, f"sample:{line}")


def test_missing_or_extra_printed_lines_are_caught():
    with pytest.raises(AssertionError):
        check_block("print(1)\nprint(2)\n# 2\n", "sample")
    with pytest.raises(AssertionError):
        check_block("print(1)\n# 1\n# 2\n", "sample")


@pytest.mark.parametrize(
    ("expected", "actual", "same"),
    [
        ("0.0123... 100", "0.012345678 100", True),
        ("0.0123... 100", "0.0123 100", True),
        ("0.0123... 100", "0.0124 100", False),
        ("0.0123... 100", "0.0123 101", False),
        ("0.0123... 100", "0.0123 and 100", False),  # ... never spans a space
        ("loss 0.5", "loss 0.5  ", True),
        ("a.b", "axb", False),  # only ... is special
    ],
)
def test_the_wildcard_stands_for_the_rest_of_a_word(expected, actual, same):
    assert line_matches(expected, actual) is same


def test_only_comments_after_a_final_print_are_expected_output():
    assert expected_stdout("print(2)\n# 2\n") == ["2"]
    assert expected_stdout("print(\n    2,\n)\n# 2\n") == ["2"]  # a print over several lines
    assert expected_stdout("x = 2   # a note\n") is None
    assert expected_stdout("print(2)\nx = 3  # not output\n") is None
