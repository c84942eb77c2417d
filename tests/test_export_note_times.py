"""The record of when each card's note content was first exported: the modification
time its Anki note carries. Times are worked out by hand from the instants below
(Unix seconds: 2026-05-04T09:00:00Z = 1,777,885,200)."""

from __future__ import annotations

import errno
import json
import os
from datetime import timedelta

import pytest
from export_helpers import T1, TOTAL, export

from llmconcepts import paths
from llmconcepts.errors import ExportError
from llmconcepts.export.note_times import FILE_NAME, NoteTimes, content_digest

T1_SECONDS = 1_777_885_200


def test_a_note_keeps_its_time_until_its_content_changes():
    times = NoteTimes()
    first = content_digest(("a", "b"), ("tag",))
    assert times.stamp("x/mechanism", first, T1) == T1_SECONDS
    assert times.stamp("x/mechanism", first, T1 + timedelta(days=5)) == T1_SECONDS
    edited = content_digest(("a", "b!"), ("tag",))
    assert times.stamp("x/mechanism", edited, T1 + timedelta(days=6)) == T1_SECONDS + 6 * 86_400


def test_an_edit_is_always_newer_even_within_the_same_second():
    times = NoteTimes()
    times.stamp("x/mechanism", content_digest(("a",), ()), T1)
    assert times.stamp("x/mechanism", content_digest(("b",), ()), T1) == T1_SECONDS + 1


def test_tags_count_as_content_and_fields_are_not_run_together():
    assert content_digest(("a",), ("t1",)) != content_digest(("a",), ("t2",))
    assert content_digest(("ab", "c"), ()) != content_digest(("a", "bc"), ())


def test_the_record_survives_a_save_and_a_damaged_file_counts_as_empty(tmp_path):
    path = tmp_path / "cache" / FILE_NAME
    times = NoteTimes()
    times.stamp("x/mechanism", "d1", T1)
    times.save(path)
    assert NoteTimes.load(path).entries == {"x/mechanism": ("d1", T1_SECONDS)}
    path.write_text("{not json", encoding="utf-8")
    assert NoteTimes.load(path).entries == {}
    path.write_text(json.dumps({"version": 99, "notes": {"x/mechanism": ["d1", 1]}}), encoding="utf-8")
    assert NoteTimes.load(path).entries == {}
    assert NoteTimes.load(tmp_path / "missing.json").entries == {}


def test_an_unwritable_cache_is_not_an_error_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise OSError(errno.EACCES, os.strerror(errno.EACCES))

    times = NoteTimes()
    times.stamp("x/mechanism", "d1", T1)
    monkeypatch.setattr(os, "replace", refuse)
    times.save(tmp_path / FILE_NAME)
    assert list(tmp_path.iterdir()) == []


def test_an_apkg_export_records_every_card_and_a_failed_one_records_nothing(tmp_path, monkeypatch):
    from llmconcepts.export import anki

    record = paths.cache_dir() / FILE_NAME
    real_build = anki.build_decks

    def build_then_fail(*args, **kwargs):
        real_build(*args, **kwargs)  # the notes are stamped in memory...
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # ...but the file is never written

    monkeypatch.setattr(anki, "build_decks", build_then_fail)
    with pytest.raises(ExportError):
        export("anki", tmp_path / "failed")
    assert not record.exists()
    monkeypatch.setattr(anki, "build_decks", real_build)
    export("anki", tmp_path / "ok")
    entries = NoteTimes.load(record).entries
    assert len(entries) == TOTAL
    assert {stamp for _digest, stamp in entries.values()} == {T1_SECONDS}


def test_csv_and_json_exports_leave_the_record_alone(tmp_path):
    export("csv", tmp_path)
    export("json", tmp_path)
    assert not (paths.cache_dir() / FILE_NAME).exists()
