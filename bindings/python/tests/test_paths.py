"""Paths as os.fsencode() takes them: str, bytes and os.PathLike, including
bytes that are not UTF-8 (and the surrogate-escaped str os.fsdecode() makes
of them); paths given back as os.fsdecode() would."""

import os
import pathlib

import pytest

import strata


@pytest.fixture
def raw(tmp_path):
    # Not UTF-8: b"\xff" decodes only surrogate-escaped, to "\udcff".
    return os.fsencode(tmp_path) + b"/db\xff"


def test_db_path_forms_name_one_db(raw):
    text = os.fsdecode(raw)
    assert "\udcff" in text
    with strata.DB(raw) as db:
        db[b"k"] = b"bytes"
        assert db.path == text
        assert repr(db) == "<strata.DB %r>" % text
    assert repr(db) == "<strata.DB %r closed>" % text
    assert os.path.isdir(raw)
    for form in (text, pathlib.Path(text), pathlib.PurePosixPath(text)):
        with strata.DB(form) as db:
            assert db[b"k"] == b"bytes"
            assert db.path == text


def test_admin_functions_take_every_form(raw):
    text = os.fsdecode(raw)
    with strata.DB(pathlib.Path(text)) as db:
        for i in range(100):
            db[b"k%03d" % i] = b"v"
        db.flush()
        cp = db.checkpoint(raw + b"-cp")
        assert cp.directory == text + "-cp"
        assert repr(cp).startswith("Checkpoint(directory=%r" % (text + "-cp"))
        assert all(isinstance(f.name, str) for f in cp.files)
        cp2 = db.checkpoint(pathlib.Path(text + "-cp2"))
        assert cp2.directory == text + "-cp2"
        db.restore(text + "-cp")  # a surrogate-escaped str
        assert db.count() == 100
    strata.restore(pathlib.Path(text + "-cp"), raw + b"-restored")
    report = strata.repair(text + "-restored")
    assert all(isinstance(n, str) for n in report.notes + report.lost_files)
    with strata.DB(raw + b"-restored") as r:
        assert r.count() == 100
    for path in (raw + b"-restored", text + "-cp", pathlib.Path(text)):
        strata.destroy(path)
        assert not os.path.exists(os.path.join(os.fsencode(path), b"CURRENT"))


def test_error_message_with_undecodable_path(raw):
    # The library's message quotes the path; its bytes are escaped rather
    # than failing the decoding (which left an empty message).
    with pytest.raises(strata.Error) as info:
        strata.DB(raw + b"/missing", create_if_missing=False)
    assert "db\\xff" in str(info.value)


def test_bad_paths(tmp_path):
    with pytest.raises(TypeError, match="os.PathLike"):
        strata.DB(42)
    with pytest.raises(TypeError):
        strata.destroy(None)
    with pytest.raises(ValueError, match="^path must not contain a NUL"):
        strata.DB(str(tmp_path / "a\0b"))
    with pytest.raises(ValueError, match="^checkpoint "):
        strata.restore(b"cp\0", str(tmp_path / "x"))
    with strata.DB(tmp_path / "db") as db:
        with pytest.raises(ValueError, match="^dir must not contain a NUL"):
            db.checkpoint(tmp_path / "cp\0")
        with pytest.raises(UnicodeEncodeError):
            db.checkpoint("\ud800")  # a lone surrogate no escape made
    assert not os.path.exists(tmp_path / "a")
