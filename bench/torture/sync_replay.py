"""Duplicated, replayed and reordered sync deliveries to a real county server on loopback.

Two laptops (real vaults, enrolled with the real server process) each build several revisions
of their monthly snapshots: signed sessions and referrals are added between rebuilds, and every
revision the outbox produced is kept. Then ``deliveries`` PUTs go to the server from 4 threads in
random order: any kept revision (old ones arrive late), re-signed with the client's content-based
Idempotency-Key or a fresh one, or a byte-identical replay of an earlier request. The only
acceptable answers are 200 (applied or duplicate) and 409 stale. Every 10 % of the run (threads
paused) the server's totals must equal, cell for cell, the sum over devices of exactly the
revision the server says it holds — a duplicate or late revision counted twice shows up here.
At the end every newest revision is delivered once more and the totals must equal the truth
computed straight from the two vaults.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.torture.common import Outcome
from clinician_desk.sync.signing import new_idempotency_key, sign_request
from clinician_desk.sync.worker import _idempotency_key
from tests.support.county import DISTRICT, SCHOOLS, CountyServer, Key
from tests.support.truth import truth
from tests.support.vaultkit import Seeder, Vault, open_vault

Item = tuple[str, str, str, int]  # device, org unit, period, revision
DAYS = [date(2026, m, d) for m in (3, 4, 5, 8, 9) for d in (2, 9)]


def _cells(body: bytes) -> dict[Key, int]:
    doc = json.loads(body)
    out: dict[Key, int] = defaultdict(int)
    for cell in doc["cells"]:
        dims = tuple(
            sorted((k, str(v)) for k, v in cell["dimensions"].items() if v not in ("", None))
        )
        if cell["value"]:
            out[(doc["org_unit"], doc["period"], cell["measure"], dims)] += int(cell["value"])
    return out


def _build(vault: Vault, rounds: int, rng: random.Random, pool: dict[Item, bytes]) -> str:
    seeder = Seeder(vault)
    kids = [seeder.student(rng.choice(["6", "7", "10", "K"]), s) for s in SCHOOLS for _ in range(2)]
    worker = vault.sync.worker
    device_id = ""
    for _ in range(rounds):
        for _ in range(rng.randint(2, 5)):
            kid = rng.choice(kids)
            school = SCHOOLS[kids.index(kid) // 2]
            seeder.session(
                rng.choice(DAYS),
                rng.choice(["TX-IND", "CM-COORD"]),
                rng.choice([2, 3]),
                school,
                (kid,),
                rng.choice([20, 30, 45]),
            )
        if rng.random() < 0.5:
            seeder.referral(rng.choice(kids), rng.choice(DAYS))
        device, items = worker.prepare()
        assert device is not None
        device_id = device.device_id
        for it in items:
            pool[(device_id, it.org_unit, it.period, it.revision)] = it.body
    return device_id


def run(folder: Path, deliveries: int, rounds: int = 6, seed: int = 77) -> Outcome:
    out = Outcome()
    rng = random.Random(seed)
    county = CountyServer(folder / "county")
    county.start()
    vaults: list[Vault] = []
    try:
        pool: dict[Item, bytes] = {}
        keys: dict[str, Ed25519PrivateKey] = {}
        for name in ("laptop-a", "laptop-b"):
            v = open_vault(folder / name)
            vaults.append(v)
            v.sync.enroll(county.url, county.issue_code((DISTRICT,)))
            device_id = _build(v, rounds, rng, pool)
            device, _ = v.sync.worker.prepare()
            assert device is not None
            keys[device_id] = Ed25519PrivateKey.from_private_bytes(device.private_key)
        items = sorted(pool)
        newest: dict[tuple[str, str, str], int] = {}
        for d, ou, p, r in items:
            newest[(d, ou, p)] = max(r, newest.get((d, ou, p), 0))
        statuses: Counter[str] = Counter()
        unexpected: list[str] = []
        sent: list[tuple[str, bytes, dict[str, str]]] = []
        lock = threading.Lock()

        def request(item: Item) -> tuple[str, bytes, dict[str, str]]:
            d, ou, p, _r = item
            body = pool[item]
            path = f"/api/v1/counts/{ou}/{p}"
            idem = _idempotency_key(path, body) if rng.random() < 0.5 else new_idempotency_key()
            headers = sign_request(
                "PUT",
                path,
                body,
                device_id=d,
                private_key=keys[d],
                created=int(time.time()),
                idempotency_key=idem,
            )
            headers["Content-Type"] = "application/json"
            return path, body, headers

        def deliver(batch: list[tuple[str, bytes, dict[str, str]]]) -> None:
            with requests.Session() as s:
                for path, body, headers in batch:
                    r = s.put(county.url + path, data=body, headers=headers, timeout=30)
                    label = str(r.status_code)
                    if r.status_code == 409:
                        label += " " + str(r.json().get("error", ""))
                    with lock:
                        statuses[label] += 1
                        if label not in ("200", "409 stale"):
                            unexpected.append(f"{path}: {label} {r.text[:200]}")

        def check(where: str) -> bool:
            stored = county.revisions()
            expected: dict[Key, int] = defaultdict(int)
            for (d, ou, p), rev in stored.items():
                for k, v in _cells(pool[(d, ou, p, rev)]).items():
                    expected[k] += v
            if county.totals() != dict(expected):
                out.breaches.append(f"server totals differ from its stored revisions {where}")
                return False
            return True

        t0 = time.perf_counter()
        checkpoints = 10
        per = max(1, deliveries // checkpoints)
        done = 0
        while done < deliveries:
            batch = []
            for _ in range(min(per, deliveries - done)):
                roll = rng.random()
                if sent and roll < 0.2:  # a byte-identical replay of an earlier request
                    batch.append(rng.choice(sent))
                    continue
                if roll < 0.6:
                    d, ou, p, _ = rng.choice(items)
                    item = (d, ou, p, newest[(d, ou, p)])
                else:
                    item = rng.choice(items)
                req = request(item)
                sent.append(req)
                batch.append(req)
            threads = [threading.Thread(target=deliver, args=(batch[i::4],)) for i in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            done += len(batch)
            if not check(f"after {done} deliveries"):
                break
        final = [request((d, ou, p, r)) for (d, ou, p), r in newest.items()]
        rng.shuffle(final)
        deliver(final)
        elapsed = time.perf_counter() - t0
        check("after the final pass")
        truth_totals = truth(*vaults)
        server = county.totals()
        double = sum(
            1 for k in set(server) | set(truth_totals) if server.get(k, 0) != truth_totals.get(k, 0)
        )
        if not truth_totals:
            out.breaches.append("the vaults hold no counts: the comparison proves nothing")
        if len(items) <= len(newest):
            out.breaches.append("no older revisions were built: nothing arrived out of order")
        if double:
            out.breaches.append(f"{double} server cells differ from the truth in the vaults")
        if county.revisions() != {k: v for k, v in newest.items()}:
            out.breaches.append("the server does not hold every newest revision")
        out.breaches += unexpected[:10]
        out.figure("torture.sync_deliveries", done + len(final), "requests")
        out.figure("torture.sync_distinct_revisions", len(items), "revisions")
        out.figure("torture.sync_applied_or_duplicate", statuses["200"], "requests")
        out.figure("torture.sync_stale", statuses["409 stale"], "requests")
        out.figure("torture.sync_unexpected_status", len(unexpected), "requests")
        out.figure("torture.sync_cells_wrong", double, "cells")
        out.figure("torture.sync_deliveries_per_s", (done + len(final)) / elapsed, "req/s")
    finally:
        for v in vaults:
            v.close()
        county.stop()
    return out
