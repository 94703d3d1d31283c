"""`policykb serve`: the HTTP API (shared/INTERFACE.md), on the standard library's threaded server.

Every error a client can cause is a 4xx with a JSON body; nothing a client sends produces a 500.
"""
from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse

from indexer.errors import BadInput

MAX_BODY_BYTES = 64 * 1024


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def make_handler(kb):
    lock = threading.Lock()  # the engine's caches are not built for concurrent writers

    class Handler(BaseHTTPRequestHandler):
        server_version = "PolicyKB/0.1"

        def log_message(self, fmt, *args):  # quiet by default; one line per request on stderr
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

        def _send(self, status: int, payload: dict) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> dict:
            length = self.headers.get("Content-Length")
            if length is None:
                raise ApiError(411, "a JSON body with Content-Length is required")
            try:
                n = int(length)
            except ValueError:
                raise ApiError(400, "bad Content-Length") from None
            if n > MAX_BODY_BYTES:
                raise ApiError(413, f"body is {n} bytes; at most {MAX_BODY_BYTES}")
            raw = self.rfile.read(n)
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise ApiError(400, "body is not valid UTF-8 JSON") from None
            if not isinstance(obj, dict):
                raise ApiError(400, "body must be a JSON object")
            return obj

        def _handle(self, method: str) -> None:
            try:
                path = urlparse(self.path).path
                with lock:
                    self._send(200, route(kb, method, path, self._body if method == "POST" else None))
            except ApiError as exc:
                self._send(exc.status, {"error": str(exc)})
            except BadInput as exc:
                self._send(400, {"error": str(exc)})
            except Exception as exc:  # a bug of ours: say so, keep serving
                self._send(500, {"error": f"internal error: {type(exc).__name__}"})

        def do_GET(self):
            self._handle("GET")

        def do_POST(self):
            self._handle("POST")

    return Handler


def route(kb, method: str, path: str, read_body) -> dict:
    if method == "GET" and path == "/health":
        return {"status": "ok", "documents": len(kb.stored.documents), "clauses": len(kb.stored.clauses),
                "encoder": kb.stored.encoder_name}
    if method == "GET" and path == "/documents":
        return {"documents": kb.documents()}
    if method == "GET" and path.startswith("/clauses/"):
        clause_id = unquote(path[len("/clauses/"):])
        try:
            return kb.clause(clause_id).to_json()
        except BadInput:
            raise ApiError(404, f"no clause {clause_id}") from None
    if method == "POST" and path == "/ask":
        body = read_body()
        question = body.get("question")
        if not isinstance(question, str) or not question.strip():
            raise ApiError(400, "a non-empty string 'question' is required")
        top_k = body.get("top_k", 5)
        if not isinstance(top_k, int) or isinstance(top_k, bool):
            raise ApiError(400, "'top_k' must be an integer")
        return kb.ask(question, top_k=top_k, qid=body.get("id")).to_json()
    if method == "POST" and path == "/entitlements":
        body = read_body()
        profile = body.get("profile")
        if isinstance(profile, str):
            profile = profile.replace("，", ",").split(",")
        if not isinstance(profile, list) or not all(isinstance(p, str) for p in profile) or not profile:
            raise ApiError(400, "'profile' must be a non-empty list of strings")
        topic = body.get("topic")
        if topic is not None and not isinstance(topic, str):
            raise ApiError(400, "'topic' must be a string")
        return kb.entitlements(profile, topic)
    if path in ("/health", "/documents", "/ask", "/entitlements") or path.startswith("/clauses/"):
        raise ApiError(405, f"{method} is not allowed on {path}")
    raise ApiError(404, f"no such endpoint {path}")


def make_server(kb, host: str, port: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), make_handler(kb))
    server.daemon_threads = True
    return server


def serve(kb, host: str = "127.0.0.1", port: int = 8000) -> int:
    try:
        server = make_server(kb, host, port)
    except OSError as exc:
        raise BadInput(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    print(f"PolicyKB API on http://{host}:{server.server_address[1]}", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
