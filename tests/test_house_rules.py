"""House rules checked on the package's source: private names stay private, the output contract lives once.

Both tests read every module of ``landuse/`` with :mod:`ast` (nothing is imported). Each
has an explicit list of the exceptions still allowed (only the CLI's are left); an
exception that is no longer needed fails the test too, so the lists never go stale.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import landuse
from landuse import outputs

PACKAGE = Path(landuse.__file__).parent

#: ``module: imported private name`` still allowed (none: keep it that way).
PRIVATE_IMPORTS_ALLOWED: set[str] = set()

#: Module -> output file names and column contracts it may still spell out (outputs.py always may).
#: Every engine and command takes its contract from landuse.outputs; what is left is the build script's
#: input, SCB's own table under the name it keeps in the package.
CONTRACT_COPIES_ALLOWED: dict[str, set[str]] = {
    # the build script copies SCB's table (its source file) into the package
    "landuse/_build_data.py": {"kommun_folkmangd.csv"},
}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path, root: Path = PACKAGE.parent) -> str:
    return path.relative_to(root).as_posix()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _module_of(node: ast.ImportFrom, path: Path, root: Path) -> str:
    """The absolute module an ``from ... import`` reads (relative imports resolved against ``path``)."""
    if not node.level:
        return node.module or ""
    parts = list(path.relative_to(root).with_suffix("").parts)[:-node.level]
    return ".".join(parts + ([node.module] if node.module else []))


def private_imports(path: Path, root: Path = PACKAGE.parent) -> set[str]:
    """Private names of other modules that ``path`` imports, aliases to private names, or reads as attributes.

    ``root`` is the folder holding the ``landuse`` package (module names are relative to it).
    """
    found = set()
    tree = _tree(path)
    modules: dict[str, str] = {}  # local name -> landuse module, for ``module._name``
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and _module_of(node, path, root).startswith("landuse"):
            module = _module_of(node, path, root)
            for alias in node.names:
                if _private(alias.name) or (alias.asname and _private(alias.asname)):
                    found.add(f"{_name(path, root)}: {module}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("landuse"):
                    modules[alias.asname or alias.name.split(".")[0]] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name)
                and node.value.id in modules):
            found.add(f"{_name(path, root)}: {modules[node.value.id]}.{node.attr}")
    return found


def test_no_module_imports_another_modules_private_names():
    found = set().union(*(private_imports(p) for p in _modules()))
    assert not found - PRIVATE_IMPORTS_ALLOWED, "make the name public, or move it to the module that uses it"
    assert not PRIVATE_IMPORTS_ALLOWED - found, "fixed: remove it from PRIVATE_IMPORTS_ALLOWED"


def test_the_private_import_scan_finds_what_it_should(tmp_path):
    probe = tmp_path / "landuse" / "cli" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("from landuse.conflicts import _prepare\nfrom landuse.map_format import esc as _esc\n"
                     "import landuse.report as report\nreport._tag(True)\nfrom landuse.outputs import read_table\n"
                     "from .conflicts import _parse_layer\nfrom ._options import out_dir_option\n")
    assert private_imports(probe, tmp_path) == {
        "landuse/cli/probe.py: landuse.conflicts._prepare",
        "landuse/cli/probe.py: landuse.map_format.esc",
        "landuse/cli/probe.py: landuse.report._tag",
        "landuse/cli/probe.py: landuse.cli.conflicts._parse_layer",
    }


# --------------------------------------------------------------------------- the output contract


def _file_names() -> set[str]:
    """Every output file name of the contract."""
    names = {outputs.LAYERS_FILE, outputs.MAP_FILE, outputs.DATAPACKAGE, outputs.POPULATION_FILE,
             *outputs.DEMO_FILES, *outputs.OUTPUT_FILES.values(), *outputs.CONFLICT_FILES.values(),
             *outputs.TREND_FILES.values(), *outputs.OP_FILES.values(), *outputs.OP_REPORT_FILES.values(),
             *outputs.REPORT_FILES.values(), outputs.workbook_name(outputs.OP_FILES["csv"])}
    for files in outputs.ACCESS_FILES.values():
        names |= set(files.values())
    return names


def _contracts() -> dict[str, tuple[str, ...]]:
    """Every column contract of the output tables and layers, by its name in landuse.outputs."""
    out = {name: tuple(getattr(outputs, name)) for name in (
        "PAIR_COLUMNS", "FACE_COLUMNS", "INDICATOR_COLUMNS", "ISOCHRONE_COLUMNS", "EDGE_COLUMNS", "TREND_COLUMNS",
        "ORIGIN_TREND_COLUMNS", "OP_COLUMNS")}
    for name in ("ORIGIN_COLUMNS", "ORIGIN_LAYER_COLUMNS", "POINT_LAYER_COLUMNS"):
        for mode, columns in getattr(outputs, name).items():
            out[f"{name}[{mode!r}]"] = tuple(columns)
    return out


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes (documentation may name files)."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                ids.add(id(first.value))
    return ids


def contract_copies(path: Path) -> dict[str, list[int]]:
    """Output file names in ``path``'s string literals and column contracts in its list literals, with lines."""
    tree = _tree(path)
    skip = _docstrings(tree)
    names = sorted(_file_names(), key=len, reverse=True)
    pattern = re.compile(r"(?<![\w.-])(" + "|".join(map(re.escape, names)) + r")(?!\w)")
    contracts = {columns: name for name, columns in _contracts().items()}
    found: dict[str, list[int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            for match in pattern.finditer(node.value):
                found.setdefault(match.group(1), []).append(node.lineno)
        elif isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) >= 3 and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            name = contracts.get(tuple(e.value for e in node.elts))
            if name is not None:
                found.setdefault(name, []).append(node.lineno)
    return found


def test_output_names_and_contracts_are_spelled_out_only_in_outputs():
    where = {_name(p): contract_copies(p) for p in _modules() if p.name != "outputs.py" or p.parent != PACKAGE}
    extra = {f"{module}:{line}: {what}" for module, found in where.items() for what, lines in found.items()
             for line in lines if what not in CONTRACT_COPIES_ALLOWED.get(module, set())}
    assert not extra, "use the constants of landuse.outputs"
    stale = {f"{module}: {what}" for module, allowed in CONTRACT_COPIES_ALLOWED.items() for what in allowed
             if what not in where.get(module, {})}
    assert not stale, "switched to landuse.outputs: remove it from CONTRACT_COPIES_ALLOWED"


def test_the_contract_scan_finds_what_it_should(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('"""Writes access_car.csv (a docstring may say so)."""\n'
                     'NAME = "rapport.md"\n'
                     'def f(out):\n'
                     '    """Writes OUT/strukturbild.html."""\n'
                     '    return f"{out}/strukturbild.html", "ri_access_car.csv", "access_car.csvx"\n'
                     'COLUMNS = ["kommun_code", "kommun", "theme_a", "theme_b", "weight", "area_km2", '
                     '"share_of_kommun"]\n')
    assert contract_copies(probe) == {"rapport.md": [2], "strukturbild.html": [5], "PAIR_COLUMNS": [6]}


# --------------------------------------------------------------------------- size

#: A module or class past these line counts usually holds two jobs (STYLE.md); split it, or say why
#: in a docstring line starting ``Size:``.
MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 150


def _says_why(node: ast.AST) -> bool:
    doc = ast.get_docstring(node) or ""  # type: ignore[arg-type]
    return any(line.strip().startswith("Size:") for line in doc.splitlines())


def oversized(path: Path, root: Path = PACKAGE.parent) -> list[str]:
    """Modules over :data:`MAX_MODULE_LINES` and classes over :data:`MAX_CLASS_LINES` without a ``Size:`` line."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=str(path))
    found = []
    n_lines = len(text.splitlines())
    if n_lines > MAX_MODULE_LINES and not _says_why(tree):
        found.append(f"{_name(path, root)}: {n_lines} lines")
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            n_lines = node.end_lineno - node.lineno + 1  # type: ignore[operator]
            if n_lines > MAX_CLASS_LINES and not _says_why(node):
                found.append(f"{_name(path, root)}: class {node.name} {n_lines} lines")
    return found


def test_no_module_or_class_is_oversized_without_a_reason():
    found = [problem for path in _modules() for problem in oversized(path)]
    assert not found, "split by job, or add a docstring line 'Size: <why>'"


def test_the_size_scan_finds_what_it_should(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_CLASS_LINES))
    probe = tmp_path / "landuse" / "probe.py"
    probe.parent.mkdir()
    probe.write_text(f'"""A probe."""\n\n\nclass Big:\n    """Too big."""\n{body}\n\n\nclass Said:\n'
                     f'    """Big too.\n\n    Size: one table of constants.\n    """\n{body}\n'
                     + "\n" * MAX_MODULE_LINES)
    n_lines = len(probe.read_text().splitlines())
    assert oversized(probe, tmp_path) == [f"landuse/probe.py: {n_lines} lines",
                                          f"landuse/probe.py: class Big {MAX_CLASS_LINES + 2} lines"]
    probe.write_text('"""A probe.\n\nSize: generated tables.\n"""\n' + "\n" * MAX_MODULE_LINES)
    assert oversized(probe, tmp_path) == []


# --------------------------------------------------------------------------- docstrings

_SECTION = re.compile(r"^\s*(\w[\w ]*)\n\s*-{3,}\s*$", re.M)


def _sections(doc: str) -> dict[str, str]:
    """numpydoc section title -> its text (``Parameters``, ``Returns`` ...)."""
    heads = list(_SECTION.finditer(doc))
    return {m.group(1).strip(): doc[m.end():(heads[i + 1].start() if i + 1 < len(heads) else len(doc))]
            for i, m in enumerate(heads)}


def _documented(section: str) -> dict[str, bool]:
    """Names a Parameters section lists (``name : type`` or ``a, b : type`` lines, unindented) -> described.

    A name is described when an indented line follows its own line.
    """
    lines = [line for line in section.splitlines() if line.strip()]
    indent = min((len(line) - len(line.lstrip()) for line in lines), default=0)
    names = {}
    for i, line in enumerate(lines):
        if len(line) - len(line.lstrip()) == indent:
            described = i + 1 < len(lines) and len(lines[i + 1]) - len(lines[i + 1].lstrip()) > indent
            names |= {n.strip().lstrip("*"): described for n in line.split(" : ")[0].split(",")}
    return names


def _returns_value(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[bool, bool]:
    """(returns a value, yields), from the function's own body (nested functions left out)."""
    returns = yields = False
    todo = list(node.body)
    while todo:
        child = todo.pop()
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(child, ast.Return) and child.value is not None and not (
                isinstance(child.value, ast.Constant) and child.value.value is None):
            returns = True
        yields |= isinstance(child, (ast.Yield, ast.YieldFrom))
        todo.extend(ast.iter_child_nodes(child))
    return returns, yields


def undocumented(path: Path, root: Path = PACKAGE.parent) -> list[str]:
    """Public functions and methods of ``path`` whose numpydoc lacks ``Parameters`` (describing each parameter) or
    ``Returns`` (``Yields`` for a generator).  Properties describe their value in the summary; they need neither."""
    found = []

    def visit(body: list[ast.stmt], prefix: str, in_class: bool) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                visit(node.body, f"{prefix}{node.name}.", True)
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name.startswith("_"):
                continue
            decorators = {ast.unparse(d).rsplit(".", 1)[-1] for d in node.decorator_list}
            if decorators & {"property", "cached_property", "setter", "overload"}:
                continue
            args = node.args
            params = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
            if in_class and params and params[0] in ("self", "cls") and "staticmethod" not in decorators:
                params = params[1:]
            params += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
            sections = _sections(ast.get_docstring(node) or "")
            where = f"{_name(path, root)}:{node.lineno} {prefix}{node.name}"
            if params and "Parameters" not in sections:
                found.append(f"{where}: no Parameters")
            elif params:
                documented = _documented(sections["Parameters"])
                missing = [p for p in params if p not in documented]
                if missing:
                    found.append(f"{where}: Parameters lacks {', '.join(missing)}")
                bare = [p for p in params if p in documented and not documented[p]]
                if bare:
                    found.append(f"{where}: Parameters names {', '.join(bare)} without a description")
            returns, yields = _returns_value(node)
            if yields and "Yields" not in sections:
                found.append(f"{where}: no Yields")
            elif returns and not yields and "Returns" not in sections:
                found.append(f"{where}: no Returns")

    visit(_tree(path).body, "", False)
    return found


def _documented_modules() -> list[Path]:
    """The package without the CLI (its docstrings are its --help) and without private modules."""
    return [p for p in _modules() if not _name(p).startswith("landuse/cli/")
            and (p.name == "__init__.py" or not p.name.startswith("_"))]


def test_public_functions_have_numpydoc_parameters_and_returns():
    found = [problem for path in _documented_modules() for problem in undocumented(path)]
    assert not found, "document every parameter (unit, CRS) and what is returned (columns, CRS)"


def test_the_docstring_scan_finds_what_it_should(tmp_path):
    probe = tmp_path / "landuse" / "probe.py"
    probe.parent.mkdir()
    probe.write_text('''"""A probe."""


def good(path, *, minutes=60):
    """Read.

    Parameters
    ----------
    path : Path
        A file.
    minutes : float
        Minutes.

    Returns
    -------
    int
    """
    return 1


def no_sections(a):
    """Nothing said."""
    return a


def half(a, b):
    """Half said.

    Parameters
    ----------
    a : int
    """
    def inner():
        return 2


def _private(a):
    return a


class Thing:
    @property
    def value(self):
        """The value."""
        return 1

    def walk(self):
        """Steps.

        Yields
        ------
        int
        """
        yield 1

    def run(self, x, y):
        """Run.

        Parameters
        ----------
        x, y : float
            Metres.
        """
        return x + y
''')
    assert undocumented(probe, tmp_path) == [
        "landuse/probe.py:21 no_sections: no Parameters",
        "landuse/probe.py:21 no_sections: no Returns",
        "landuse/probe.py:26 half: Parameters lacks b",
        "landuse/probe.py:26 half: Parameters names a without a description",
        "landuse/probe.py:56 Thing.run: no Returns",
    ]
