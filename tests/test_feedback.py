"""eval.feedback: readers' feedback stored in SQLite, listed newest first, exported as CSV."""
from __future__ import annotations

import csv
import io
import sqlite3

import pytest

from eval.feedback import FEEDBACK_ENV, counts, feedback_path, list_feedback, record, to_csv
from indexer.errors import BadInput


def test_feedback_is_stored_and_listed_newest_first(tmp_path):
    db = tmp_path / "fb" / "feedback.sqlite3"
    assert list_feedback(db) == []
    first = record(db, "up", "低保户看病能报销吗", answer="……[1]", outcome="answered", session="s1")
    second = record(db, "citation_wrong", "低保户看病能报销吗", clause_id="lnfp13/ch06/s02/p02", citation_rank=2,
                    comment="这条说的是住房")
    items = list_feedback(db)
    assert [f.id for f in items] == [second, first]
    assert items[0].clause_id == "lnfp13/ch06/s02/p02" and items[0].citation_rank == 2
    assert items[1].outcome == "answered" and items[1].created.endswith("+00:00")
    assert counts(items) == {"up": 1, "down": 0, "citation_wrong": 1}
    assert [f.kind for f in list_feedback(db, kind="up")] == ["up"]
    # durable: another connection (another process) sees the same rows
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 2


def test_bad_feedback_is_refused(tmp_path):
    db = tmp_path / "feedback.sqlite3"
    with pytest.raises(BadInput):
        record(db, "meh", "问题")
    with pytest.raises(BadInput):
        record(db, "up", "  ")
    with pytest.raises(BadInput):
        record(db, "citation_wrong", "问题")  # which citation?


def test_csv_export_keeps_chinese_and_every_column(tmp_path):
    db = tmp_path / "feedback.sqlite3"
    record(db, "down", "房子快塌了政府管不管", comment='答非所问, "危房"')
    data = to_csv(list_feedback(db))
    assert data.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0]["question"] == "房子快塌了政府管不管" and rows[0]["comment"] == '答非所问, "危房"'
    assert rows[0]["kind"] == "down" and rows[0]["citation_rank"] == ""


def test_location_from_the_environment_or_beside_the_index(tmp_path, monkeypatch):
    monkeypatch.delenv(FEEDBACK_ENV, raising=False)
    assert feedback_path(tmp_path / "index") == tmp_path / "index.feedback.sqlite3"
    monkeypatch.setenv(FEEDBACK_ENV, str(tmp_path / "elsewhere.db"))
    assert feedback_path(tmp_path / "index") == tmp_path / "elsewhere.db"
