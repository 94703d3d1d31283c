"""Ingestion at scale: nested corpus folders, parallel parsing, and a killed build that resumes."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from indexer.build import build_index, segment_corpus_with_tokens
from indexer.corpus import list_documents
from indexer.ingest import EmbeddingCheckpoint, work_folder

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ["农村低保对象看病实行先诊疗后付费", "危房改造优先支持特困人员", "残疾人享受护理补贴", "职业培训给予补助",
          "易地扶贫搬迁安置住房", "义务教育阶段免除学杂费"]


def _law(i: int, articles: int) -> str:
    body = "\n\n".join(f"第{n}条 第{i}号条例第{n}条:{TOPICS[(i + n) % len(TOPICS)]},具体办法由县级人民政府规定。"
                       for n in range(1, articles + 1))
    return f"第{i}号条例\n\n第一章 总则\n\n{body}\n"


def _nested_corpus(tmp_path, documents: int = 6, articles: int = 10) -> Path:
    corpus = tmp_path / "laws"
    for i in range(documents):
        folder = corpus / ("行政法规" if i % 2 else "地方性法规") / f"region{i % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"条例{i}.md").write_text(_law(i, articles), encoding="utf-8")
    # the same file name in two folders, as editions of one law often are
    (corpus / "地方性法规" / "region9").mkdir(parents=True)
    (corpus / "地方性法规" / "region9" / "条例0.md").write_text(_law(99, 2), encoding="utf-8")
    return corpus


def test_nested_corpus_folders_are_read_with_unique_ids(tmp_path):
    corpus = _nested_corpus(tmp_path)
    entries = list_documents(corpus)
    assert len(entries) == 7
    ids = [e.doc_id for e in entries]
    assert len(set(ids)) == 7 and sum(i.startswith("条例0-") for i in ids) == 2
    assert ids == [e.doc_id for e in list_documents(corpus)]  # stable


def test_parallel_parsing_gives_what_serial_parsing_gives(tmp_path):
    corpus = _nested_corpus(tmp_path, documents=4, articles=3)
    serial = segment_corpus_with_tokens(corpus, workers=1)
    parallel = segment_corpus_with_tokens(corpus, workers=2)
    assert [c.to_json() for c in parallel[0]] == [c.to_json() for c in serial[0]]
    assert parallel[1] == serial[1] and parallel[2] == serial[2]


def test_checkpoint_shards_round_trip(tmp_path):
    checkpoint = EmbeddingCheckpoint(tmp_path, "enc|1|4")
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    checkpoint.add(["a", "b"], vectors[:2], every=2)
    checkpoint.add(["c"], vectors[2:], every=2)  # pending, not yet on disk
    assert set(checkpoint.load()) == {checkpoint.key("a"), checkpoint.key("b")}
    checkpoint.flush()
    found = checkpoint.load()
    assert np.array_equal(found[checkpoint.key("c")], vectors[2])
    assert EmbeddingCheckpoint(tmp_path, "other-encoder|1|4").load() == {}


def _index_snapshot(index: Path) -> tuple[list[str], dict, np.ndarray]:
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    return ((index / "clauses.jsonl").read_text(encoding="utf-8").splitlines(), manifest["documents"],
            np.load(index / "vectors.npy"))


def test_a_killed_build_resumes_without_redoing_finished_embeddings(tmp_path):
    corpus = _nested_corpus(tmp_path, documents=4, articles=10)
    index = tmp_path / "index"
    shards = work_folder(index) / "embeddings"
    script = (f"from indexer.build import build_index; "
              f"build_index({str(corpus)!r}, {str(index)!r}, checkpoint_every=2, workers=1)")
    process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while not list(shards.glob("*/shard-*.npz")):  # killed as soon as the first checkpoint is written
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "no checkpoint written"
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
        process.stderr.close()
    assert not index.exists()  # killed before the index was swapped in
    saved = sum(len(np.load(p)["keys"]) for p in shards.glob("*/shard-*.npz"))

    resumed = build_index(corpus, index)
    assert 2 <= saved < resumed.clauses
    assert resumed.resumed == saved and resumed.embedded == resumed.clauses - saved
    assert not work_folder(index).exists()  # the checkpoint is gone once the index is in place

    fresh = tmp_path / "fresh"
    build_index(corpus, fresh)
    clauses, documents, vectors = _index_snapshot(index)
    fresh_clauses, fresh_documents, fresh_vectors = _index_snapshot(fresh)
    assert clauses == fresh_clauses and documents == fresh_documents
    assert vectors.shape == fresh_vectors.shape and np.allclose(vectors, fresh_vectors, atol=1e-5)


def test_embedding_workers_share_the_work_and_a_build_merges_it(tmp_path, run_cli):
    corpus = _nested_corpus(tmp_path, documents=2, articles=3)
    index = tmp_path / "index"
    done = [build_index(corpus, index, embed_shard=(i, 2)) for i in range(2)]
    assert not index.exists() and sum(r.embedded for r in done) == done[0].clauses
    merged = build_index(corpus, index)
    assert merged.embedded == 0 and merged.resumed == merged.clauses
    code, _, err = run_cli("build", "--corpus", corpus, "--index", tmp_path / "other", "--embed-shard", "2/2")
    assert code == 2 and "0 <= I < K" in err


HEADER_ONLY = "# 某市突发公共卫生事件应急条例\n\n2022年5月30日 某市人民代表大会常务委员会通过\n\n<!-- INFO END -->\n"


def test_unreadable_documents_stop_a_build_unless_asked_to_be_left_out(tmp_path, run_cli):
    """A real law collection has header-only files (the text never published). By default such a file stops
    the build, naming it (the previous index stays); with --skip-unreadable it is left out and named, so one
    of them does not stop a build of thousands — in parallel parsing as in serial."""
    corpus = _nested_corpus(tmp_path, documents=4, articles=3)
    (corpus / "行政法规" / "应急条例(2022-05-30).md").write_text(HEADER_ONLY, encoding="utf-8")
    (corpus / "行政法规" / "空白.txt").write_bytes(b"")
    for workers in (1, 2):
        segmented = segment_corpus_with_tokens(corpus, workers=workers, skip_unreadable=True)
        assert set(segmented.skipped) == {"应急条例(2022-05-30).md", "空白.txt"}
        assert len(segmented.documents) == 5 and not any("应急" in d["title"] for d in segmented.documents.values())

    code, _, err = run_cli("--index", tmp_path / "idx", "build", "--corpus", corpus)
    last = err.strip().splitlines()[-1]   # after the progress bar, a line of its own
    assert code == 2 and last.startswith("policykb: ") and "--skip-unreadable" in last and not (tmp_path / "idx" / "manifest.json").exists()
    code, _, err = run_cli("--index", tmp_path / "idx", "build", "--corpus", corpus, "--skip-unreadable")
    assert code == 0, err
    assert "indexed 5 document(s)" in err and "skipped 应急条例(2022-05-30).md: no text left after cleaning" in err
    assert json.loads((tmp_path / "idx" / "manifest.json").read_text(encoding="utf-8"))["skipped"].keys() == \
        {"应急条例(2022-05-30).md", "空白.txt"}

    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    (only_bad / "应急条例.md").write_text(HEADER_ONLY, encoding="utf-8")
    code, _, err = run_cli("--index", tmp_path / "idx", "build", "--corpus", only_bad, "--skip-unreadable")
    last = err.strip().splitlines()[-1]
    assert code == 2 and last.startswith("policykb: ") and "no readable document" in last and "应急条例.md" in last
    assert json.loads((tmp_path / "idx" / "manifest.json").read_text(encoding="utf-8"))["skipped"]  # untouched
