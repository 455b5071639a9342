"""The layers stay apart: the analytics package never loads the UI, and no module reaches into
another module's private names. Checked in a fresh interpreter so nothing else has loaded streamlit."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cycle_analytics"


def _module_names() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def test_every_module_of_the_package_imports_without_streamlit_or_the_app_layer():
    modules = _module_names()
    assert len(modules) > 40  # the walk found the package, not an empty folder
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    if name.endswith('__main__'):\n"
        "        continue\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'app_support', 'app_pages'))\n"
        "print(repr(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", f"the analytics layer loaded the UI: {out.stdout}"


def test_no_module_imports_a_private_name_of_another_module():
    offenders = []
    for path in sorted([*PACKAGE.rglob("*.py"), *(ROOT / "app_support").rglob("*.py"), *(ROOT / "app_pages").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("cycle_analytics", "app_support")):
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                if private or any(part.startswith("_") and not part.startswith("__") for part in node.module.split(".")):
                    offenders.append(f"{path.relative_to(ROOT)}: from {node.module} import {', '.join(private) or '...'}")
    assert offenders == []


def test_no_function_name_is_defined_in_two_modules_of_the_package():
    """Every primitive once: a top-level function name lives in one module (except that
    each survey-tool format module implements the same plug-in function ``detect``, which is a protocol,
    not a copy)."""
    protocol = {"main", "__getattr__", "__dir__", "detect"}
    seen: dict[str, str] = {}
    twice = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name not in protocol:
                where = str(path.relative_to(ROOT))
                if node.name in seen and seen[node.name] != where:
                    twice.append(f"{node.name}: {seen[node.name]} and {where}")
                seen.setdefault(node.name, where)
    assert twice == []
