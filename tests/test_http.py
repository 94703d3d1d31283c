"""The HTTP API on a real socket: contract shapes and 4xx for every bad request."""
from __future__ import annotations

import http.client
import json
import threading

import pytest

from cli.http_api import MAX_BODY_BYTES, make_server


@pytest.fixture(scope="module")
def api(kb):
    server = make_server(kb, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _call(port, method, path, body=None, raw=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    data = raw if raw is not None else (json.dumps(body, ensure_ascii=False).encode() if body is not None else None)
    conn.request(method, path, body=data, headers=headers or {"Content-Type": "application/json"})
    resp = conn.getresponse()
    payload = json.loads(resp.read().decode("utf-8"))
    conn.close()
    return resp.status, payload


def test_health_documents_clause(api):
    status, body = _call(api, "GET", "/health")
    assert status == 200 and body["status"] == "ok" and body["clauses"] > 100
    status, body = _call(api, "GET", "/documents")
    assert status == 200 and body["documents"][0]["doc_id"] == "lnfp13"
    status, body = _call(api, "GET", "/clauses/lnfp13/ch06/s02/p02")
    assert status == 200 and body["text"].startswith("实行贫困人口分类救治")
    status, body = _call(api, "GET", "/clauses/lnfp13/nope")
    assert status == 404


def test_ask_and_entitlements(api):
    status, body = _call(api, "POST", "/ask", {"question": "看病要先交钱吗", "top_k": 3})
    assert status == 200 and not body["abstained"] and len(body["citations"]) <= 3
    status, body = _call(api, "POST", "/entitlements", {"profile": ["低保户", "D级危房"], "topic": "住房"})
    assert status == 200 and body["groups"][0]["topic"] == "住房"


@pytest.mark.parametrize("path,raw,expected", [
    ("/ask", b"{not json", 400),
    ("/ask", json.dumps({"question": ""}).encode(), 400),
    ("/ask", json.dumps({"top_k": 3}).encode(), 400),
    ("/ask", json.dumps({"question": "问" * 10000}).encode(), 400),
    ("/ask", json.dumps({"question": "看病", "top_k": "five"}).encode(), 400),
    ("/ask", json.dumps(["a"]).encode(), 400),
    ("/ask", b"\xff\xfe\x00", 400),
    ("/ask", b"x" * (MAX_BODY_BYTES + 1), 413),
    ("/entitlements", json.dumps({"profile": []}).encode(), 400),
    ("/entitlements", json.dumps({"profile": ["会飞的猪"]}).encode(), 400),
    ("/nowhere", b"{}", 404),
])
def test_bad_requests_get_4xx_json(api, path, raw, expected):
    status, body = _call(api, "POST", path, raw=raw)
    assert status == expected and "error" in body
