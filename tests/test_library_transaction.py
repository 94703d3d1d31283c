"""Library changes as one transaction: kill -9 anywhere, concurrent writers, readers during a swap."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from indexer import transaction
from indexer.build import build_index
from indexer.corpus import list_documents
from indexer.errors import BadInput
from indexer.store import index_exists, load_index, read_manifest
from qa.library import add_documents, rebuild, remove_documents

ROOT = Path(__file__).resolve().parent.parent
DOC = "第一章 总则\n\n第一条 {name}：农村低保对象看病实行先诊疗后付费。\n\n第二条 危房改造优先支持特困人员。\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A two-document corpus and its index, built once; each test works on a copy."""
    base = tmp_path_factory.mktemp("library")
    corpus = base / "corpus"
    corpus.mkdir()
    for name in ("alpha", "beta"):
        (corpus / f"{name}.txt").write_text(DOC.format(name=name), encoding="utf-8")
    build_index(corpus, base / "index")
    return base


@pytest.fixture
def library(built, tmp_path):
    shutil.copytree(built / "corpus", tmp_path / "corpus")
    shutil.copytree(built / "index", tmp_path / "index")
    new = tmp_path / "incoming" / "gamma.txt"
    new.parent.mkdir()
    new.write_text(DOC.format(name="gamma"), encoding="utf-8")
    return tmp_path


def _cli(library: Path, *args, fault: str | None = None, timeout: float = 300,
         swap: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(transaction.FAULT_ENV, None)
    env.pop(transaction.SWAP_ENV, None)
    if fault:
        env[transaction.FAULT_ENV] = fault
    if swap:
        env[transaction.SWAP_ENV] = swap
    return subprocess.run([sys.executable, "-m", "cli.main", "--index", str(library / "index"),
                           "--corpus", str(library / "corpus"), *map(str, args)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def _consistent(library: Path) -> set[str]:
    """Recover as the next start would, then check corpus and index agree and nothing is left over."""
    index = library / "index"
    assert index_exists(index)  # a reader's start: recovers when no writer runs
    in_corpus = {e.doc_id for e in list_documents(library / "corpus")}
    stored = load_index(index)
    in_index = set(stored.documents)
    assert in_corpus == in_index, (in_corpus, in_index)
    assert len(stored.clauses) == sum(d["clauses"] for d in stored.documents.values())
    # .index.work holds an unfinished build's embeddings, for its retry to resume (indexer/ingest.py)
    leftovers = [p.name for p in library.iterdir()
                 if p.name.startswith(".index.") and not p.name.endswith(("lock", ".work"))]
    assert not leftovers, leftovers
    assert not [p.name for p in (library / "corpus").iterdir() if p.name.startswith(".tmp-")]
    return in_index


ADD_POINTS = ["staged", "before-journal", "journaled", "swapped", "applying", "applied"]


@pytest.mark.parametrize("point", ADD_POINTS)
def test_add_killed_at_each_step_leaves_a_consistent_library_and_a_retry_works(library, point):
    killed = _cli(library, "add", library / "incoming" / "gamma.txt", fault=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    documents = _consistent(library)
    # until the swap the change is undone; once the new index is in place it is finished
    assert ("gamma" in documents) == (ADD_POINTS.index(point) >= ADD_POINTS.index("swapped"))
    retry = lambda: add_documents(library / "corpus", library / "index", [library / "incoming" / "gamma.txt"])  # noqa: E731
    if "gamma" in documents:
        with pytest.raises(BadInput, match="already in"):
            retry()
    else:
        retry()
    assert _consistent(library) == {"alpha", "beta", "gamma"}
    assert not (library / ".index.work").exists()  # a finished change leaves no checkpoint behind


@pytest.mark.parametrize("point", ["staged", "journaled", "swapped", "applied"])
def test_remove_killed_at_each_step_leaves_a_consistent_library(library, point):
    killed = _cli(library, "remove", "beta", fault=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    documents = _consistent(library)
    assert ("beta" in documents) == (point in ("staged", "journaled"))
    if "beta" in documents:
        remove_documents(library / "corpus", library / "index", "beta")
    assert _consistent(library) == {"alpha"}


@pytest.mark.parametrize("point", ["journaled", "swapped"])
def test_rebuild_killed_at_the_swap_is_recovered(library, point):
    (library / "corpus" / "beta.txt").write_text(DOC.format(name="beta, revised"), encoding="utf-8")
    killed = _cli(library, "build", fault=point)
    assert killed.returncode == -signal.SIGKILL
    _consistent(library)
    rebuild(library / "corpus", library / "index")
    assert "revised" in " ".join(c.text for c in load_index(library / "index").clauses)


def test_add_killed_between_the_two_renames_of_a_system_without_exchange(library):
    killed = _cli(library, "add", library / "incoming" / "gamma.txt", fault="between-renames", swap="rename")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not (library / "index").exists()  # the old index moved aside, the new one not yet in place
    assert _consistent(library) == {"alpha", "beta", "gamma"}  # the journal's complete new index is put in place


def test_add_killed_mid_build_by_the_clock(library):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "--index", str(library / "index"), "--corpus",
                             str(library / "corpus"), "add", str(library / "incoming" / "gamma.txt")],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(library.glob(".index.stage-*")):
        time.sleep(0.02)  # the change has started staging
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    documents = _consistent(library)
    assert documents in ({"alpha", "beta"}, {"alpha", "beta", "gamma"})


def test_two_concurrent_adds_both_land(library):
    other = library / "incoming" / "delta.txt"
    other.write_text(DOC.format(name="delta"), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "cli.main", "--index", str(library / "index"), "--corpus",
                               str(library / "corpus"), "add", str(path)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for path in (library / "incoming" / "gamma.txt", other)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert _consistent(library) == {"alpha", "beta", "gamma", "delta"}


def test_a_second_writer_is_refused_with_one_line_when_it_will_not_wait(library):
    holding, release = threading.Event(), threading.Event()

    def hold():
        with transaction.writer(library / "index", what="add"):
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(30)
        with pytest.raises(transaction.LibraryBusy) as refused:
            add_documents(library / "corpus", library / "index", [library / "incoming" / "gamma.txt"], wait=0)
        message = str(refused.value)
        assert "\n" not in message and f"pid {os.getpid()}, add since" in message and "nothing was changed" in message
    finally:
        release.set()
        thread.join()
    assert _consistent(library) == {"alpha", "beta"}


def test_readers_during_swaps_never_fail_and_never_crash_the_writer(library):
    index = library / "index"
    failures, loads, stop = [], [0], threading.Event()

    def read():
        while not stop.is_set():
            try:
                stored = load_index(index)
                assert len(stored.clauses) == sum(d["clauses"] for d in stored.documents.values())
                assert index_exists(index)
                loads[0] += 1
            except Exception as exc:  # noqa: BLE001 - any failure of a reader is the finding
                failures.append(repr(exc))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for r in readers:
        r.start()
    try:
        for _ in range(2):
            add_documents(library / "corpus", index, [library / "incoming" / "gamma.txt"])
            remove_documents(library / "corpus", index, "gamma")
    finally:
        stop.set()
        for r in readers:
            r.join()
    assert not failures, failures[:3]
    assert loads[0] > 0
    assert _consistent(library) == {"alpha", "beta"}


def test_leftovers_without_a_journal_are_chosen_by_completeness_not_by_name(library):
    index = library / "index"
    complete = library / ".index.old-1-1"
    shutil.copytree(index, complete)
    partial = library / ".index.old-99999-9"  # sorts last by name, but a file is cut short
    shutil.copytree(index, partial)
    data = (partial / "vectors.npy").read_bytes()
    (partial / "vectors.npy").write_bytes(data[: len(data) // 2])
    shutil.rmtree(index)
    assert _consistent(library) == {"alpha", "beta"}
    assert not complete.exists() and not partial.exists()


def test_a_torn_journal_is_discarded(library):
    (library / ".index.journal").write_text('{"id": "abc", "new_man', encoding="utf-8")
    (library / ".index.tmp-x").mkdir()
    assert _consistent(library) == {"alpha", "beta"}
    assert read_manifest(library / "index")["documents"].keys() == {"alpha", "beta"}
