"""Print how dense the code under some paths is: one-letter names, long lines, complex functions.

Usage: .venv/bin/python scripts/name_stats.py [PATH ...]   (default: storydesk)

Bound names are function and lambda parameters and the names bound by assignment (=, annotated,
augmented, :=), for, with ... as and comprehension targets. A one-letter name is a single letter;
`_` is not one. The loop-index figure leaves out i, j and k bound by a for loop or comprehension,
which the house style allows.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

LONG_LINE = 100
MCCABE_LIMIT = 10
LOOP_INDICES = {"i", "j", "k"}


def python_files(paths: Iterable[str]) -> list[Path]:
    found: list[Path] = []
    for path in map(Path, paths):
        found.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return found


def target_names(target: ast.expr) -> Iterator[str]:
    # Attribute and subscript targets bind no new name (their names are loaded), so only stored ones count.
    for node in ast.walk(target):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            yield node.id


def parameter_names(arguments: ast.arguments) -> Iterator[str]:
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    every += [arg for arg in (arguments.vararg, arguments.kwarg) if arg is not None]
    return (arg.arg for arg in every)


def bound_names(tree: ast.AST) -> Iterator[tuple[str, bool]]:
    """Yield (name, bound as a loop variable) for every bound name in the tree."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from ((name, False) for name in parameter_names(node.args))
        elif isinstance(node, ast.Assign):
            yield from ((name, False) for target in node.targets for name in target_names(target))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
            yield from ((name, False) for name in target_names(node.target))
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            yield from ((name, True) for name in target_names(node.target))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            yield from ((name, False) for name in target_names(node.optional_vars))


def is_one_letter(name: str) -> bool:
    return len(name) == 1 and name.isalpha()


def complex_functions(paths: list[str]) -> int:
    command = [str(Path(sys.executable).parent / "ruff"), "check", "--select", "C901"]
    command += ["--config", f"lint.mccabe.max-complexity={MCCABE_LIMIT}", "--statistics", *paths]
    output = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    counted = re.search(r"^\s*(\d+)\s+C901", output, re.MULTILINE)
    return int(counted.group(1)) if counted else 0


def share(part: int, whole: int) -> str:
    return f"{part}/{whole} = {100 * part / whole:.1f}%" if whole else "0/0"


def main(argv: list[str]) -> None:
    paths = argv or ["storydesk"]
    names: list[tuple[str, bool]] = []
    lines: list[str] = []
    for path in python_files(paths):
        source = path.read_text(encoding="utf-8")
        names.extend(bound_names(ast.parse(source, filename=str(path))))
        lines.extend(source.splitlines())
    one_letter = [(name, in_loop) for name, in_loop in names if is_one_letter(name)]
    not_indices = [name for name, in_loop in one_letter if not (in_loop and name in LOOP_INDICES)]
    print(f"paths: {' '.join(paths)}")
    print(f"one-letter bound names: {share(len(one_letter), len(names))}")
    print(f"  leaving out i/j/k loop indices: {share(len(not_indices), len(names))}")
    long_lines = sum(len(line) > LONG_LINE for line in lines)
    print(f"lines over {LONG_LINE} characters: {share(long_lines, len(lines))}")
    print(f"functions over McCabe {MCCABE_LIMIT}: {complex_functions(paths)}")


if __name__ == "__main__":
    main(sys.argv[1:])
