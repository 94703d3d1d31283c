"""Readers' feedback on answers, kept durably in SQLite for the evaluators.

Where: the file named by $POLICYKB_FEEDBACK_DB, else `<index>.feedback.sqlite3` next to the index
folder (`./index` → `./index.feedback.sqlite3`; outside the index folder, which a rebuild swaps out).

Schema (one table, one row per click; `created` is UTC ISO 8601):

    feedback(id INTEGER PRIMARY KEY, created TEXT, kind TEXT,   -- 'up' | 'down' | 'citation_wrong'
             question TEXT, answer TEXT, outcome TEXT,           -- what was shown ('answered'/'partial'/'not_covered')
             clause_id TEXT, citation_rank INTEGER,              -- for 'citation_wrong': which citation
             comment TEXT, session TEXT)                         -- optional words; an opaque session id

Every call opens its own connection (safe from any Streamlit session thread); writers wait for one
another (busy timeout) rather than fail.
"""
from __future__ import annotations

import csv
import io
import os
import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path

from indexer.errors import BadInput

FEEDBACK_ENV = "POLICYKB_FEEDBACK_DB"
KINDS = ("up", "down", "citation_wrong")
KIND_NAMES = {"up": "👍 有用", "down": "👎 没用", "citation_wrong": "引用有误"}
MAX_TEXT = 4000
MAX_COMMENT = 500

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('up', 'down', 'citation_wrong')),
    question TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    clause_id TEXT NOT NULL DEFAULT '',
    citation_rank INTEGER,
    comment TEXT NOT NULL DEFAULT '',
    session TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS feedback_created ON feedback (created);
"""


@dataclass(frozen=True)
class Feedback:
    id: int
    created: str
    kind: str
    question: str
    answer: str
    outcome: str
    clause_id: str
    citation_rank: int | None
    comment: str
    session: str


def feedback_path(index_dir: str | Path) -> Path:
    """$POLICYKB_FEEDBACK_DB, else `<index>.feedback.sqlite3` beside the index folder."""
    configured = os.environ.get(FEEDBACK_ENV, "").strip()
    if configured:
        return Path(configured)
    index_dir = Path(index_dir).absolute()
    return index_dir.with_name(index_dir.name + ".feedback.sqlite3")


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=15)
    conn.executescript(SCHEMA)
    return conn


def record(path: str | Path, kind: str, question: str, answer: str = "", outcome: str = "",
           clause_id: str = "", citation_rank: int | None = None, comment: str = "", session: str = "") -> int:
    """Store one piece of feedback; its row id."""
    if kind not in KINDS:
        raise BadInput(f"unknown feedback kind {kind!r}; use one of {', '.join(KINDS)}")
    if not str(question).strip():
        raise BadInput("feedback needs the question it is about")
    if kind == "citation_wrong" and not clause_id:
        raise BadInput("'citation_wrong' feedback needs the clause id of the citation")
    created = datetime.now(timezone.utc).isoformat(timespec="seconds")
    row = (created, kind, str(question)[:MAX_TEXT], str(answer)[:MAX_TEXT], str(outcome)[:40], str(clause_id)[:200],
           None if citation_rank is None else int(citation_rank), str(comment)[:MAX_COMMENT], str(session)[:64])
    with closing(_connect(Path(path))) as conn, conn:
        cursor = conn.execute(
            "INSERT INTO feedback (created, kind, question, answer, outcome, clause_id, citation_rank, comment,"
            " session) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        return int(cursor.lastrowid)


def list_feedback(path: str | Path, kind: str | None = None, limit: int | None = None) -> list[Feedback]:
    """Stored feedback, newest first (ties by id); none when the file does not exist yet."""
    path = Path(path)
    if not path.exists():
        return []
    query = "SELECT " + ", ".join(f.name for f in fields(Feedback)) + " FROM feedback"
    params: list = []
    if kind:
        query += " WHERE kind = ?"
        params.append(kind)
    query += " ORDER BY created DESC, id DESC"
    if limit:
        query += " LIMIT ?"
        params.append(int(limit))
    with closing(_connect(path)) as conn:
        return [Feedback(*row) for row in conn.execute(query, params)]


def counts(items: list[Feedback]) -> dict[str, int]:
    """How many of each kind, in KINDS order."""
    return {k: sum(1 for f in items if f.kind == k) for k in KINDS}


def to_csv(items: list[Feedback]) -> bytes:
    """CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese), one row per item."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f.name for f in fields(Feedback)])
    for item in items:
        writer.writerow(["" if v is None else v for v in asdict(item).values()])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
