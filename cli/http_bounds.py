"""Bounds on what one HTTP client can hold: request heads and bodies in time and size.

- `BoundedH11Protocol` (uvicorn's h11 protocol): a request head must arrive complete within
  `HEAD_TIMEOUT_S` of the connection opening or of the previous response; a malformed request
  (Content-Length: -1, a bad request line, oversized headers) gets a 400 with a JSON body.
- `BodyBounds` (ASGI middleware): a declared body over the route's limit is refused (413) before a
  byte of it is read; a body is counted as it arrives and cut off at the limit; a body that stalls
  (no byte for `idle_s`) or trickles past `total_s` is answered 408. Each of those responses closes
  the connection. The JSON endpoints read their body as JSON whatever the Content-Type says, as
  the earlier server did (`curl -d` sends a form type).

Bodies are read on the event loop, never on a worker thread, so a slow client holds a socket and
a little memory, not a thread or a lock.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass

import h11
from starlette.exceptions import HTTPException
from uvicorn.protocols.http.h11_impl import H11Protocol

HEAD_TIMEOUT_S = 10.0
CLOSE = {"Connection": "close"}


@dataclass(frozen=True)
class Limits:
    json_bytes: int = 64 * 1024  # a question or a profile
    upload_bytes: int = 20 * 1024 * 1024  # a document (indexer.load.MAX_DOCUMENT_BYTES)
    idle_s: float = 10.0  # longest wait for the next piece of a body
    total_s: float = 30.0  # longest time to receive a JSON body
    upload_total_s: float = 300.0  # longest time to receive an upload
    header_bytes: int = 16 * 1024  # all request headers together


def json_bytes(status: int, message: str) -> bytes:
    return json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")


class BoundedH11Protocol(H11Protocol):
    head_timeout_s = HEAD_TIMEOUT_S

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_timed_out)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._rearm_head_timer()

    def _rearm_head_timer(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_timed_out)

    def connection_lost(self, exc) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
        super().connection_lost(exc)

    def _head_timed_out(self) -> None:
        """No complete request head in time: an idle keep-alive socket or a slowloris one; close it."""
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self.conn.our_state is h11.IDLE and self.conn.trailing_data[0]:  # part of a head arrived
            self._write_raw(408, "the request head was not received in time")
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        self._write_raw(400, "malformed HTTP request (request line, headers or Content-Length)")
        self.transport.close()

    def _write_raw(self, status: int, message: str) -> None:
        body = json_bytes(status, message)
        reason = {400: b"Bad Request", 408: b"Request Timeout"}[status]
        self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: application/json; charset=utf-8\r\n"
                             b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (status, reason, len(body), body))


class _QuietInvalidRequests(logging.Filter):
    """A malformed request is the client's problem, answered 400; it is not worth a log line each."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Invalid HTTP request received")


def quiet_uvicorn_logs() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietInvalidRequests) for f in logger.filters):
        logger.addFilter(_QuietInvalidRequests())


class BodyBounds:
    def __init__(self, app, limits: Limits, upload_routes: set[tuple[str, str]], json_routes: set[tuple[str, str]]):
        self.app = app
        self.limits = limits
        self.upload_routes = upload_routes
        self.json_routes = json_routes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        route = (scope["method"], scope["path"])
        upload = route in self.upload_routes
        limit = self.limits.upload_bytes if upload else self.limits.json_bytes
        total_s = self.limits.upload_total_s if upload else self.limits.total_s
        if sum(len(k) + len(v) + 4 for k, v in scope["headers"]) > self.limits.header_bytes:
            return await _reply(send, 431, f"the request headers are over {self.limits.header_bytes} bytes")
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and int(declared) > limit:  # h11 has checked it is a number
            return await _reply(send, 413, f"the body is {int(declared)} bytes; at most {limit} are accepted here")
        if route in self.json_routes:
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"content-type"]
                     + [(b"content-type", b"application/json")]}
        deadline = time.monotonic() + total_s
        received = 0

        async def bounded_receive():
            nonlocal received
            left = deadline - time.monotonic()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(0.0, min(left, self.limits.idle_s)))
            except (asyncio.TimeoutError, TimeoutError):
                raise HTTPException(408, "the request body was not received in time", headers=CLOSE) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, f"the body is over {limit} bytes, the most accepted here", headers=CLOSE)
            return message

        return await self.app(scope, bounded_receive, send)


async def _reply(send, status: int, message: str) -> None:
    body = json_bytes(status, message)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
