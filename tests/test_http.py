"""The HTTP API on a real socket: contract shapes, 4xx JSON for every bad request, bounds, auth."""
from __future__ import annotations

import http.client
import json
import logging
import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from cli.http_api import MAX_BODY_BYTES, RunningServer, make_app
from cli.http_bounds import Limits
from qa.access import TOKEN_ENV, TOKEN_FILE_ENV

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

TOKEN = "correct-horse-battery"


@pytest.fixture(scope="module")
def api(kb):
    server = RunningServer(make_app(kb, refresh_every_s=0))
    yield server.port
    server.stop()


def _call(port, method, path, body=None, raw=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    data = raw if raw is not None else (json.dumps(body, ensure_ascii=False).encode() if body is not None else None)
    conn.request(method, path, body=data, headers=headers or {"Content-Type": "application/json"})
    resp = conn.getresponse()
    text = resp.read().decode("utf-8")
    conn.close()
    return resp.status, (json.loads(text) if text else None)


def _raw(port, data: bytes, timeout=60) -> tuple[int, dict | None]:
    """Send bytes as they are; return the status and JSON body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
            head, sep, body = received.partition(b"\r\n\r\n")
            length = [int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
            if sep and length and len(body) >= length[0]:
                break
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower(), head
    return int(head.split(b" ")[1]), (json.loads(body) if body else None)


def _request(method: str, path: str, body: bytes = b"", extra: str = "") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body


def test_health_documents_clause(api):
    status, body = _call(api, "GET", "/health")
    assert status == 200 and body["status"] == "ok" and body["clauses"] > 100
    status, body = _call(api, "GET", "/documents")
    assert status == 200 and body["documents"][0]["doc_id"] == "lnfp13"
    status, body = _call(api, "GET", "/clauses/lnfp13/ch06/s02/p02")
    assert status == 200 and body["text"].startswith("实行贫困人口分类救治")
    status, body = _call(api, "GET", "/clauses/lnfp13/nope")
    assert status == 404


def test_ask_and_entitlements(api, kb):
    status, body = _call(api, "POST", "/ask", {"question": "看病要先交钱吗", "top_k": 3})
    assert status == 200 and not body["abstained"] and len(body["citations"]) <= 3
    expected = kb.ask("看病要先交钱吗", top_k=3).to_json()
    assert set(body) == set(expected) and body["answer"] == expected["answer"]  # the CLI's JSON
    status, body = _call(api, "POST", "/entitlements", {"profile": ["低保户", "D级危房"], "topic": "住房"})
    assert status == 200 and body["groups"][0]["topic"] == "住房"
    status, body = _call(api, "POST", "/entitlements", {"profile": ["低保户"], "topic": "医疗", "region": "辽宁"})
    assert status == 200 and body["region"] == kb.entitlements(["低保户"], "医疗", "辽宁")["region"] and body["groups"]
    # a JSON body is read as JSON whatever the Content-Type (curl -d sends a form type)
    status, body = _call(api, "POST", "/ask", raw=json.dumps({"question": "看病要先交钱吗"}).encode(),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and body["citations"]


def test_openapi_page(api):
    status, schema = _call(api, "GET", "/openapi.json")
    assert status == 200 and {"/ask", "/entitlements", "/documents", "/health"} <= set(schema["paths"])
    conn = http.client.HTTPConnection("127.0.0.1", api, timeout=30)
    conn.request("GET", "/docs")
    resp = conn.getresponse()
    assert resp.status == 200 and b"swagger" in resp.read().lower()


@pytest.mark.parametrize("path,raw,expected", [
    ("/ask", b"{not json", 400),
    ("/ask", json.dumps({"question": ""}).encode(), 400),
    ("/ask", json.dumps({"top_k": 3}).encode(), 400),
    ("/ask", json.dumps({"question": "问" * 10000}).encode(), 400),
    ("/ask", json.dumps({"question": "看病", "top_k": "five"}).encode(), 400),
    ("/ask", json.dumps({"question": "看病", "top_k": True}).encode(), 400),
    ("/ask", json.dumps({"question": "看病", "top_k": 0}).encode(), 400),
    ("/ask", json.dumps(["a"]).encode(), 400),
    ("/ask", b"\xff\xfe\x00", 400),
    ("/ask", b"x" * (MAX_BODY_BYTES + 1), 413),
    ("/ask", b'{"question": "\\ud800"}', 400),
    ("/ask", b'{"question": "\\u770b\\u75c5", "id": "\\udfff"}', 400),
    ("/entitlements", b'{"profile": ["\\ud800"]}', 400),
    ("/entitlements", b'{"profile": ["\\u4f4e\\u4fdd\\u6237"], "topic": "\\ud800x"}', 400),
    ("/ask", b"[" * 30000 + b"]" * 30000, 400),
    ("/ask", b'{"question": "a", "id": ' + b"[" * 20000 + b"]" * 20000 + b"}", 400),
    ("/entitlements", json.dumps({"profile": []}).encode(), 400),
    ("/entitlements", json.dumps({"profile": ["会飞的猪"]}).encode(), 400),
    ("/nowhere", b"{}", 404),
])
def test_bad_requests_get_4xx_json(api, path, raw, expected):
    status, body = _call(api, "POST", path, raw=raw)
    assert status == expected and "error" in body and "\n" not in body["error"]


@pytest.mark.parametrize("data", [
    b"POST /ask HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n",
    b"POST /ask HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n{}",
    b"GET /clauses/\xe4\xb8\xad HTTP/1.1\r\nHost: t\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    b"GET /health HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n",
])
def test_malformed_http_gets_400_json(api, data):
    status, body = _raw(api, data)
    assert status in (400, 431) and "error" in body


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_every_method_is_answered_in_json(api, method):
    for path in ("/ask", "/health"):
        status, body = _raw(api, _request(method, path, b"{}"))
        assert status == 405 and method in body["error"]


def test_head_is_answered_405_with_json_headers(api):
    with socket.create_connection(("127.0.0.1", api), timeout=30) as sock:
        sock.sendall(_request("HEAD", "/health"))
        head = sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 405") and b"application/json" in head


def test_client_hang_ups_are_quiet(api, caplog, capfd):
    caplog.set_level(logging.INFO)
    for data in (_request("POST", "/ask", json.dumps({"question": "看病要先交钱吗"}).encode()),
                 b"POST /ask HTTP/1.1\r\nHost: t\r\nContent-Length: 500\r\n\r\n{\"question\":",
                 b"GET /hea"):
        sock = socket.create_connection(("127.0.0.1", api), timeout=30)
        sock.sendall(data)
        sock.close()
    time.sleep(1.0)
    assert _call(api, "GET", "/health")[0] == 200
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], [r.getMessage() for r in caplog.records]
    assert "Traceback" not in capfd.readouterr().err


def test_a_slow_body_does_not_hold_up_other_clients(kb):
    """Clients trickling their bodies hold a socket each, no thread and no lock: the rest are served
    meanwhile, and each slow one gets a 408 when its time is up."""
    server = RunningServer(make_app(kb, limits=Limits(idle_s=2.0, total_s=4.0), refresh_every_s=0))
    slow_answers: list[bytes] = []

    def trickle():
        with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
            sock.sendall(b"POST /ask HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n{")
            try:
                for _ in range(40):
                    time.sleep(0.5)
                    sock.sendall(b" ")
            except OSError:
                pass  # the server answered and closed
            slow_answers.append(sock.recv(4096))

    try:
        slow = [threading.Thread(target=trickle) for _ in range(5)]
        for t in slow:
            t.start()
        served, statuses = 0, set()
        while any(t.is_alive() for t in slow):
            status, _ = _call(server.port, "GET", "/health")
            statuses.add(status)
            served += 1
        for t in slow:
            t.join()
        status, body = _call(server.port, "POST", "/ask", {"question": "看病要先交钱吗", "top_k": 1})
        assert status == 200
    finally:
        server.stop()
    print(f"requests served while 5 slow clients held connections: {served}")
    assert statuses == {200} and served >= 5
    assert len(slow_answers) == 5 and all(a.startswith(b"HTTP/1.1 408") for a in slow_answers), slow_answers


def test_a_stalled_request_head_is_closed(api):
    status, body = _raw(api, b"POST /ask HTTP/1.1\r\nHost: t\r\n", timeout=60)
    assert status == 408


# --- writing endpoints ---------------------------------------------------------------------
NEW_DOC = "某县农村饮水安全巩固提升实施方案\n\n第一章 总体目标\n\n到2020年,全县农村集中供水率达到90%。\n\n第二章 主要任务\n\n实施水源保护。\n"


@pytest.fixture
def library_api(index_dir, tmp_path, monkeypatch):
    from qa.engine import open_knowledge_base

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(index_dir, index)
    monkeypatch.delenv(TOKEN_FILE_ENV, raising=False)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    server = RunningServer(make_app(open_knowledge_base(index, corpus, build_if_missing=False), corpus, index,
                                    refresh_every_s=0))
    yield server.port, corpus, index, monkeypatch
    server.stop()


WRITES = [("POST", "/documents?filename=water.txt", NEW_DOC.encode()), ("DELETE", "/documents/lnfp13", b""),
          ("POST", "/rebuild", b""), ("POST", "/eval", b"{}")]


def test_writing_endpoints_need_the_credential(library_api):
    port, corpus, index, monkeypatch = library_api
    for method, path, body in WRITES:
        status, answer = _call(port, method, path, raw=body, headers={})
        assert status == 401 and "Bearer" in answer["error"], (method, path)
        status, _ = _call(port, method, path, raw=body, headers={"Authorization": "Bearer not-the-token"})
        assert status == 403, (method, path)
        status, _ = _call(port, method, path, raw=body, headers={"Authorization": f"Basic {TOKEN}"})
        assert status == 401, (method, path)
    monkeypatch.delenv(TOKEN_ENV)
    for method, path, body in WRITES:
        status, answer = _call(port, method, path, raw=body, headers={"Authorization": f"Bearer {TOKEN}"})
        assert status == 403 and "disabled" in answer["error"], (method, path)
    assert sorted(p.name for p in corpus.iterdir()) == sorted(p.name for p in CORPUS.iterdir())


def test_upload_and_remove_with_the_credential_while_others_read(library_api):
    port, corpus, index, _ = library_api
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/octet-stream"}
    stop, answers = threading.Event(), []

    def read():
        while not stop.is_set():
            answers.append(_call(port, "POST", "/ask", {"question": "看病要先交钱吗", "top_k": 1})[0])

    reader = threading.Thread(target=read)
    reader.start()
    try:
        status, body = _call(port, "POST", "/documents?filename=water.txt&issuer=" + quote("某县人民政府"), raw=NEW_DOC.encode(),
                             headers=auth)
        assert status == 200 and body["added"][0]["doc_id"] == "water" and body["documents"] == 2
        assert {d["doc_id"] for d in _call(port, "GET", "/documents")[1]["documents"]} == {"lnfp13", "water"}
        status, body = _call(port, "POST", "/documents?filename=water.txt", raw=NEW_DOC.encode(), headers=auth)
        assert status == 400 and "already in" in body["error"] and str(corpus) in body["error"]
        status, body = _call(port, "POST", "/documents?filename=bad.exe", raw=b"MZ", headers=auth)
        assert status == 400 and "unsupported" in body["error"]
        status, body = _call(port, "DELETE", "/documents/water", headers=auth)
        assert status == 200 and body["removed"] == "water"
        assert [d["doc_id"] for d in _call(port, "GET", "/documents")[1]["documents"]] == ["lnfp13"]
    finally:
        stop.set()
        reader.join()
    assert answers and set(answers) == {200}
    assert not (corpus / "water.txt").exists()


def test_rebuild_and_evaluation_with_the_credential(library_api):
    port, corpus, index, _ = library_api
    auth = {"Authorization": f"Bearer {TOKEN}"}
    status, body = _call(port, "POST", "/rebuild", headers=auth)
    assert status == 200 and body["documents"] == 1 and body["embedded"] == 0
    lines = (CORPUS.parent / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()[:2]
    questions = [json.loads(line) for line in lines]
    status, body = _call(port, "POST", "/eval", {"systems": ["bm25"], "questions": questions},
                         headers={**auth, "Content-Type": "application/json"})
    assert status == 200 and body["questions"] == 2 and set(body["systems"]) == {"bm25"}
    status, body = _call(port, "POST", "/eval", {"questions": [{"id": "x"}]}, headers={**auth, "Content-Type": "application/json"})
    assert status == 400 and "questions" in body["error"] and "policykb-eval-" not in body["error"]
