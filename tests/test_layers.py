"""The layer rule of ARCHITECTURE.md, checked on the source tree: the import-linter contract
in pyproject.toml holds, a deliberately wrong import breaks it, and no modules import each
other in a cycle (imports inside functions included).

The checks run on a copy of the tree laid out as it is installed (`daemon/` as
`radiosilence/`, `connectors/` and `config/` inside it), in a subprocess, so they see the
source as it stands whatever way the package was installed here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIRS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
    "package-dir"]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The package as installed, under tmp_path/radiosilence, with the contract beside it."""
    for package, folder in sorted(PACKAGE_DIRS.items()):
        target = tmp_path / package.replace(".", "/")
        shutil.copytree(ROOT / folder, target, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "sample"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).with_name("lint-imports")
    command = [str(lint)] if lint.exists() else [sys.executable, "-m", "importlinter.cli"]
    return subprocess.run([*command, "--no-cache", "pyproject.toml"], cwd=tree, text=True,
                          capture_output=True, env=os.environ | {"PYTHONPATH": str(tree)},
                          timeout=120)


def test_the_layer_contract_holds(tree: Path) -> None:
    done = lint_imports(tree)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(("module", "wrong_import", "contract"), [
    ("model.py", "from radiosilence.cli import main", "the pipeline's layers"),
    ("engine.py", "from radiosilence.config import settings", "the pipeline's layers"),
    ("plan/slots.py", "from radiosilence.store import Store", "the pipeline's layers"),
    ("publish/feed.py", "from radiosilence.apply import drafts", "the pipeline's layers"),
    ("connectors/local/vdir.py", "from radiosilence.model import Mail",
     "connectors see only their boundary types"),
])
def test_a_wrong_import_breaks_the_build(tree: Path, module: str, wrong_import: str,
                                         contract: str) -> None:
    path = tree / "radiosilence" / module
    # Inside a function, as a lazy import would be: the contract sees those too.
    path.write_text(path.read_text() + f"\n\ndef _wrong() -> None:\n    {wrong_import}\n")
    done = lint_imports(tree)
    assert done.returncode != 0
    assert f"{contract} BROKEN" in done.stdout


_FIND_CYCLES = """
import json, grimp
graph = grimp.build_graph("radiosilence", cache_dir=None)
edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
index, low, stack, on_stack, cycles = {}, {}, [], set(), []
def visit(node):
    index[node] = low[node] = len(index)
    stack.append(node); on_stack.add(node)
    for nxt in edges[node]:
        if nxt not in index:
            visit(nxt); low[node] = min(low[node], low[nxt])
        elif nxt in on_stack:
            low[node] = min(low[node], index[nxt])
    if low[node] == index[node]:
        group = []
        while True:
            top = stack.pop(); on_stack.discard(top); group.append(top)
            if top == node:
                break
        if len(group) > 1:
            cycles.append(sorted(group))
for module in sorted(edges):
    if module not in index:
        visit(module)
print(json.dumps(cycles))
"""


def find_cycles(tree: Path) -> list[list[str]]:
    done = subprocess.run([sys.executable, "-c", _FIND_CYCLES], cwd=tree, text=True,
                          capture_output=True, env=os.environ | {"PYTHONPATH": str(tree)},
                          timeout=120, check=True)
    return json.loads(done.stdout)


def test_no_import_cycles(tree: Path) -> None:
    assert find_cycles(tree) == []


def test_a_lazy_cycle_is_found(tree: Path) -> None:
    path = tree / "radiosilence" / "parse" / "dates.py"
    path.write_text(path.read_text() + "\n\ndef _late() -> None:\n"
                    "    from radiosilence.understand.classify import timeframe  # noqa\n")
    cycles = find_cycles(tree)
    assert any({"radiosilence.parse.dates", "radiosilence.understand.classify.timeframe"}
               <= set(cycle) for cycle in cycles), cycles
