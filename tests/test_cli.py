"""The command line: contract shapes, exit codes, one-line errors, add/remove."""
from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import CORPUS


@pytest.fixture
def small_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notice.txt").write_text("关于做好低保工作的通知\n\n一、总体要求\n\n农村低保对象看病实行先诊疗后付费。\n\n"
                                       "二、保障措施\n\n危房改造优先支持特困人员。\n", encoding="utf-8")
    return corpus


def test_clauses_json_follows_the_contract(run_cli, index_dir):
    code, out, err = run_cli("--index", index_dir, "--corpus", CORPUS, "clauses", "--json")
    assert code == 0
    lines = [json.loads(l) for l in out.splitlines()]
    assert len(lines) > 100
    first_para = next(c for c in lines if c["clause_id"] == "lnfp13/ch06/s02/p02")
    assert set(first_para) >= {"clause_id", "doc_id", "doc_title", "path", "kind", "text", "start", "end"}
    assert first_para["doc_title"] == "辽宁省“十三五”脱贫攻坚规划"
    assert first_para["path"] == ["第六章 健康扶贫", "第二节 提高医疗保障水平"]
    code, out, _ = run_cli("clauses", "--doc", "lnfp13", "--json", "--index", index_dir, "--corpus", CORPUS)
    assert code == 0 and len(out.splitlines()) == len(lines)


def test_ask_json_and_batch(run_cli, index_dir, tmp_path):
    code, out, _ = run_cli("--index", index_dir, "ask", "看病要先交钱吗", "--json")
    answer = json.loads(out)
    assert code == 0 and set(answer) >= {"id", "question", "answer", "abstained", "citations", "analysis"}
    assert set(answer["analysis"]) >= {"profile", "conditions", "topics", "expanded_terms"}
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(json.dumps({"id": i, "question": q}, ensure_ascii=False)
                               for i, q in [("a", "危房改造对象有哪些?"), ("b", "深圳人才补贴多少钱?"), ("c", "")]) + "\n",
                     encoding="utf-8")
    code, out, _ = run_cli("--index", index_dir, "ask", "--batch", batch, "--json", "--top-k", "3")
    rows = [json.loads(l) for l in out.splitlines()]
    assert code == 0 and [r["id"] for r in rows] == ["a", "b", "c"]
    assert not rows[0]["abstained"] and rows[1]["abstained"] and "error" in rows[2]
    assert all(len(r["citations"]) <= 3 for r in rows[:1])


def test_human_answer_shows_paths(run_cli, index_dir):
    code, out, _ = run_cli("--index", index_dir, "ask", "看病要先交钱吗")
    assert code == 0 and "第六章 健康扶贫 › 第二节 提高医疗保障水平" in out


@pytest.mark.parametrize("args,needle", [
    (["ask", ""], "empty"),
    (["ask", "问" * 10000], "characters long"),
    (["ask", "？？？"], "no words"),
    (["ask", "x", "--top-k", "0"], "top-k"),
    (["ask"], "QUESTION"),
    (["entitlements", "--profile", "会飞的猪"], "unknown household situation"),
    (["nonsense"], "invalid choice"),
    (["ask", "--batch", "/no/such/file.jsonl", "--json"], "no such file"),
])
def test_user_mistakes_exit_2_with_one_line(run_cli, index_dir, args, needle):
    code, out, err = run_cli("--index", index_dir, *args)
    assert code == 2
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_corrupt_index_exits_3(run_cli, index_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(index_dir, broken)
    (broken / "clauses.jsonl").write_text("garbage", encoding="utf-8")
    code, _, err = run_cli("--index", broken, "ask", "看病要先交钱吗")
    assert code == 3 and "rebuild with: policykb build" in err and err.count("\n") == 1


def test_missing_index_that_cannot_be_built_exits_3(run_cli, tmp_path):
    empty = tmp_path / "empty-corpus"
    empty.mkdir()
    code, _, err = run_cli("--index", tmp_path / "idx", "--corpus", empty, "ask", "看病要先交钱吗")
    assert code == 3 and "cannot be built" in err


def test_add_list_remove_and_failed_add_keeps_index(run_cli, small_corpus, tmp_path):
    index = tmp_path / "index"
    code, _, _ = run_cli("--index", index, "--corpus", small_corpus, "build")
    assert code == 0
    doc = tmp_path / "decision.md"
    doc.write_text("# 关于残疾人两项补贴的决定\n\n## 第一章 总则\n\n第一条 困难残疾人享受生活补贴。\n", encoding="utf-8")
    code, out, _ = run_cli("--index", index, "--corpus", small_corpus, "add", doc, "--title", "关于残疾人两项补贴的决定",
                           "--issuer", "某省民政厅", "--doc-number", "某民发〔2018〕1号", "--date", "2018-05-01")
    assert code == 0 and "added decision" in out
    code, out, _ = run_cli("--index", index, "--corpus", small_corpus, "list", "--json")
    docs = {d["doc_id"]: d for d in map(json.loads, out.splitlines())}
    assert docs["decision"]["issuer"] == "某省民政厅" and docs["decision"]["date"] == "2018-05-01"
    code, out, _ = run_cli("--index", index, "--corpus", small_corpus, "ask", "残疾人有生活补贴吗", "--json")
    assert json.loads(out)["citations"][0]["doc_id"] == "decision"
    before = (index / "manifest.json").read_bytes()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    code, _, err = run_cli("--index", index, "--corpus", small_corpus, "add", bad)
    assert code == 2 and "empty" in err
    assert (index / "manifest.json").read_bytes() == before and not (small_corpus / "bad.txt").exists()
    code, _, err = run_cli("--index", index, "--corpus", small_corpus, "add", doc)
    assert code == 2 and "already" in err
    code, _, _ = run_cli("--index", index, "--corpus", small_corpus, "remove", "decision")
    assert code == 0
    code, out, _ = run_cli("--index", index, "--corpus", small_corpus, "list", "--json")
    assert [json.loads(l)["doc_id"] for l in out.splitlines()] == ["notice"]
    code, _, err = run_cli("--index", index, "--corpus", small_corpus, "remove", "decision")
    assert code == 2 and "no such document" in err


def test_inspect_prints_tree_and_warns_nothing_on_seed(run_cli):
    code, out, _ = run_cli("--corpus", CORPUS, "inspect", "--doc", "lnfp13")
    assert code == 0
    assert "11 chapters, 33 sections, 12 columns" in out and "table_row 8" in out
    assert "every line of the document is in a clause or a heading" in out


def test_entitlements_cli(run_cli, index_dir):
    code, out, _ = run_cli("--index", index_dir, "entitlements", "--profile", "低保户,D级危房", "--json")
    result = json.loads(out)
    assert code == 0 and result["groups"] and {"profile", "groups", "resolved"} <= set(result)
    code, out, _ = run_cli("--index", index_dir, "entitlements", "--profile", "低保户", "--topic", "医疗")
    assert code == 0 and "【医疗】" in out and "出处" in out
