"""Evaluation sets (eval/sets.json): which questions, over which documents, and the index each needs.

A set without documents runs on the index `policykb eval` was given. A set with documents gets an index
of its own, built in a work folder (gitignored `eval/work/`) the way a user would build it: the base
corpus copied, the documents added through `qa.library.add_documents`. The folder is named after the
content hashes of every file that goes in, so it is reused until a document changes; on reuse it is
refreshed with `build_index`, which re-segments with the current code and re-embeds only clauses whose
text changed.

Gold clause ids of such a set are resolved at run time from the questions' anchors (document + verbatim
text → the clause holding it), so a change of segmentation never breaks the gold.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from indexer.build import build_index
from indexer.corpus import make_doc_id
from indexer.errors import BadInput
from indexer.store import index_exists

from .dataset import Question

ROOT = Path(__file__).resolve().parent.parent
SETS_FILE = ROOT / "eval" / "sets.json"
WORK_DIR = ROOT / "eval" / "work"
SHARED = "{shared}"   # in sets.json: the shared folder beside the checkout (see shared_dir)


def shared_dir(root: Path = ROOT) -> Path:
    """The `shared/` folder beside the checkout (CI lays it there); a git worktree kept deeper finds the
    nearest one above it. POLICYKB_SHARED overrides."""
    if os.environ.get("POLICYKB_SHARED"):
        return Path(os.environ["POLICYKB_SHARED"])
    for parent in Path(root).resolve().parents:
        if (parent / "shared").is_dir():
            return parent / "shared"
    return Path(root).resolve().parent / "shared"


@dataclass(frozen=True)
class EvalSet:
    name: str
    questions: Path
    corpus: Path                      # the base corpus of the set's own index
    documents: tuple[Path, ...] = ()  # files added to it; () = run on the index given
    unavailable: str = ""             # why the set cannot run here (its documents are absent)

    @property
    def own_index(self) -> bool:
        return bool(self.documents) or bool(self.unavailable)


def load_sets(path: Path = SETS_FILE, root: Path = ROOT) -> list[EvalSet]:
    """The sets of eval/sets.json, document patterns expanded (relative to the repository root)."""
    try:
        spec = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BadInput(f"{path}: cannot read the evaluation sets ({exc})") from None
    out = []
    for entry in spec.get("sets", []):
        exclude = {e.lower() for e in entry.get("exclude", [])}
        files: list[Path] = []
        patterns = entry.get("documents", [])
        for pattern in patterns:
            where = pattern.replace(SHARED, str(shared_dir(root))) if SHARED in pattern else str(root / pattern)
            files += [Path(f) for f in sorted(glob.glob(where)) if Path(f).name.lower() not in exclude]
        unavailable = ""
        if patterns and not files:
            unavailable = f"its documents ({', '.join(patterns)}) are not present"
        out.append(EvalSet(entry["name"], root / entry["questions"], root / entry.get("corpus", "corpus"),
                           tuple(files), unavailable))
    if not out:
        raise BadInput(f"{path}: no evaluation sets")
    return out


def find_set(name: str, path: Path = SETS_FILE) -> EvalSet:
    sets = load_sets(path)
    for s in sets:
        if s.name == name:
            return s
    raise BadInput(f"--set {name}: no such evaluation set; sets: {', '.join(s.name for s in sets)}")


# --- the set's own index ----------------------------------------------------------------------
def set_key(s: EvalSet) -> str:
    """A hash of every file that goes into the set's index: the base corpus (documents and metadata) and
    the added documents, by name and content."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(s.corpus).iterdir() if p.is_file() and not p.name.startswith(".")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for path in s.documents:
        digest.update(b"+" + path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def prepare_index(s: EvalSet, work_dir: Path = WORK_DIR, progress=None) -> tuple[Path, Path]:
    """(index folder, corpus folder) of the set's own index, built once per content and refreshed on reuse."""
    from qa.library import add_documents

    if s.unavailable:
        raise BadInput(f"evaluation set {s.name}: {s.unavailable}")
    work_dir = Path(work_dir)
    target = work_dir / f"index-{set_key(s)}"    # sets over the same documents share it
    corpus, index = target / "corpus", target / "index"
    # (looked for before index_exists, which would create the folder for its lock files)
    if (index / "manifest.json").exists() and index_exists(index):
        build_index(corpus, index, progress=progress)   # current segmentation; unchanged clauses keep their vectors
        return index, corpus
    work_dir.mkdir(parents=True, exist_ok=True)
    tmp = work_dir / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(s.corpus, tmp / "corpus", ignore=shutil.ignore_patterns(".*", "README*"))
    add_documents(tmp / "corpus", tmp / "index", list(s.documents), progress=progress)
    if target.is_dir() and not (index / "manifest.json").exists():
        shutil.rmtree(target, ignore_errors=True)   # what an unfinished build left (lock files, no index)
    try:
        os.rename(tmp, target)
    except OSError:          # another process built it meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
    for old in work_dir.glob("index-*"):   # indexes of contents no set has any more are of no further use
        if old != target and old.is_dir() and old.name not in _current_folders():
            shutil.rmtree(old, ignore_errors=True)
    return index, corpus


def _current_folders() -> set[str]:
    try:
        return {f"index-{set_key(s)}" for s in load_sets() if s.documents}
    except (BadInput, OSError):
        return set()


# --- gold from anchors ------------------------------------------------------------------------
def anchor_doc_id(doc: str, known: set[str] | frozenset[str] = frozenset()) -> str:
    """The doc id a question file's document name stands for: the id itself when indexed under it, else the
    id `policykb add` gives the file `<doc>.md` (indexer.corpus.make_doc_id)."""
    if doc in known:
        return doc
    return make_doc_id(doc + ".md")


def _flatten(text: str, owner: int, chars: list[str], owners: list[int]) -> None:
    """Append text's characters, NFKC-folded and without whitespace, each with the clause it belongs to."""
    for ch in text:
        for c in unicodedata.normalize("NFKC", ch):
            if not c.isspace():
                chars.append(c)
                owners.append(owner)


def _flat(text: str) -> str:
    chars: list[str] = []
    _flatten(text, 0, chars, [])
    return "".join(chars)


class AnchorResolver:
    """Finds the clause that holds an anchor's text in its document (whitespace and NFKC forms ignored).

    An anchor running over two clauses belongs to the one holding most of it."""

    def __init__(self, clauses) -> None:
        self.by_doc: dict[str, tuple[str, list[int], list]] = {}
        grouped: dict[str, list] = {}
        for c in clauses:
            grouped.setdefault(c.doc_id, []).append(c)
        for doc_id, doc_clauses in grouped.items():
            chars: list[str] = []
            owners: list[int] = []
            for i, c in enumerate(doc_clauses):
                _flatten(c.text, i, chars, owners)
            self.by_doc[doc_id] = ("".join(chars), owners, doc_clauses)

    @property
    def doc_ids(self) -> frozenset[str]:
        return frozenset(self.by_doc)

    def clause_id(self, doc: str, text: str) -> str | None:
        doc_id = anchor_doc_id(doc, self.doc_ids)
        if doc_id not in self.by_doc:
            return None
        flat, owners, doc_clauses = self.by_doc[doc_id]
        needle = _flat(text)
        at = flat.find(needle) if needle else -1
        if at < 0:
            return None
        span = owners[at:at + len(needle)]
        home = max(dict.fromkeys(span), key=span.count)  # first clause among those holding most of it
        return doc_clauses[home].clause_id


def resolve_questions(questions: list[Question], clauses) -> tuple[list[Question], list[dict]]:
    """Questions with gold resolved from their document anchors and expect_doc mapped to a doc id;
    and the anchors that matched nothing ({"id", "doc", "text"})."""
    if not any(q.doc_anchors or q.expect_doc for q in questions):
        return questions, []
    resolver = AnchorResolver(clauses)
    out, unresolved = [], []
    for q in questions:
        changes: dict = {}
        if q.doc_anchors:
            gold: list[str] = []
            for a in q.doc_anchors:
                cid = resolver.clause_id(a["doc"], a["text"])
                if cid is None:
                    unresolved.append({"id": q.id, "doc": a["doc"], "text": a["text"]})
                elif cid not in gold:
                    gold.append(cid)
            changes["gold"] = gold
        if q.expect_doc:
            changes["expect_doc"] = anchor_doc_id(q.expect_doc, resolver.doc_ids)
        out.append(replace(q, **changes) if changes else q)
    return out, unresolved

