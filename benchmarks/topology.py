"""The distributed topology under load, with failures (issue: scheduled jobs and running
it for real).

`scripts/topology` starts PostgreSQL, an OpenSearch node, two gunicorn app instances and
two schedulers. Then, in the same run:

1. single process: one `registry serve` (waitress, 8 threads) on the same database and
   node, the same clients for ``--single-seconds``: the baseline;
2. the topology: ``--clients`` concurrent clients for ``--seconds``, half on each app
   instance, a mix of searches, list reads, page reads and writes by several
   departments; at 1/3 of the run one app instance is killed (SIGKILL to its master and
   workers) and its clients move to the other (what a load balancer does); at 1/2 the
   scheduler leader is killed.

Reported: requests and p50/p95 per kind, errors (apart from the killed instance's
in-flight requests, which are counted on their own), and the checks that nothing was
lost: every acknowledged write is in the database, the audit chain verifies, the search
index matches the catalog once the surviving scheduler has drained the outbox, and the
standby scheduler leads.

    python benchmarks/topology.py [--clients 200] [--seconds 60] [--dir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote, urlsplit

from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import catalog_entry, pct  # noqa: E402
from registry.models import Department, Resource, SchedulerLease  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
QUERIES = ["人口", "企业", "社会保险", "不动产", "营业执照", "学籍", "医疗", "公积金"]
MIX = (("search", 40), ("list", 25), ("page", 20), ("write", 15))
EDITORS = 6


def registry(env: dict, *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "-m", "registry.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"registry {' '.join(args)}: {done.stdout}{done.stderr}")
    return done.stdout


class Load:
    """Clients in threads; each keeps one keep-alive connection to its instance."""

    def __init__(self, targets: list[str], tokens: list[tuple[str, str]], ids: list[int]):
        self.targets, self.tokens, self.ids = targets, tokens, ids
        self.dead: set[str] = set()
        self.killed_at: dict[str, float] = {}
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.killed_in_flight = 0
        self.failovers = 0
        self.acked: list[int] = []
        self.stop = threading.Event()

    def kill_instance(self, url: str) -> None:
        with self.lock:
            self.dead.add(url)
            self.killed_at[url] = time.monotonic()

    def client(self, n: int) -> None:
        rng = random.Random(n)
        target = self.targets[n % len(self.targets)]
        conn = None
        token_dept = self.tokens[n % len(self.tokens)]
        kinds = [k for k, w in MIX for _ in range(w)]
        while not self.stop.is_set():
            if target in self.dead:  # the load balancer takes it out of rotation
                target = next(t for t in self.targets if t not in self.dead)
                conn = None
                with self.lock:
                    self.failovers += 1
            if conn is None:
                host = urlsplit(target)
                conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
            kind = rng.choice(kinds)
            method, path, body, headers = self.request(kind, rng, token_dept)
            started = time.monotonic()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = None
                with self.lock:
                    if target in self.dead and started <= self.killed_at[target] + 1:
                        self.killed_in_flight += 1  # in flight on the killed instance
                    else:
                        self.errors.append(f"{kind} {target}: {type(exc).__name__}: {exc}")
                continue
            elapsed = time.monotonic() - started
            with self.lock:
                if status >= 500 or (kind == "write" and status != 201) or status >= 400:
                    self.errors.append(f"{kind} {status}: {data[:200]!r}")
                else:
                    self.times[kind].append(elapsed)
                    if kind == "write":
                        self.acked.append(json.loads(data)["id"])

    def request(self, kind: str, rng: random.Random, token_dept: tuple[str, str]):
        token, dept_code = token_dept
        auth = {"Authorization": f"Bearer {token}"}
        if kind == "search":
            q = quote(rng.choice(QUERIES))
            return "GET", f"/api/v1/search?q={q}&limit=20", None, {}
        if kind == "list":
            return "GET", "/api/v1/resources?page_size=50&sort=-updated_at", None, auth
        if kind == "page":
            return "GET", f"/resources/{rng.choice(self.ids)}", None, {}
        entry = catalog_entry(
            f"负载测试登记的资源{rng.randrange(10**9)}", items=5, provider_code=dept_code
        )
        body = json.dumps(entry, ensure_ascii=False).encode()
        return "POST", "/api/v1/resources", body, {**auth, "Content-Type": "application/json"}

    def run(self, clients: int, seconds: float, events=()) -> float:
        threads = [threading.Thread(target=self.client, args=(n,)) for n in range(clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for at, action in sorted(events, key=lambda e: e[0]):
            time.sleep(max(0, started + at - time.monotonic()))
            action()
        time.sleep(max(0, started + seconds - time.monotonic()))
        self.stop.set()
        for t in threads:
            t.join()
        return time.monotonic() - started

    def report(self, elapsed: float) -> dict:
        kinds = {
            kind: {
                "requests": len(v),
                "p50_ms": pct(v, 50, digits=1),
                "p95_ms": pct(v, 95, digits=1),
            }
            for kind, v in sorted(self.times.items())
            if v
        }
        total = sum(len(v) for v in self.times.values())
        return {
            "seconds": round(elapsed, 1),
            "requests": total,
            "requests_per_s": round(total / elapsed, 1),
            "kinds": kinds,
            "errors": len(self.errors),
            "error_samples": self.errors[:5],
            "killed_instance_in_flight": self.killed_in_flight,
            "failovers": self.failovers,
            "acknowledged_writes": len(self.acked),
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--single-seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--keep", action="store_true", help="leave the topology running")
    args = parser.parse_args()
    dir = (args.dir or Path(tempfile.mkdtemp(prefix="registry-topology-"))).resolve()
    topo_script = str(ROOT / "scripts" / "topology")
    subprocess.run(
        [topo_script, "start", str(dir), "--workers", str(args.workers)],
        check=True,
        capture_output=True,
    )
    topology = json.loads((dir / "topology.json").read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update(
        REGISTRY_INSTANCE_PATH=topology["instance"],
        REGISTRY_DATABASE_URL=topology["database_url"],
        REGISTRY_SEARCH_URL=topology["search_url"],
        REGISTRY_LOG_LEVEL="WARNING",
    )
    engine = create_engine(topology["database_url"])
    report: dict = {"clients": args.clients, "workers_per_instance": args.workers}
    single = None
    try:
        with engine.connect() as c:
            depts = c.execute(
                select(Department.id, Department.code).order_by(Department.id).limit(EDITORS)
            ).all()
            # Pages read anonymously: the entries open to the public.
            ids = list(
                c.scalars(
                    select(Resource.id).where(
                        Resource.status == "published", Resource.open_type != "不予开放"
                    )
                )
            )
        tokens = []
        for n, (_dept_id, code) in enumerate(depts):
            name = f"load-editor-{n}"
            registry(env, "user", "add", name, "--role", "dept_editor", "--department", code)
            tokens.append((registry(env, "token", "issue", name).strip().split()[-1], code))

        # 1. The single-process baseline on the same database and node.
        port = 8090 + random.randrange(100)
        with open(dir / "single.log", "w") as log:
            single = subprocess.Popen(
                [PYTHON, "-m", "registry.cli", "serve", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait(f"http://127.0.0.1:{port}")
        load = Load([f"http://127.0.0.1:{port}"], tokens, ids)
        report["single_process"] = load.report(load.run(args.clients, args.single_seconds))
        os.killpg(single.pid, signal.SIGTERM)
        single.wait()
        single_acked = load.acked

        # 2. The topology, with an app instance and the scheduler leader killed.
        apps = [a["url"] for a in topology["apps"]]
        load = Load(apps, tokens, ids)
        victim = topology["apps"][0]

        def kill_app() -> None:
            load.kill_instance(victim["url"])
            os.killpg(victim["pid"], signal.SIGKILL)

        killed_leader: dict = {}

        def kill_leader() -> None:
            with engine.connect() as c:
                holder = c.scalar(select(SchedulerLease.holder))
            pid = int(holder.rsplit(":", 1)[1])
            killed_leader.update(holder=holder, at=time.monotonic(), wall=time.time())
            os.killpg(os.getpgid(pid), signal.SIGKILL)

        elapsed = load.run(
            args.clients,
            args.seconds,
            events=[(args.seconds / 3, kill_app), (args.seconds / 2, kill_leader)],
        )
        report["topology"] = load.report(elapsed)
        report["checks"] = _checks(engine, env, single_acked + load.acked, killed_leader)
    finally:
        if single is not None and single.poll() is None:
            os.killpg(single.pid, signal.SIGKILL)
        engine.dispose()
        if not args.keep:
            subprocess.run([topo_script, "stop", str(dir)], capture_output=True)
    print(json.dumps(report, ensure_ascii=False, indent=1))


def _wait(url: str) -> None:
    import urllib.request

    for _ in range(240):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not start")


def _checks(engine, env: dict, acked: list[int], killed_leader: dict) -> dict:
    """Nothing lost: acknowledged writes stored, the chain whole, the index in line."""
    with engine.connect() as c:
        stored = c.scalar(select(func.count()).select_from(Resource).where(Resource.id.in_(acked)))
    # The standby leads and its drain job empties the outbox.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with engine.connect() as c:
            holder = c.scalar(select(SchedulerLease.holder))
            pending = c.scalar(text("SELECT count(*) FROM search_outbox WHERE resource_id > 0"))
        if holder != killed_leader.get("holder") and pending == 0:
            break
        time.sleep(1)
    takeover = None
    with engine.connect() as c:  # jobs started after the kill (by the new leader)
        since = c.execute(text("SELECT name, last_started_at FROM job_states ORDER BY name")).all()
    ran_after_kill = sorted(
        name
        for name, started in since
        if started is not None and started.timestamp() > killed_leader.get("wall", 0)
    )
    audit = subprocess.run(
        [PYTHON, "-m", "registry.cli", "audit", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    search = subprocess.run(
        [PYTHON, "-m", "registry.cli", "search", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if killed_leader:
        takeover = round(time.monotonic() - killed_leader["at"], 1)
    return {
        "acknowledged_writes": len(acked),
        "stored": stored,
        "lost_writes": len(acked) - stored,
        "audit_chain": audit.stdout.strip() or audit.stderr.strip(),
        "audit_ok": audit.returncode == 0,
        "search_check": search.stdout.strip().splitlines()[0] if search.stdout else search.stderr,
        "search_ok": search.returncode == 0,
        "leader_after": holder,
        "leader_changed": holder != killed_leader.get("holder"),
        "outbox_pending": pending,
        "seconds_until_checked": takeover,
        "jobs_started_after_the_leader_was_killed": ran_after_kill,
    }


if __name__ == "__main__":
    main()
