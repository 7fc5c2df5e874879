"""The type stubs cover the module, and everything public has a docstring."""

import ast
import inspect
import os
import pathlib

import pytest

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


# ---- signatures -------------------------------------------------------------

SIGNED = ["DB", "Snapshot", "Transaction", "WriteBatch", "Iterator"]


def stub_classes():
    tree = ast.parse(STUB.read_text())
    return {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}


def stub_functions(node):
    """name -> list of FunctionDef (several for an @overload)."""
    out = {}
    for item in node.body:
        if isinstance(item, ast.FunctionDef):
            out.setdefault(item.name, []).append(item)
    return out


def decorators(fn):
    return {d.id if isinstance(d, ast.Name) else getattr(d, "attr", None)
            for d in fn.decorator_list}


def stub_params(fn, method=True):
    """[(name, kind, has_default)], kind "pos", "kw" or "**"."""
    a = fn.args
    positional = a.posonlyargs + a.args
    if method:
        positional = positional[1:]  # self
    first_default = len(positional) - len(a.defaults)
    params = [(p.arg, "pos", i >= first_default)
              for i, p in enumerate(positional)]
    assert a.vararg is None, fn.name
    params += [(p.arg, "kw", d is not None)
               for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    if a.kwarg is not None:
        params.append(("**", "**", True))
    return params


def split_top(text):
    """Splits at commas outside brackets and quotes."""
    parts, depth, quote, cur = [], 0, None, ""
    for c in text:
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        cur += c
    if cur.strip():
        parts.append(cur.strip())
    return parts


def runtime_params(func, name, method=True):
    """The same list, from inspect.signature when the function has a text
    signature (the fast paths), else from pybind11's docstring line
    `name(self: T, a: T, b: T = x, *, c: T = y, **kwargs) -> R`."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        sig = None
    if sig is not None:
        params = []
        for p in sig.parameters.values():
            if p.name == "self":
                continue
            if p.kind is p.VAR_KEYWORD:
                params.append(("**", "**", True))
            else:
                assert p.kind is not p.VAR_POSITIONAL, name
                kind = "kw" if p.kind is p.KEYWORD_ONLY else "pos"
                params.append((p.name, kind, p.default is not p.empty))
        return params
    first = func.__doc__.lstrip().split("\n", 1)[0]
    assert first.startswith(name + "("), (name, first)
    depth, end = 0, None
    for i, c in enumerate(first):
        depth += c == "("
        depth -= c == ")"
        if c == ")" and depth == 0:
            end = i
            break
    parts = split_top(first[len(name) + 1:end])
    if method:
        assert parts and parts[0].startswith("self"), (name, first)
        parts = parts[1:]
    params, kind = [], "pos"
    for part in parts:
        if part == "*":
            kind = "kw"
        elif part.startswith("**"):
            params.append(("**", "**", True))
        else:
            params.append((part.split(":")[0].split("=")[0].strip(), kind,
                           "=" in part))
    return params


def check(label, stub_fns, runtime, method=True, options=None):
    got = runtime_params(runtime, stub_fns[0].name, method)
    if len(stub_fns) > 1:
        # Overloads: the fullest one must name the runtime's parameters;
        # the others only leave some out (which ones have defaults is the
        # overloads' business).
        full = max((stub_params(f, method) for f in stub_fns), key=len)
        assert [p[:2] for p in full] == [p[:2] for p in got], (label, full, got)
        for f in stub_fns:
            assert {p[:2] for p in stub_params(f, method)} <= set(
                p[:2] for p in got), label
        return
    want = stub_params(stub_fns[0], method)
    if ("**", "**", True) in got and options is not None:
        # DB(path, **kwargs): the stub spells the options out.
        assert [p for p in want if p[1] != "kw"] == [
            p for p in got if p[1] != "**"], (label, want, got)
        options.extend(p[0] for p in want if p[1] == "kw")
        return
    assert want == got, "%s: stub %s, runtime %s" % (label, want, got)


def test_method_signatures_match_the_stub(tmp_path):
    classes = stub_classes()
    options = []
    checked = 0
    for cname in SIGNED:
        runtime_cls = getattr(strata, cname)
        node = classes[cname]
        fns = {}
        for base in node.bases:  # _Reads: shared by DB, Snapshot, Transaction
            if isinstance(base, ast.Name) and base.id in classes:
                fns.update(stub_functions(classes[base.id]))
        fns.update(stub_functions(node))
        for name, stub_fns in fns.items():
            runtime = inspect.getattr_static(runtime_cls, name)
            label = "%s.%s" % (cname, name)
            if "property" in decorators(stub_fns[0]):
                assert isinstance(runtime, property), label
                continue
            assert not isinstance(runtime, property), label
            check(label, stub_fns, runtime, options=options)
            checked += 1
    assert checked > 60
    # Every option the stub names is one DB() knows: a wrong value is a
    # TypeError or ValueError about it, not an unexpected keyword.
    assert len(options) > 30
    for name in options:
        with pytest.raises((TypeError, ValueError)) as info:
            strata.DB(str(tmp_path / "never"), **{name: object()})
        assert "unexpected keyword" not in str(info.value), name
        assert name in str(info.value), (name, info.value)
    assert not os.path.exists(tmp_path / "never")


def test_function_signatures_match_the_stub():
    tree = ast.parse(STUB.read_text())
    functions = {n.name: n for n in tree.body
                 if isinstance(n, ast.FunctionDef)}
    assert set(functions) == {"destroy", "repair", "restore"}
    for name, fn in functions.items():
        check(name, [fn], getattr(strata, name), method=False)


@pytest.mark.parametrize("name", ["Iterator", "Snapshot", "Transaction",
                                  "WriteBatch", "Checkpoint",
                                  "CheckpointFile", "RepairReport"])
def test_only_db_is_constructible(name):
    # The stub must not promise a constructor the runtime lacks.
    assert "__init__" not in stub_functions(stub_classes()[name])
    with pytest.raises(TypeError):
        getattr(strata, name)()
    assert "__init__" in stub_functions(stub_classes()["DB"])
