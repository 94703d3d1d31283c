"""`policykb serve`: the HTTP API (shared/INTERFACE.md) on FastAPI and uvicorn; OpenAPI at /docs.

Reading endpoints answer from the knowledge base being served, which is never changed while
serving: a library change (add, remove, rebuild — administrators only) builds the new index as one
transaction (qa/library.py), loads a new KnowledgeBase and replaces the reference in one assignment;
requests already running finish on the old one. Changes made by another process (`policykb add`)
are picked up the same way. There is no lock around requests.

Every error a client can cause is a 4xx with a JSON body {"error": "..."}; nothing a client sends
produces a 500. Size and time bounds: cli/http_bounds.py.
"""
from __future__ import annotations

import inspect
import json
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated, Union

import uvicorn
from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from indexer.errors import BadInput, IndexUnusable
from indexer.transaction import LibraryBusy
from qa import access

from .http_bounds import BodyBounds, BoundedH11Protocol, Limits, quiet_uvicorn_logs

MAX_BODY_BYTES = Limits().json_bytes
CONNECTION_LIMIT = 1000  # open connections and running requests; beyond it uvicorn answers 503
BACKLOG = 2048  # connections the kernel queues before accept (capped by net.core.somaxconn)
KEEP_ALIVE_S = 5
MAX_HEADER_BYTES = Limits().header_bytes


class ApiError(HTTPException):
    pass


# --- the knowledge base being served -------------------------------------------------------
def _stamp(index_dir: Path):
    try:
        st = (Path(index_dir) / "manifest.json").stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


class ServedLibrary:
    """The KnowledgeBase in service, replaced whole (one reference assignment) after a change."""

    def __init__(self, kb, corpus_dir: Path | None = None, index_dir: Path | None = None) -> None:
        self.kb = kb
        self.corpus_dir = Path(corpus_dir) if corpus_dir else None
        self.index_dir = Path(index_dir) if index_dir else Path(kb.stored.directory)
        self.stamp = _stamp(self.index_dir)
        self.changing = threading.Lock()  # one change at a time from this server (others: the file lock)
        self.evaluating = threading.Lock()
        self.closed = threading.Event()

    def reload(self) -> None:
        from qa.engine import open_knowledge_base

        stamp = _stamp(self.index_dir)
        kb = open_knowledge_base(self.index_dir, self.corpus_dir or Path("corpus"), build_if_missing=False)
        kb.warm_up()
        self.kb, self.stamp = kb, stamp

    def refresh_if_changed(self) -> None:
        """Load the index again when another process has changed it."""
        if _stamp(self.index_dir) not in (self.stamp, None) and self.changing.acquire(blocking=False):
            try:
                self.reload()
            except (IndexUnusable, BadInput) as exc:  # keep serving the one we have
                print(f"policykb serve: the changed index cannot be loaded ({exc}); still serving the previous one",
                      file=sys.stderr)
                self.stamp = _stamp(self.index_dir)
            finally:
                self.changing.release()

    def watch(self, every_s: float) -> None:
        """Check every `every_s` seconds, on a thread of its own, whether another process changed the index."""
        def loop():
            while not self.closed.wait(every_s):
                self.refresh_if_changed()

        threading.Thread(target=loop, name="policykb-index-watch", daemon=True).start()

    def change(self, action):
        """Run a library change, then serve the new index; 409 while another change runs."""
        if self.corpus_dir is None:
            raise ApiError(409, "this server was started without a corpus folder; it cannot change the library")
        if not self.changing.acquire(blocking=False):
            raise ApiError(409, "another library change is running on this server; try again when it has finished")
        try:
            result = action(self.corpus_dir, self.index_dir)
            self.reload()
            return result
        except LibraryBusy as exc:
            raise ApiError(409, str(exc)) from None
        finally:
            self.changing.release()


# --- requests ------------------------------------------------------------------------------
def _valid_text(value: str) -> str:
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("contains a lone surrogate (not valid Unicode text)")
    return value


Text = Annotated[str, AfterValidator(_valid_text)]


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    question: Text = Field(description="the question, at most 500 characters")
    top_k: StrictInt = Field(5, ge=1, le=50, description="how many citations at most")
    id: Union[StrictInt, Text, None] = Field(None, description="echoed back as the answer's id")
    region: Text | None = Field(None, description="only documents of this region (and national ones)")
    doc_ids: list[Text] | None = Field(None, max_length=1000)
    kinds: list[Text] | None = Field(None, max_length=50)


class EntitlementsRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    profile: Union[list[Text], Text] = Field(description='situations, e.g. ["低保户", "D级危房"] or "低保户,D级危房"')
    topic: Text | None = Field(None, description="a benefit area, e.g. 医疗")
    region: Text | None = Field(None, description="the household's region: its documents first, other provinces' left out")


class EvalRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    systems: list[Text] | None = Field(None, description="a subset of bm25, dense, hybrid, full")
    questions: list[dict] | None = Field(None, max_length=1000,
                                         description="question objects as in eval/questions.jsonl (default: that file)")


class UnicodeJSON(Response):
    media_type = "application/json"

    def render(self, content) -> bytes:
        return json.dumps(content, ensure_ascii=False).encode("utf-8", errors="replace")


def _error(status: int, message: str, headers: dict | None = None) -> UnicodeJSON:
    return UnicodeJSON({"error": message}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    """One line: each field's first complaint (never the input, which may not even be printable)."""
    said: dict[str, str] = {}
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            return "the body is not valid JSON"
        names = [str(x) for x in err.get("loc", ())[1:2]]
        field = names[0] if names else "body"
        said.setdefault(field, str(err.get("msg", "invalid")).removeprefix("Value error, "))
    return "; ".join(f"{field}: {msg}" for field, msg in list(said.items())[:5]) or "invalid request"


def require_admin(authorization: Annotated[str | None, Header(description="Bearer <administrator credential>")] = None):
    """Writing endpoints: 401 without a credential, 403 with a wrong one or when administration is off."""
    try:
        enabled = access.admin_enabled()
    except BadInput:
        raise ApiError(403, "administration is misconfigured on this server (see qa/access.py)") from None
    if not enabled:
        raise ApiError(403, f"administration is disabled on this server (set {access.TOKEN_ENV} or {access.TOKEN_FILE_ENV})")
    scheme, _, supplied = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not supplied.strip():
        raise ApiError(401, "this endpoint needs the administrator credential: Authorization: Bearer <token>",
                       headers={"WWW-Authenticate": "Bearer"})
    if not access.is_admin(supplied):
        raise ApiError(403, "the administrator credential is wrong")


Admin = Depends(require_admin)


def make_app(kb, corpus_dir: Path | None = None, index_dir: Path | None = None, limits: Limits | None = None,
             refresh_every_s: float = 2.0):
    library = kb if isinstance(kb, ServedLibrary) else ServedLibrary(kb, corpus_dir, index_dir)
    app = FastAPI(title="PolicyKB", version="0.1.0", default_response_class=UnicodeJSON,
                  description="Answers from Chinese policy documents with the clauses they rely on "
                              "(the JSON of `policykb ... --json`).")
    app.state.library = library
    ask_options = set(inspect.signature(library.kb.ask).parameters)

    @app.exception_handler(HTTPException)
    async def http_error(request, exc: HTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "bad request"
        if message == "There was an error parsing the body":
            message = "the body is not valid JSON (or is nested too deeply)"
        if exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        elif exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint {request.url.path}"
        return _error(exc.status_code, message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request, exc: RequestValidationError):
        return _error(400, _validation_message(exc))

    @app.exception_handler(BadInput)
    async def bad_input(request, exc: BadInput):
        return _error(409 if isinstance(exc, LibraryBusy) else 400, str(exc))

    @app.exception_handler(IndexUnusable)
    async def unusable(request, exc: IndexUnusable):
        return _error(503, str(exc))

    @app.exception_handler(Exception)
    async def bug(request, exc: Exception):  # a bug of ours: say so in JSON, keep serving
        return _error(500, f"internal error: {type(exc).__name__}")

    if refresh_every_s:
        library.watch(refresh_every_s)

    # --- reading ------------------------------------------------------------------------------
    @app.get("/health")
    def health():
        kb = library.kb
        return UnicodeJSON({"status": "ok", "documents": len(kb.stored.documents), "clauses": len(kb.stored.clauses),
                            "encoder": kb.stored.encoder_name,
                            "administration": "enabled" if _admin_enabled() else "disabled"})

    @app.get("/documents")
    def documents():
        return UnicodeJSON({"documents": library.kb.documents()})

    @app.get("/clauses/{clause_id:path}")
    def clause(clause_id: str):
        try:
            return UnicodeJSON(library.kb.clause(clause_id).to_json())
        except BadInput:
            raise ApiError(404, f"no clause {clause_id}") from None

    @app.post("/ask")
    def ask(body: AskRequest):
        if not body.question.strip():
            raise ApiError(400, "a non-empty string 'question' is required")
        options = {k: v for k, v in (("region", body.region), ("doc_ids", body.doc_ids), ("kinds", body.kinds))
                   if v is not None and k in ask_options}
        return UnicodeJSON(library.kb.ask(body.question, top_k=body.top_k, qid=body.id, **options).to_json())

    @app.post("/entitlements")
    def entitlements(body: EntitlementsRequest):
        profile = body.profile.replace("，", ",").split(",") if isinstance(body.profile, str) else body.profile
        profile = [p for p in profile if p.strip()]
        if not profile:
            raise ApiError(400, "'profile' must be a non-empty list of strings")
        return UnicodeJSON(library.kb.entitlements(profile, body.topic, body.region))

    # --- writing (administrators) -------------------------------------------------------------
    @app.post("/documents", dependencies=[Admin], status_code=200,
              openapi_extra={"requestBody": {"required": True, "content": {"application/octet-stream": {
                  "schema": {"type": "string", "format": "binary"}}}}})
    async def add_document(request: Request,
                           filename: Annotated[Text, Query(description="the file's name; its suffix says its type", max_length=200)],
                           title: Annotated[Text | None, Query(max_length=500)] = None,
                           doc_number: Annotated[Text | None, Query(max_length=200)] = None,
                           issuer: Annotated[Text | None, Query(max_length=200)] = None,
                           date: Annotated[Text | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
                           id: Annotated[Text | None, Query(max_length=64)] = None):
        """Add one document: the request body is the file (.txt .md .html .docx .pdf, at most 20 MB)."""
        from indexer.load import SUPPORTED_SUFFIXES

        from indexer.corpus import make_doc_id

        name = Path(filename.replace("\\", "/")).name
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise ApiError(400, f"{name}: unsupported file type {suffix or '(none)'}; use one of {', '.join(SUPPORTED_SUFFIXES)}")
        with tempfile.TemporaryDirectory(prefix="policykb-upload-") as tmp:
            path = Path(tmp) / f"upload{suffix}"  # the client's name is only used for the document id
            with open(path, "wb") as fh:
                async for chunk in request.stream():
                    fh.write(chunk)
            meta = {"title": title, "doc_number": doc_number, "issuer": issuer, "date": date}

            def add(corpus_dir, index_dir):
                from qa.library import add_documents

                return add_documents(corpus_dir, index_dir, [path], meta, id or make_doc_id(name), wait=0)

            try:
                added, report = await run_in_threadpool(library.change, add)
            except BadInput as exc:
                raise ApiError(409 if isinstance(exc, LibraryBusy) else 400, str(exc).replace(str(path), name)) from None
        return UnicodeJSON({"added": [{"doc_id": e.doc_id, "title": e.meta.get("title")} for e in added],
                            "documents": report.documents, "clauses": report.clauses})

    @app.delete("/documents/{doc_id}", dependencies=[Admin])
    def remove_document(doc_id: str):
        from qa.library import remove_documents

        entry, report = library.change(lambda c, i: remove_documents(c, i, doc_id, wait=0))
        return UnicodeJSON({"removed": entry.doc_id, "index_rebuilt": report is not None,
                            "documents": len(library.kb.stored.documents)})

    @app.post("/rebuild", dependencies=[Admin])
    def rebuild():
        from qa.library import rebuild as rebuild_index

        report = library.change(lambda c, i: rebuild_index(c, i, wait=0))
        return UnicodeJSON({"documents": report.documents, "clauses": report.clauses, "embedded": report.embedded,
                            "reused": report.reused})

    @app.post("/eval", dependencies=[Admin])
    def evaluate(body: EvalRequest | None = None):
        """Run the evaluation (the default question set, or the questions given) and return its summary."""
        from eval.runner import DEFAULT_QUESTIONS, run_evaluation

        body = body or EvalRequest()
        if not library.evaluating.acquire(blocking=False):
            raise ApiError(409, "an evaluation is already running on this server; try again when it has finished")
        try:
            with tempfile.TemporaryDirectory(prefix="policykb-eval-") as tmp:
                questions = DEFAULT_QUESTIONS
                if body.questions is not None:
                    questions = Path(tmp) / "questions.jsonl"
                    questions.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in body.questions),
                                         encoding="utf-8")
                try:
                    summary = run_evaluation(library.kb, questions, Path(tmp) / "report", systems=body.systems,
                                             variants=None)
                except BadInput as exc:
                    raise ApiError(400, str(exc).replace(str(questions), "questions")) from None
            summary.pop("report", None)  # a temporary folder, gone by now
            return UnicodeJSON(summary)
        finally:
            library.evaluating.release()

    bounded = BodyBounds(app, limits or Limits(), upload_routes={("POST", "/documents")},
                         json_routes={("POST", "/ask"), ("POST", "/entitlements"), ("POST", "/eval")})
    bounded.fastapi = app
    return bounded


def _admin_enabled() -> bool:
    try:
        return access.admin_enabled()
    except BadInput:
        return False


# --- the server ----------------------------------------------------------------------------
def listening_socket(host: str, port: int, backlog: int = BACKLOG) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise BadInput(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def make_server(app, concurrency: int = CONNECTION_LIMIT) -> uvicorn.Server:
    quiet_uvicorn_logs()
    config = uvicorn.Config(app, http=BoundedH11Protocol, loop="asyncio", lifespan="off", log_level="warning",
                            access_log=False, server_header=False, limit_concurrency=concurrency, backlog=BACKLOG,
                            timeout_keep_alive=KEEP_ALIVE_S, h11_max_incomplete_event_size=MAX_HEADER_BYTES,
                            timeout_graceful_shutdown=5)
    return uvicorn.Server(config)


class RunningServer:
    """A server on its own thread (tests and benchmarks): `.port`, `.stop()`."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = listening_socket(host, port)
        self.port = self.sock.getsockname()[1]
        self.server = make_server(app)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        fastapi_app = getattr(self.server.config.app, "fastapi", None)
        if fastapi_app is not None:
            fastapi_app.state.library.closed.set()
        self.thread.join(timeout=10)
        self.sock.close()


def serve(kb, host: str = "127.0.0.1", port: int = 8000, corpus_dir: Path | None = None,
          index_dir: Path | None = None) -> int:
    sock = listening_socket(host, port)
    app = make_app(kb, corpus_dir, index_dir)
    admin = "writing endpoints enabled" if _admin_enabled() else \
        f"read-only (set {access.TOKEN_ENV} to enable the writing endpoints)"
    print(f"PolicyKB API on http://{host}:{sock.getsockname()[1]} (OpenAPI: /docs); {admin}", file=sys.stderr)
    try:
        make_server(app).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        app.fastapi.state.library.closed.set()
        sock.close()
    return 0

