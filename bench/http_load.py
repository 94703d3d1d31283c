"""Load and fault benchmarks of the HTTP API against a real `policykb serve` process.

Clients are asyncio coroutines in this process, each opening a fresh connection per request (so
the accept queue is exercised, as a crowd of separate users would) and sending the next request as
soon as the previous one is answered. Every request ends in a status or a named error (reset,
refused, timeout, closed); nothing is dropped silently from the counts.

Tasks (bench/worker.py):
- http-load    N clients for S seconds: throughput, p50/p95/p99, statuses and errors
- http-slow    50 clients while 20 clients trickle a body a byte a second, 20 send a request head
               a byte a second and 200 sockets sit idle: the 50 must be served as without them
- http-change  50 clients while an administrator uploads a document: no request lost or failed,
               and the new document is served afterwards
"""
from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from .machine import load_average
from .questions import QUESTIONS

REPO = Path(__file__).resolve().parent.parent
TOKEN = "bench-administrator-token"
REQUEST_TIMEOUT_S = 120.0
NOTICE = """某县农村饮水安全巩固提升实施方案

第一章 总体目标

到2020年,全县农村集中供水率达到90%,自来水普及率达到85%,贫困村饮水安全全部达标。

第二章 主要任务

实施水源保护。划定农村饮用水水源保护区,设立保护标志。

加强水质检测。县级水质检测中心每季度对农村供水工程开展一次水质检测。
"""


# --- the server ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m cli.main serve` in its own process, on a private copy of the corpus and index."""

    def __init__(self, index: Path, corpus: Path, workdir: Path, name: str) -> None:
        self.dir = workdir / name
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.copytree(corpus, self.dir / "corpus")
        shutil.copytree(index, self.dir / "index")
        self.port = free_port()
        env = {**os.environ, "POLICYKB_ADMIN_TOKEN": TOKEN, "PYTHONPATH": str(REPO)}
        self.log = open(self.dir / "server.log", "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "cli.main", "--index", str(self.dir / "index"), "--corpus",
                                      str(self.dir / "corpus"), "serve", "--port", str(self.port)],
                                     cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {(self.dir / 'server.log').read_text()[-500:]}")
            status, _, _ = asyncio.run(request(self.port, "GET", "/health", timeout=5))
            if status == 200:
                return
            time.sleep(0.5)
        raise RuntimeError("the server did not start in 300 s")

    def threads(self) -> int | None:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("Threads:"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    def rss_mb(self) -> float | None:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            return None
        return None

    def stop(self) -> str:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        return (self.dir / "server.log").read_text(encoding="utf-8", errors="replace")


# --- one request ---------------------------------------------------------------------------
async def request(port: int, method: str, path: str, body: bytes = b"", headers: dict | None = None,
                  timeout: float = REQUEST_TIMEOUT_S) -> tuple[int | None, str | None, bytes]:
    """(status, error, body): a status when an answer came, else the kind of failure."""
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}", "Connection: close"]
            head += [f"{k}: {v}" for k, v in (headers or {}).items()]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            await writer.drain()
            status_line = await reader.readline()
            if not status_line:
                return None, "closed", b""
            status = int(status_line.split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            payload = await reader.readexactly(length) if method != "HEAD" else b""
            return status, None, payload
    except TimeoutError:
        return None, "timeout", b""
    except ConnectionResetError:
        return None, "reset", b""
    except ConnectionRefusedError:
        return None, "refused", b""
    except asyncio.IncompleteReadError:
        return None, "closed", b""
    except OSError as exc:
        return None, type(exc).__name__, b""
    finally:
        if writer is not None:
            writer.close()


def request_mix(seed: int = 13):
    """80% questions (the benchmark's 50, shuffled), 10% /health, 10% a clause."""
    rng = random.Random(seed)
    questions = itertools.cycle(rng.sample(QUESTIONS, len(QUESTIONS)))
    while True:
        roll = rng.random()
        if roll < 0.8:
            yield "POST", "/ask", json.dumps({"question": next(questions), "top_k": 5}, ensure_ascii=False).encode()
        elif roll < 0.9:
            yield "GET", "/health", b""
        else:
            yield "GET", "/clauses/lnfp13/ch06/s02/p02", b""


class Tally:
    def __init__(self) -> None:
        self.statuses: Counter = Counter()
        self.errors: Counter = Counter()
        self.latencies_ms: list[float] = []
        self.times: list[float] = []  # when each answer arrived (monotonic)

    def add(self, status, error, ms: float) -> None:
        if status is not None:
            self.statuses[status] += 1
            self.latencies_ms.append(ms)
            self.times.append(time.monotonic())
        else:
            self.errors[error] += 1

    def summary(self, seconds: float) -> dict:
        import numpy as np

        lat = np.asarray(self.latencies_ms or [0.0])
        ok = self.statuses.get(200, 0)
        return {"requests": sum(self.statuses.values()) + sum(self.errors.values()), "ok": ok,
                "throughput_rps": round(ok / seconds, 1) if seconds else None,
                "latency_ms": {p: round(float(np.percentile(lat, q)), 1) for p, q in (("p50", 50), ("p95", 95), ("p99", 99))}
                | {"max": round(float(lat.max()), 1)},
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "errors": dict(sorted(self.errors.items()))}


async def _clients(port: int, clients: int, seconds: float, tally: Tally, keep_going=lambda: False) -> float:
    """Run `clients` clients for `seconds` (and for as long as keep_going() says); the wall time."""
    mix = request_mix()
    stop_at = time.monotonic() + seconds

    async def client():
        while time.monotonic() < stop_at or keep_going():
            method, path, body = next(mix)
            started = time.perf_counter()
            status, error, _ = await request(port, method, path, body)
            tally.add(status, error, (time.perf_counter() - started) * 1000)

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.monotonic() - started


def _warm(port: int) -> None:
    async def warm():
        for method, path, body in itertools.islice(request_mix(99), 10):
            await request(port, method, path, body)
    asyncio.run(warm())


def _machine() -> dict:
    return {"loadavg": load_average(), "cores": os.cpu_count()}


# --- tasks ---------------------------------------------------------------------------------
def task_http_load(index: Path, corpus: Path, workdir: Path, clients: int, seconds: float) -> dict:
    server = Server(index, corpus, workdir, f"http-load-{clients}")
    try:
        _warm(server.port)
        before = _machine()
        tally = Tally()
        wall = asyncio.run(_clients(server.port, clients, seconds, tally))
        result = {"clients": clients, "seconds": round(wall, 1), **tally.summary(wall), "machine_before": before,
                  "machine_after": _machine(), "server_threads": server.threads(), "server_peak_rss_mb": server.rss_mb()}
    finally:
        result_log = server.stop()
    result["server_log_lines"] = _log_lines(result_log)
    return result


def _log_lines(log: str) -> int:
    return sum(1 for line in log.splitlines() if line.strip() and not line.startswith(("PolicyKB API on", "writing", "embedding", "segmenting")))


async def _trickle(port: int, first: bytes, then: bytes, outcomes: Counter, stop_at: float) -> None:
    """Send `first`, then `then` a byte a second until the server answers or closes, or time is up;
    count the outcome with the seconds it took ("answered 408 after 30 s")."""
    started = time.monotonic()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as exc:
        outcomes[f"connect failed ({type(exc).__name__})"] += 1
        return
    outcome = "still open at the end"
    try:
        writer.write(first)
        for i in range(len(then)):
            if time.monotonic() >= stop_at:
                break
            try:
                line = await asyncio.wait_for(reader.readline(), timeout=1.0)  # an answer, or a second's wait
            except (TimeoutError, asyncio.TimeoutError):
                writer.write(then[i:i + 1])
                await writer.drain()
                continue
            outcome = f"answered {line.split(b' ')[1].decode()}" if line else "closed without an answer"
            break
    except (OSError, IndexError):
        outcome = "reset"
    finally:
        writer.close()
    if outcome != "still open at the end":
        outcome += f" after {round(time.monotonic() - started):d} s"
    outcomes[outcome] += 1


def _slow_body(port: int, outcomes: Counter, stop_at: float):
    head = b"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"
    return _trickle(port, head, b" " * 4999, outcomes, stop_at)


def _slow_head(port: int, outcomes: Counter, stop_at: float):
    head = b"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Pad: " + b"a" * 1000
    return _trickle(port, b"P", head[1:], outcomes, stop_at)


async def _idle(port: int, outcomes: Counter, stop_at: float) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        data = await asyncio.wait_for(reader.read(), timeout=max(0.1, stop_at - time.monotonic()))
        outcomes["closed by the server" if not data else "answered"] += 1
        writer.close()
    except (TimeoutError, asyncio.TimeoutError):
        outcomes["still open at the end"] += 1
    except OSError as exc:
        outcomes[type(exc).__name__] += 1


def task_http_slow(index: Path, corpus: Path, workdir: Path, clients: int, seconds: float) -> dict:
    server = Server(index, corpus, workdir, "http-slow")
    try:
        _warm(server.port)
        threads_before = server.threads()
        before = _machine()
        tally = Tally()
        bodies, heads, idle = Counter(), Counter(), Counter()

        async def run():
            stop_at = time.monotonic() + seconds + 15
            bad = [asyncio.create_task(_slow_body(server.port, bodies, stop_at)) for _ in range(20)]
            bad += [asyncio.create_task(_slow_head(server.port, heads, stop_at)) for _ in range(20)]
            bad += [asyncio.create_task(_idle(server.port, idle, stop_at)) for _ in range(200)]
            await asyncio.sleep(1.0)  # all of them connected and holding on
            threads = server.threads()
            wall = await _clients(server.port, clients, seconds, tally)
            await asyncio.gather(*bad)
            return wall, threads

        wall, threads_during = asyncio.run(run())
        result = {"clients": clients, "seconds": round(wall, 1), **tally.summary(wall),
                  "slow_bodies": dict(bodies), "slow_heads": dict(heads), "idle_sockets": dict(idle),
                  "server_threads_before": threads_before, "server_threads_during": threads_during,
                  "machine_before": before, "machine_after": _machine()}
    finally:
        log = server.stop()
    result["server_log_lines"] = _log_lines(log)
    return result


def task_http_change(index: Path, corpus: Path, workdir: Path, clients: int, seconds: float) -> dict:
    server = Server(index, corpus, workdir, "http-change")
    try:
        _warm(server.port)
        before = _machine()
        tally = Tally()
        change: dict = {}

        async def add_document():
            await asyncio.sleep(5.0)
            started = time.monotonic()
            change["started"] = started
            status, error, body = await request(server.port, "POST", "/documents?filename=bench-notice.txt",
                                                NOTICE.encode("utf-8"), {"Authorization": f"Bearer {TOKEN}",
                                                                         "Content-Type": "application/octet-stream"},
                                                timeout=600)
            change.update(status=status, error=error, seconds=round(time.monotonic() - started, 1),
                          answer=json.loads(body) if body else None, finished=time.monotonic())

        async def run():
            adding = asyncio.create_task(add_document())
            # the load goes on until 5 s after the change has finished, however long it takes
            wall = await _clients(server.port, clients, seconds, tally,
                                  keep_going=lambda: time.monotonic() < change.get("finished", float("inf")) + 5)
            await adding
            return wall

        wall = asyncio.run(run())
        status, _, body = asyncio.run(request(server.port, "GET", "/documents"))
        documents = [d["doc_id"] for d in json.loads(body)["documents"]] if status == 200 else []
        during = sum(1 for t in tally.times if change.get("started", 0) <= t <= change.get("finished", 0))
        result = {"clients": clients, "seconds": round(wall, 1), **tally.summary(wall),
                  "change": {k: v for k, v in change.items() if k not in ("started", "finished")},
                  "served_during_change": during, "documents_after": documents,
                  "machine_before": before, "machine_after": _machine()}
    finally:
        log = server.stop()
    result["server_log_lines"] = _log_lines(log)
    return result
