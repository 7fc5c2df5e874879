"""The type stubs cover the module, and everything public has a docstring."""

import ast
import inspect
import pathlib

import strata
import strata._strata as ext

STUB = pathlib.Path(strata.__file__).with_name("__init__.pyi")


def stub_names():
    tree = ast.parse(STUB.read_text())
    top = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            members = set()
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    members.add(item.name)
                elif isinstance(item, ast.AnnAssign):
                    members.add(item.target.id)
            top[node.name] = (members, [b.id for b in node.bases
                                        if isinstance(b, ast.Name)])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            top[node.name] = (set(), [])
        elif isinstance(node, ast.AnnAssign):
            top[node.target.id] = (set(), [])
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                top[t.id] = (set(), [])
    return top


def stub_members(top, name):
    members, bases = top[name]
    members = set(members)
    for b in bases:
        if b in top:
            members |= stub_members(top, b)
    return members


def public_members(cls):
    own = set()
    for name, _ in inspect.getmembers(cls):
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
            continue
        if name.startswith("__") and name not in vars(cls):
            continue  # inherited from object or Exception
        if name in ("__doc__", "__module__", "__dict__", "__weakref__"):
            continue
        own.add(name)
    return own


def test_every_public_name_is_in_the_stub():
    top = stub_names()
    for name in strata.__all__:
        assert name in top, f"{name} missing from {STUB.name}"
    for name in dir(ext):
        if not name.startswith("_") or name == "__version__":
            assert name in strata.__all__, f"{name} not exported by strata"


def test_every_public_method_is_in_the_stub():
    top = stub_names()
    for name in strata.__all__:
        obj = getattr(strata, name)
        if not inspect.isclass(obj) or issubclass(obj, BaseException):
            continue
        missing = public_members(obj) - stub_members(top, name)
        missing -= {"__init__", "__new__"} if name != "DB" else {"__new__"}
        assert not missing, f"{name}: {sorted(missing)} missing from the stub"


def test_no_stub_member_is_missing_at_runtime():
    top = stub_names()
    for name in strata.__all__:
        obj = getattr(strata, name)
        if not inspect.isclass(obj) or issubclass(obj, BaseException):
            continue
        for member in stub_members(top, name):
            assert hasattr(obj, member), f"stub has {name}.{member}"


def test_docstrings():
    assert strata.__doc__ and ext.__doc__
    for name in strata.__all__:
        obj = getattr(strata, name)
        if name == "__version__":
            continue
        assert obj.__doc__, name
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            for member in public_members(obj):
                if member in ("__init__", "__new__") and name != "DB":
                    continue
                doc = getattr(getattr(obj, member), "__doc__", None)
                assert doc and doc.strip(), f"{name}.{member} has no docstring"


def test_py_typed_is_shipped():
    assert STUB.with_name("py.typed").exists()
