"""The core stays pure: it never imports the build machinery (epistola/engine/), and its public
functions take data, not the machinery's memo, sink, cache, wanted or views.

Read from the sources with `ast`, imports inside functions included. The shell (the command
line, serve, the disk on the way in, the ingest command) may use the engine; nothing else may.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "epistola"
#: Modules that are the shell around the core, as paths relative to the package.
SHELL = ("cli.py", "serve.py", "fs.py", "ingest/command.py")
ENGINE = "epistola.engine"
#: Parameter names of the build machinery, which a pure function never needs.
MACHINERY = frozenset(("memo", "sink", "cache", "wanted", "views"))


def module_name(relative: str) -> str:
    parts = relative.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["epistola", *parts])


def core_modules() -> list[str]:
    """Every module of the package but the engine and the shell, relative to the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("engine/") or relative in SHELL:
            continue
        found.append(relative)
    return found


def imported(source: str, relative: str) -> list[tuple[int, str]]:
    """(line, module) of every module a source imports, relative imports made absolute; a name
    imported from a package counts as its module too ("from . import engine")."""
    name = module_name(relative)
    package = name if relative.endswith("__init__.py") else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def engine_imports(source: str, relative: str) -> list[str]:
    return [f"epistola/{relative}:{line}: imports {module}" for line, module in
            imported(source, relative) if module == ENGINE or module.startswith(ENGINE + ".")]


def machinery_parameters(source: str, relative: str) -> list[str]:
    """Public functions (and public methods of public classes) with a machinery parameter."""
    found = []

    def look(body: list[ast.stmt], owner: str = "") -> None:
        for node in body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                look(node.body, f"{node.name}.")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and not node.name.startswith("_"):
                a = node.args
                names = [arg.arg for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
                names += [arg.arg for arg in (a.vararg, a.kwarg) if arg is not None]
                found.extend(f"epistola/{relative}:{node.lineno}: {owner}{node.name}({name})"
                             for name in names if name in MACHINERY)

    look(ast.parse(source).body)
    return found


def test_the_shell_and_the_engine_are_where_the_rule_says():
    for relative in SHELL:
        assert (PACKAGE / relative).is_file(), relative
    assert (PACKAGE / "engine" / "__init__.py").is_file()
    core = core_modules()
    for expected in ("corpus.py", "letters.py", "names.py", "pages.py", "site.py", "validate.py",
                     "markup.py", "records.py", "export/tei.py", "ingest/core.py"):
        assert expected in core, expected


def test_the_core_never_imports_the_engine():
    found = [line for relative in core_modules()
             for line in engine_imports((PACKAGE / relative).read_text(encoding="utf-8"), relative)]
    assert found == [], "\n".join(found)


def test_the_core_s_public_functions_take_no_machinery():
    found = [line for relative in core_modules() for line in
             machinery_parameters((PACKAGE / relative).read_text(encoding="utf-8"), relative)]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("relative, source", [
    ("pages.py", "from .engine import recipe"),
    ("pages.py", "from . import engine"),
    ("export/tei.py", "from ..engine.store import Store"),
    ("export/tei.py", "from .. import engine"),
    ("letters.py", "def f():\n    import epistola.engine.crew\n"),
    ("ingest/core.py", "from epistola.engine import digest"),
])
def test_every_way_of_importing_the_engine_is_seen(relative, source):
    assert engine_imports(source, relative)


@pytest.mark.parametrize("source", [
    "from .engines import x", "from . import enginery", "import epistola.engineering",
    "from .export import engine",
])
def test_other_modules_are_not_taken_for_the_engine(source):
    assert engine_imports(source, "pages.py") == []


def test_every_machinery_parameter_is_seen():
    source = ("def a(x, memo=None): pass\n"
              "def b(*, sink): pass\n"
              "def _private(cache): pass\n"
              "class Page:\n    def make(self, read, wanted): pass\n"
              "    def _own(self, views): pass\n"
              "def c(*views): pass\n")
    assert [line.split(": ", 1)[1] for line in machinery_parameters(source, "x.py")] == [
        "a(memo)", "b(sink)", "Page.make(wanted)", "c(views)"]


def test_every_package_of_epistola_is_installed():
    """pyproject.toml names the packages an installation gets: a package left out (the engine,
    say) would be missing from every installed copy but an editable one."""
    import tomllib

    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {module_name(path.relative_to(PACKAGE).as_posix())
             for path in PACKAGE.rglob("__init__.py")}
    assert listed == found, (sorted(found - listed), sorted(listed - found))
