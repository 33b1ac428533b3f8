"""A small HTTP load generator on the standard library.

:func:`run` starts it as a process of its own (``python -m benchmarks.loadgen``, the
plan on its standard input, the results as JSON on its standard output) that imports
nothing but the standard library and forks one process per client, so that the load
generator costs the machine little and one client's parsing never waits on another's
for the GIL. Each client holds one keep-alive connection (http.client reopens it when
a server closes it) and sends its next request as soon as the last one is answered: a
closed loop, so the offered load is the number of clients. Clients start together at
an agreed instant; the first ``warmup`` seconds are not counted. Every loop is bounded
by a deadline and a count."""

from __future__ import annotations

import dataclasses
import http.client
import json
import multiprocessing
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None


class RequestMaker(Protocol):
    """Builds a client's i-th request."""

    def __call__(self, rng: random.Random, i: int) -> Request: ...


@dataclass(frozen=True)
class FixedRequest:
    """The same GET every time."""

    method: str
    path: str
    headers: dict[str, str]

    def __call__(self, rng: random.Random, i: int) -> Request:
        return Request(self.method, self.path, self.headers)


@dataclass(frozen=True)
class CaseBodies:
    """POST /api/v1/cases bodies like the desk's: a customer from the long tail, a kind,
    a team and one of its members as owner, a subject and a description."""

    token: str
    customer_ids: tuple[int, ...]
    teams: tuple[tuple[int, tuple[int, ...]], ...]

    def __call__(self, rng: random.Random, i: int) -> Request:
        team_id, members = self.teams[rng.randrange(len(self.teams))]
        body = {
            "customer_id": self.customer_ids[int(len(self.customer_ids) * rng.random() ** 2)],
            "kind": rng.choice(("complaint", "escalation", "cancellation", "refund")),
            "channel": rng.choice(("phone", "email", "web_form", "chat")),
            "subject": f"Benchmark case {i}: tutor missed the lesson again",
            "description": "The parent called twice; wants a call back from a manager today. "
            * rng.randint(1, 6),
            "severity": rng.choice(("low", "medium", "high")),
            "team_id": team_id,
            "owner_id": rng.choice(members),
        }
        return Request(
            "POST",
            "/api/v1/cases",
            {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            json.dumps(body).encode(),
        )


@dataclass(frozen=True)
class SignalBodies:
    """POST /api/v1/signals bodies: one signal each, a random customer and kind, a
    source id no other request carries (see benchmarks/signals.py)."""

    token: str
    customer_ids: tuple[int, ...]

    def __call__(self, rng: random.Random, i: int) -> Request:
        body = {
            "customer_id": self.customer_ids[rng.randrange(len(self.customer_ids))],
            "kind": rng.choice(("past_due", "usage_drop", "engagement_drop", "complaint")),
            "occurred_at": "2026-11-01T10:00:00+08:00",
            "source": "single",
            "source_id": f"one-{rng.getrandbits(64):016x}-{i}",
            "value": str(rng.randint(1, 90)),
        }
        return Request(
            "POST",
            "/api/v1/signals",
            {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            json.dumps(body).encode(),
        )


Maker = FixedRequest | CaseBodies | SignalBodies

MAKERS: dict[str, type[FixedRequest] | type[CaseBodies] | type[SignalBodies]] = {
    "FixedRequest": FixedRequest,
    "CaseBodies": CaseBodies,
    "SignalBodies": SignalBodies,
}


def maker_to_json(make: Maker) -> dict[str, Any]:
    return {"type": type(make).__name__, "fields": dataclasses.asdict(make)}


def maker_from_json(data: dict[str, Any]) -> Maker:
    f = data["fields"]
    if data["type"] == "FixedRequest":
        return FixedRequest(f["method"], f["path"], dict(f["headers"]))
    if data["type"] == "CaseBodies":
        teams = tuple((int(t), tuple(int(m) for m in ms)) for t, ms in f["teams"])
        return CaseBodies(f["token"], tuple(int(c) for c in f["customer_ids"]), teams)
    if data["type"] == "SignalBodies":
        return SignalBodies(f["token"], tuple(int(c) for c in f["customer_ids"]))
    raise ValueError(f"unknown request maker {data['type']!r}")


@dataclass
class Result:
    """Latencies of the counted requests, in milliseconds, and what came back."""

    latencies_ms: list[float]
    statuses: dict[int, int]
    seconds: float
    errors: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100) of the values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class _Plan:
    host: str
    port: int
    make: Maker
    seed: int
    start_at: float  # time.time() when every client begins
    count_from: float  # ... when counting begins (after the warm-up)
    stop_at: float  # ... when every client stops
    max_requests: int


def _client(plan: _Plan) -> tuple[list[float], dict[int, int], list[str]]:
    rng = random.Random(plan.seed)
    conn = http.client.HTTPConnection(plan.host, plan.port, timeout=30)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    delay = plan.start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    for i in range(plan.max_requests):
        now = time.time()
        if now >= plan.stop_at:
            break
        req = plan.make(rng, i)
        t0 = time.perf_counter_ns()
        try:
            conn.request(req.method, req.path, body=req.body, headers=req.headers)
            resp = conn.getresponse()
            payload = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            conn.close()
            if len(errors) > 20:
                break
            continue
        elapsed_ms = (time.perf_counter_ns() - t0) / 1e6
        if now >= plan.count_from:
            latencies.append(elapsed_ms)
            statuses[resp.status] += 1
            if resp.status >= 300 and len(errors) < 5:
                errors.append(f"HTTP {resp.status}: {payload[:300]!r}")
    conn.close()
    return latencies, dict(statuses), errors


def _run_here(
    *,
    host: str,
    port: int,
    make: Maker,
    clients: int,
    seconds: float,
    warmup: float,
    max_requests: int,
    seed: int,
) -> Result:
    # fork: this process holds no connections or threads, and forking is cheap.
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=clients, mp_context=ctx) as pool:
        # Keep every worker busy at once so that all are up, then start together.
        list(pool.map(time.sleep, [0.05] * clients))
        start = time.time() + 0.2
        plans = [
            _Plan(
                host,
                port,
                make,
                seed * 1000 + c,
                start,
                start + warmup,
                start + warmup + seconds,
                max_requests,
            )
            for c in range(clients)
        ]
        outcomes = list(pool.map(_client, plans))
    result = Result([], {}, seconds)
    merged: Counter[int] = Counter()
    for latencies, statuses, errors in outcomes:
        result.latencies_ms.extend(latencies)
        merged.update(statuses)
        result.errors.extend(errors)
    result.statuses = dict(merged)
    return result


def run(
    *,
    host: str,
    port: int,
    make: Maker,
    clients: int,
    seconds: float,
    warmup: float = 1.0,
    max_requests: int = 200_000,
    seed: int = 1,
) -> Result:
    """Runs ``clients`` closed-loop clients for ``warmup + seconds`` in a load
    generator process of their own and returns the requests answered in the last
    ``seconds``."""
    plan = {
        "host": host,
        "port": port,
        "make": maker_to_json(make),
        "clients": clients,
        "seconds": seconds,
        "warmup": warmup,
        "max_requests": max_requests,
        "seed": seed,
    }
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.loadgen"],
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
        timeout=warmup + seconds + 120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed:\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout)
    return Result(
        data["latencies_ms"],
        {int(k): v for k, v in data["statuses"].items()},
        data["seconds"],
        data["errors"],
    )


def main() -> None:
    plan = json.loads(sys.stdin.read())
    result = _run_here(
        host=plan["host"],
        port=plan["port"],
        make=maker_from_json(plan["make"]),
        clients=plan["clients"],
        seconds=plan["seconds"],
        warmup=plan["warmup"],
        max_requests=plan["max_requests"],
        seed=plan["seed"],
    )
    json.dump(dataclasses.asdict(result), sys.stdout)


if __name__ == "__main__":
    main()
