#!/usr/bin/env python3
"""Times POST /auth/password/send-reset-code for an address with an account
and one without, alternately, against a fresh server delivering to a local
SMTP sink (aiosmtpd) that takes SMTP_DELAY_MS per message, and prints

    reset_known    n median_ms p90_ms
    reset_unknown  n median_ms p90_ms
    difference_of_medians_ms D

Issue 19: the two must not be told apart by their timing. Usage:
    bench/reset_timing.py [LATCHKEY_BIN] [ROUNDS]   (default build/latchkey, 15)
Environment: SMTP_DELAY_MS (default 200: a mail server slower than usual).
"""
from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
from aiosmtpd.controller import Controller

KEYS = {
    "STACK_SEED_INTERNAL_PROJECT_PUBLISHABLE_CLIENT_KEY": "pck_reset_timing_client_key",
    "STACK_SEED_INTERNAL_PROJECT_SECRET_SERVER_KEY": "ssk_reset_timing_server_key",
    "STACK_SEED_INTERNAL_PROJECT_SUPER_SECRET_ADMIN_KEY": "sak_reset_timing_admin_key",
}
CALLBACK = "http://localhost:3000/handler/password-reset"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlowSink:
    def __init__(self, delay_s: float):
        self.delay_s = delay_s
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay_s)
        self.count += 1
        return "250 OK"


def main() -> int:
    binary = Path(sys.argv[1] if len(sys.argv) > 1 else "build/latchkey").resolve()
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    delay_ms = int(os.environ.get("SMTP_DELAY_MS", "200"))
    sink = SlowSink(delay_ms / 1000)
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    env = {k: v for k, v in os.environ.items() if not k.startswith("STACK_")}
    env.update(KEYS)
    env.update({
        "STACK_SEED_INTERNAL_PROJECT_SIGN_UP_ENABLED": "true",
        "STACK_SEED_INTERNAL_PROJECT_ALLOW_LOCALHOST": "true",
        "STACK_EMAIL_HOST": "127.0.0.1", "STACK_EMAIL_PORT": str(smtp_port),
        "STACK_EMAIL_USERNAME": "u", "STACK_EMAIL_PASSWORD": "p",
        "STACK_EMAIL_SENDER": "noreply@example.com",
    })
    with tempfile.TemporaryDirectory() as work:
        server = subprocess.Popen(
            [str(binary), "serve", "--host", "127.0.0.1", "--port", str(port), "--database",
             f"{work}/latchkey.db", "--log-level", "warn",
             # Measured: the answer's timing, not the throttle.
             "--limit-emails-per-address", "0", "--limit-code-sends-per-ip", "0"],
            env=env, stdout=subprocess.DEVNULL, stderr=open(f"{work}/server.log", "w"))
        try:
            headers = {"x-stack-access-type": "client", "x-stack-project-id": "internal",
                       "x-stack-publishable-client-key": KEYS["STACK_SEED_INTERNAL_PROJECT_PUBLISHABLE_CLIENT_KEY"]}
            session = requests.Session()
            session.trust_env = False
            for _ in range(200):
                try:
                    if session.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.05)
            known = f"known-{uuid.uuid4().hex[:8]}@example.com"
            r = session.post(f"{base}/auth/password/sign-up", headers=headers, json={
                "email": known, "password": "timing password 1", "verification_callback_url": CALLBACK})
            r.raise_for_status()
            times = {"reset_known": [], "reset_unknown": []}
            for i in range(rounds):
                for name, address in (("reset_known", known),
                                      ("reset_unknown", f"nobody-{uuid.uuid4().hex[:8]}@example.com")):
                    start = time.perf_counter()
                    r = session.post(f"{base}/auth/password/send-reset-code", headers=headers,
                                     json={"email": address, "callback_url": CALLBACK})
                    elapsed = (time.perf_counter() - start) * 1000
                    assert r.status_code == 200, r.text
                    times[name].append(elapsed)
            for name, values in times.items():
                values.sort()
                print(f"{name:14} {len(values)} {statistics.median(values):.1f} "
                      f"{values[int(len(values) * 0.9) - 1]:.1f}")
            diff = statistics.median(times["reset_known"]) - statistics.median(times["reset_unknown"])
            print(f"difference_of_medians_ms {diff:.1f}")
            print(f"smtp_delay_ms {delay_ms} messages_received {sink.count}")
        finally:
            server.terminate()
            server.wait(timeout=20)
            controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
