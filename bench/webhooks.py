#!/usr/bin/env python3
"""Webhook benchmark (issue 17): what an enabled endpoint costs the requests
that emit events, and how many events a second the delivery workers post.

Starts a fresh server on SQLite (or BENCH_DATABASE=postgres: a throw-away
cluster from scripts/pg.sh) with --webhooks-allow-private-addresses and a
receiver on loopback (a threaded HTTP server answering 200 and counting),
then alternates, ROUNDS times:
  - wrk bench/user_update.lua (PATCH /users/me, one user.updated each) and
    bench/sign_up.lua (user.created + team.created + team_membership.created)
    with the project's endpoint disabled, then enabled;
and prints

    user_update_without_endpoint rps   (mean of the rounds)
    user_update_with_endpoint    rps
    user_update_cost_pct         P
    user_update_server_cpu_us    without with   (the server's CPU time a
                                 request, the deliveries it caused included)
    sign_up_without_endpoint ... sign_up_cost_pct ...
    delivered N events in S s: events_per_s E

"Without" has no endpoint at all (a change then writes no message).
events_per_s: one more user_update run with the endpoint fills the outbox
faster than it drains; the events delivered from the start of that run to
the last delivery, over that time (the receiver answers in well under a
millisecond, so the delivery workers are the bound).

Usage: bench/webhooks.py [LATCHKEY_BIN]   (default build/latchkey)
Environment: DURATION (wrk seconds per run, 5), ROUNDS (2), C (connections,
32), WORKERS (--webhook-workers, the server's default 2), RECEIVER (python,
the default, or nginx: Debian's nginx answering instead, much cheaper).
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
KEYS = {
    "STACK_SEED_INTERNAL_PROJECT_PUBLISHABLE_CLIENT_KEY": "pck_webhook_bench_client_key",
    "STACK_SEED_INTERNAL_PROJECT_SECRET_SERVER_KEY": "ssk_webhook_bench_server_key",
    "STACK_SEED_INTERNAL_PROJECT_SUPER_SECRET_ADMIN_KEY": "sak_webhook_bench_admin_key",
}
LIMITS = ["sign-in-failures-per-account", "sign-in-failures-per-account-ip",
          "totp-failures-per-user", "emails-per-address", "sign-ups-per-ip", "code-sends-per-ip"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """Answers every POST 200 and keeps the time of each (a thread per
    connection: it takes a good share of a core at a few thousand a second,
    on the cores the server runs on)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        lock = threading.Lock()
        times = self.times

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 (http.server's naming)
                self.rfile.read(int(self.headers.get("content-length", 0)))
                with lock:
                    times.append(time.time())
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def count(self) -> int:
        return len(self.times)

    def last_at(self) -> float:
        return self.times[-1]

    def stop(self) -> None:
        self.server.shutdown()


class NginxReceiver:
    """The same answers from Debian's nginx (one worker, one access-log line
    a POST with its time): the receiver's own cost then hardly counts
    against the server's on a machine with few cores."""

    def __init__(self, work: str) -> None:
        self.dir = Path(work) / "nginx"
        (self.dir / "logs").mkdir(parents=True)
        port = free_port()
        (self.dir / "nginx.conf").write_text(f"""
pid nginx.pid;
error_log logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format at '$msec';
    access_log logs/access.log at;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200; }}
    }}
}}
""")
        subprocess.run(["nginx", "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"),
                        "-g", "worker_processes 1;"], check=True)
        self.url = f"http://127.0.0.1:{port}/hook"

    def _lines(self) -> list[str]:
        path = self.dir / "logs" / "access.log"
        return path.read_text().split() if path.exists() else []

    def count(self) -> int:
        return len(self._lines())

    def last_at(self) -> float:
        return float(self._lines()[-1])

    def stop(self) -> None:
        subprocess.run(["nginx", "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"),
                        "-s", "quit"], check=False)


def cpu_seconds(pid: int) -> float:
    """A process's user + system CPU time so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(scenario: str, base_url: str, env: dict) -> tuple[float, int]:
    """(requests a second, requests)."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{os.environ.get('C', '32')}", f"-d{os.environ.get('DURATION', '5')}s",
         "--latency", "-s", str(REPO / "bench" / f"{scenario}.lua"), base_url],
        env=env, capture_output=True, text=True, timeout=600, check=True).stdout
    m = re.search(r"^RESULT \S+ ([\d.]+) .* requests=(\d+) non2xx=(\d+) sockerr=(\d+)", out,
                  re.M)
    assert m, out
    assert m.group(3) == "0" and m.group(4) == "0", f"{scenario}: errors during the run: {out}"
    return float(m.group(1)), int(m.group(2))


def main() -> int:
    binary = Path(sys.argv[1] if len(sys.argv) > 1 else REPO / "build" / "latchkey").resolve()
    rounds = int(os.environ.get("ROUNDS", "2"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("STACK_")}
    env.update(KEYS)
    env.update({"STACK_SEED_INTERNAL_PROJECT_SIGN_UP_ENABLED": "true",
                "STACK_SEED_INTERNAL_PROJECT_ALLOW_LOCALHOST": "true",
                "NEXT_PUBLIC_STACK_API_URL": base})
    with tempfile.TemporaryDirectory(prefix="webhook-bench-") as work:
        receiver = NginxReceiver(work) if os.environ.get("RECEIVER") == "nginx" else Receiver()
        pg_env = dict(env, LATCHKEY_PG_DIR=f"{work}/pg")
        if os.environ.get("BENCH_DATABASE", "sqlite") == "postgres":
            os.chmod(work, 0o755)
            database = subprocess.run(["bash", str(REPO / "scripts" / "pg.sh"), "start"],
                                      env=pg_env, capture_output=True, text=True,
                                      check=True).stdout.strip() + "?sslmode=disable"
        else:
            database = f"{work}/bench.db"
        args = [str(binary), "serve", "--host", "127.0.0.1", "--port", str(port), "--database",
                database, "--log-level", "warn", "--webhooks-allow-private-addresses"]
        if os.environ.get("WORKERS"):
            args += ["--webhook-workers", os.environ["WORKERS"]]
        for limit in LIMITS:
            args += [f"--limit-{limit}", "0"]
        server = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                                  stderr=open(f"{work}/server.log", "w"))
        try:
            return run(base, env, receiver, rounds, server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
            receiver.stop()
            if database.startswith("postgresql://"):
                subprocess.run(["bash", str(REPO / "scripts" / "pg.sh"), "stop"], env=pg_env,
                               capture_output=True)


def run(base: str, env: dict, receiver: Receiver | NginxReceiver, rounds: int,
        server_pid: int) -> int:
    http = requests.Session()
    http.trust_env = False
    for _ in range(300):
        try:
            if http.get(f"{base}/health", timeout=1).ok:
                break
        except requests.RequestException:
            pass
        time.sleep(0.1)
    h = {"x-stack-project-id": "internal"}
    client = dict(h, **{"x-stack-access-type": "client", "x-stack-publishable-client-key":
                        KEYS["STACK_SEED_INTERNAL_PROJECT_PUBLISHABLE_CLIENT_KEY"]})
    admin = dict(h, **{"x-stack-access-type": "admin", "x-stack-super-secret-admin-key":
                       KEYS["STACK_SEED_INTERNAL_PROJECT_SUPER_SECRET_ADMIN_KEY"]})
    r = http.post(f"{base}/api/v1/auth/password/sign-up", headers=client, json={
        "email": "webhook-bench@example.com", "password": "bench-password-1",
        "verification_callback_url": "http://localhost:3000/verify"})
    r.raise_for_status()
    token = http.post(f"{base}/api/v1/webhooks/svix-token", headers=admin, json={})
    token.raise_for_status()
    svix = {"authorization": f"Bearer {token.json()['token']}"}
    endpoints = f"{base}/svix/api/v1/app/internal/endpoint"
    endpoint_id = None

    def set_endpoint(present: bool) -> None:
        # "Without" is no endpoint at all: then a change writes no message.
        nonlocal endpoint_id
        if present and endpoint_id is None:
            r = http.post(endpoints, headers=svix, json={"url": receiver.url})
            r.raise_for_status()
            endpoint_id = r.json()["id"]
        elif not present and endpoint_id is not None:
            http.delete(f"{endpoints}/{endpoint_id}", headers=svix).raise_for_status()
            endpoint_id = None

    def drained() -> None:
        # Until no delivery came for 2 s.
        last = -1
        while receiver.count() != last:
            last = receiver.count()
            time.sleep(2)

    wrk_env = dict(env, BENCH_DIR=str(REPO / "bench"), BENCH_PROJECT_ID="internal",
                   BENCH_CLIENT_KEY=KEYS["STACK_SEED_INTERNAL_PROJECT_PUBLISHABLE_CLIENT_KEY"],
                   BENCH_ACCESS_TOKEN=r.json()["access_token"])
    figures: dict[str, list[float]] = {}
    for i in range(rounds):
        for scenario in ("user_update", "sign_up"):
            for with_endpoint in (False, True):
                set_endpoint(with_endpoint)
                wrk_env["BENCH_RUN_ID"] = f"{i}{int(with_endpoint)}{time.time_ns()}"
                cpu = cpu_seconds(server_pid)
                rps, requests_made = wrk(scenario, base, wrk_env)
                # The server's CPU a request, its deliveries included: those
                # that drain after the run are counted until drained().
                drained()
                cpu_us = (cpu_seconds(server_pid) - cpu) * 1e6 / requests_made
                name = f"{scenario}_{'with' if with_endpoint else 'without'}_endpoint"
                figures.setdefault(name, []).append(rps)
                figures.setdefault(f"{name}_cpu", []).append(cpu_us)
                print(f"# round {i + 1} {name} {rps:.1f} ({cpu_us:.0f} us server CPU a request)",
                      file=sys.stderr)
    for scenario in ("user_update", "sign_up"):
        without = sum(figures[f"{scenario}_without_endpoint"]) / rounds
        with_ = sum(figures[f"{scenario}_with_endpoint"]) / rounds
        print(f"{scenario}_without_endpoint {without:.1f}")
        print(f"{scenario}_with_endpoint {with_:.1f}")
        print(f"{scenario}_cost_pct {100 * (without - with_) / without:.1f}")
        cpu_without = sum(figures[f"{scenario}_without_endpoint_cpu"]) / rounds
        cpu_with = sum(figures[f"{scenario}_with_endpoint_cpu"]) / rounds
        print(f"{scenario}_server_cpu_us {cpu_without:.0f} {cpu_with:.0f}")
    # Delivery rate: user updates for DURATION fill the outbox faster than
    # it drains; from the first update to the last delivery.
    set_endpoint(True)
    before = receiver.count()
    started = time.time()
    wrk_env["BENCH_RUN_ID"] = f"drain{time.time_ns()}"
    wrk("user_update", base, wrk_env)
    drained()
    delivered = receiver.count() - before
    span = receiver.last_at() - started
    print(f"delivered {delivered} events in {span:.1f} s: events_per_s {delivered / span:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
