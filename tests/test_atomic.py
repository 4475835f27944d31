"""Files and folders are written aside and renamed: a failure leaves nothing half-written."""

from __future__ import annotations

import json

import pytest

from dsft.atomic import atomic_path, write_json_atomic


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "summary.json"
    write_json_atomic(target, {"status": "running"})
    with pytest.raises(RuntimeError), atomic_path(target) as partial:
        partial.write_text('{"status": "compl')
        raise RuntimeError("killed while writing")
    assert json.loads(target.read_text()) == {"status": "running"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


def test_written_paths_get_the_modes_a_plain_write_gives(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        write_json_atomic(tmp_path / "summary.json", {})
        with atomic_path(tmp_path / "adapter", directory=True) as staging:
            (staging / "a.bin").write_bytes(b"1")
    finally:
        os.umask(old)
    assert (tmp_path / "summary.json").stat().st_mode & 0o777 == 0o644  # others can read runs
    assert (tmp_path / "adapter").stat().st_mode & 0o777 == 0o755


def test_a_folder_appears_whole_and_never_replaces_an_existing_one(tmp_path):
    target = tmp_path / "adapter"
    with atomic_path(target, directory=True) as staging:
        (staging / "a.bin").write_bytes(b"1")
        assert not target.exists()  # nothing visible until the rename
    assert (target / "a.bin").read_bytes() == b"1"
    with pytest.raises(OSError), atomic_path(target, directory=True) as staging:
        (staging / "b.bin").write_bytes(b"2")
    assert sorted(p.name for p in target.iterdir()) == ["a.bin"]  # the first copy stays
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapter"]  # no staging dir left
