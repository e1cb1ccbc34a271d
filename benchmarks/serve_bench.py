"""``chronicle serve`` under load: many calendar subscribers polling while an import runs.

    .venv/bin/python benchmarks/serve_bench.py                 # 100,000 events, 200 clients, 60 s
    .venv/bin/python benchmarks/serve_bench.py --quick         # 10,000 events, 200 clients, 20 s

What it does, all on 127.0.0.1 and bounded in time and in requests:

1. builds (once, cached under ``benchmarks/data/``) a synthetic archive of ``--n`` events
   (``synth.py``: the suite's deterministic events);
2. starts the real ``chronicle serve`` in its own process;
3. **cost of one answer, alone**: the median of sequential ``GET /calendar.ics`` (a full
   render) beside conditional ones answered ``304`` — a 304 reads the log head and
   renders nothing, so its time does not grow with the archive;
4. **load**: ``--clients`` threads poll ``/calendar.ics`` for ``--seconds``; half keep the
   ETag they got and send ``If-None-Match`` (a subscriber's calendar app), half never do;
   meanwhile a child process imports ``--import-n`` new events (the ETag then changes, so
   the conditional half re-downloads once per change);
   the clients are spread over ``--processes`` load-generating processes;
5. prints throughput, p50/p99 latency per kind of answer, the server's peak resident
   memory (``VmHWM``) and what the import did; ``--json`` writes the figures.

The load generator is one Python process; at hundreds of answers per second it, not the
server, may be the limit — the table says how many requests each side completed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402  (benchmarks/ is not a package)

DATA = HERE / "data"
"""Where archives are built and cached (``--data`` moves it, e.g. for the smoke test)."""
#: No client sends more than this many requests, whatever the duration.
MAX_REQUESTS_PER_CLIENT = 5000


def archive_dir(n: int) -> Path:
    return DATA / f"serve-archive-{n}"


def build_archive(n: int) -> None:
    from chronicle.archive import Archive
    from chronicle.importing import import_items

    directory = archive_dir(n)
    if (directory / "events" / "chronicle.db").exists():
        return
    started = time.perf_counter()
    archive = Archive.init(directory, name="bench", description="Synthetic events", author="bench")
    import_items(archive, synth.incoming(synth.generate(n)), origin="benchmark", path="synthetic")  # type: ignore[arg-type]
    archive.close()
    print(f"built a {n:,}-event archive in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(directory: Path, port: int) -> subprocess.Popen[bytes]:
    chronicle = Path(sys.executable).parent / "chronicle"
    server = subprocess.Popen([str(chronicle), "serve", "--port", str(port)], cwd=directory,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"chronicle serve did not start: {server.stderr.read() if server.stderr else ''!r}") from None
            time.sleep(0.1)


def peak_memory_mib(pid: int) -> float:
    """The process's peak resident set (``VmHWM``), MiB; Linux only."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used (``/proc/PID/stat``); Linux only."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def fetch(port: int, etag: str | None = None, timeout: float = 120) -> tuple[int, str | None, int, float]:
    """One ``GET /calendar.ics``: status, ETag, body bytes, seconds."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Accept-Encoding": "gzip"}
        if etag:
            headers["If-None-Match"] = etag
        connection.request("GET", "/calendar.ics", headers=headers)
        response = connection.getresponse()
        size = 0
        while chunk := response.read(1 << 16):
            size += len(chunk)
        return response.status, response.getheader("ETag"), size, time.perf_counter() - started
    finally:
        connection.close()


def alone(port: int, repeat: int) -> dict[str, Any]:
    """One request at a time: the first answer (a render), then answers from the cache, then 304s."""
    first = fetch(port)
    full = [fetch(port) for _ in range(repeat)]
    etag = full[-1][1]
    conditional = [fetch(port, etag) for _ in range(repeat * 10)]
    assert all(status == 304 for status, *_ in conditional), "a current ETag must get 304"
    return {
        "render_ms": first[3] * 1000,
        "cached_ms": statistics.median(r[3] for r in full) * 1000,
        "full_bytes_gzip": full[-1][2],
        "not_modified_ms": statistics.median(r[3] for r in conditional) * 1000,
    }


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def poll(port: int, clients: int, seconds: float, first: int) -> list[tuple[bool, int, float]]:
    """``clients`` threads polling for ``seconds``; even-numbered ones send If-None-Match."""
    results: list[tuple[bool, int, float]] = []  # (conditional client, status, seconds)
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(conditional: bool) -> None:
        etag: str | None = None
        mine: list[tuple[bool, int, float]] = []
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() >= stop:
                break
            try:
                status, tag, _size, took = fetch(port, etag if conditional else None)
            except OSError:
                mine.append((conditional, 0, 0.0))
                continue
            if conditional and status == 200:
                etag = tag
            mine.append((conditional, status, took))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=((first + number) % 2 == 0,), daemon=True)
               for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 180)
    return results


def load(port: int, clients: int, seconds: float, importer: list[str] | None, processes: int) -> dict[str, Any]:
    """The clients, spread over ``processes`` load-generating processes, while ``importer`` runs."""
    share = [clients // processes + (1 if k < clients % processes else 0) for k in range(processes)]
    workers = []
    first = 0
    for count in share:
        workers.append(subprocess.Popen(
            [sys.executable, __file__, "--worker", str(port), str(count), str(seconds), str(first)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        first += count
    began = time.monotonic()
    process = subprocess.Popen(importer, stdout=subprocess.PIPE, stderr=subprocess.PIPE) if importer else None
    results: list[tuple[bool, int, float]] = []
    for worker in workers:
        out, err = worker.communicate(timeout=seconds + 300)
        if worker.returncode != 0:
            raise SystemExit(f"a load worker failed: {err.decode()[-500:]}")
        results += [tuple(row) for row in json.loads(out)]  # type: ignore[misc]
    elapsed = time.monotonic() - began
    imported: dict[str, Any] = {}
    if process is not None:
        out, err = process.communicate(timeout=600)
        imported = json.loads(out) if process.returncode == 0 else {"error": err.decode()[-300:]}

    def summary(rows: list[tuple[bool, int, float]]) -> dict[str, Any]:
        times = [r[2] for r in rows]
        return {"requests": len(rows), "p50_ms": percentile(times, 0.5) * 1000, "p99_ms": percentile(times, 0.99) * 1000}

    answered = [r for r in results if r[1] != 0]
    return {
        "seconds": elapsed,
        "requests": len(answered),
        "per_second": len(answered) / elapsed if elapsed else float("nan"),
        "ok_200": summary([r for r in answered if r[1] == 200]),
        "not_modified_304": summary([r for r in answered if r[1] == 304]),
        "conditional_clients": summary([r for r in answered if r[0]]),
        "unconditional_clients": summary([r for r in answered if not r[0]]),
        "other_statuses": sorted({r[1] for r in answered} - {200, 304}),
        "errors": len(results) - len(answered),
        "import": imported,
    }


IMPORT_SCRIPT = """
import json, sys, time
sys.path.insert(0, {bench!r})
import synth
from chronicle.archive import Archive
from chronicle.importing import import_items
n, k = {n}, {k}
archive = Archive.open({url!r}, author="bench-import")
new = (e for i, e in enumerate(synth.generate(n + k, seed=7)) if i >= n)
started = time.perf_counter()
report = import_items(archive, synth.incoming(new, origin="bench-during-load"), origin="bench-during-load", path="synthetic-2")
print(json.dumps({{"events": k, "seconds": round(time.perf_counter() - started, 2),
                  "records": getattr(report, "records", None)}}))
archive.close()
"""


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        port, clients, seconds, first = sys.argv[2:6]
        print(json.dumps(poll(int(port), int(clients), float(seconds), int(first))))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="events in the archive (at most 100,000)")
    parser.add_argument("--clients", type=int, default=200, help="concurrent polling clients")
    parser.add_argument("--seconds", type=float, default=60, help="length of the load phase")
    parser.add_argument("--import-n", type=int, default=None, help="events imported during the load (default n/20)")
    parser.add_argument("--processes", type=int, default=4, help="load-generating processes the clients share")
    parser.add_argument("--quick", action="store_true", help="10,000 events for 20 s")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--data", type=Path, help="folder for the cached archives (default benchmarks/data)")
    args = parser.parse_args()
    if args.quick:
        args.n, args.seconds = 10_000, 20
    if args.data:
        global DATA
        DATA = args.data
    if not 0 < args.n <= 100_000 or not 0 < args.clients <= 500 or not 0 < args.seconds <= 600:
        raise SystemExit("serve_bench: keep to --n ≤ 100000, --clients ≤ 500, --seconds ≤ 600")
    import_n = args.import_n if args.import_n is not None else max(1, args.n // 20)

    build_archive(args.n)
    # The load phase imports into a copy, so the cached archive stays as built.
    work = DATA / f"serve-run-{args.n}"
    subprocess.run(["rm", "-rf", str(work)], check=True)
    subprocess.run(["cp", "-r", str(archive_dir(args.n)), str(work)], check=True)
    port = free_port()
    server = start_server(work, port)
    try:
        single = alone(port, repeat=3 if args.n > 20_000 else 5)
        url = f"sqlite:///{work / 'events' / 'chronicle.db'}"
        script = IMPORT_SCRIPT.format(bench=str(HERE), n=args.n, k=import_n, url=url)
        cpu_before = cpu_seconds(server.pid)
        loaded = load(port, args.clients, args.seconds, [sys.executable, "-c", script], max(1, args.processes))
        loaded["server_cpu_s"] = cpu_seconds(server.pid) - cpu_before
        memory = peak_memory_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stderr is not None:
            server.stderr.close()
        subprocess.run(["rm", "-rf", str(work)], check=True)

    figures = {"n": args.n, "clients": args.clients, "alone": single, "load": loaded, "server_peak_mib": memory,
               "cpus": os.cpu_count()}
    print(f"\nchronicle serve, {args.n:,} events, {args.clients} clients for {loaded['seconds']:.0f} s "
          f"while importing {import_n:,} events ({os.cpu_count()} CPUs)\n")
    print(f"one at a time: first answer (render + gzip) {single['render_ms']:.0f} ms, "
          f"the same state again {single['cached_ms']:.1f} ms ({single['full_bytes_gzip'] / 1e6:.1f} MB gzip), "
          f"304 {single['not_modified_ms']:.2f} ms — no render")
    print(f"under load: {loaded['requests']:,} answers, {loaded['per_second']:.1f}/s, "
          f"{loaded['errors']} connection errors, other statuses {loaded['other_statuses']}")
    print("| answers | requests | p50 ms | p99 ms |\n|---|---:|---:|---:|")
    for label, key in (("200 (rendered)", "ok_200"), ("304 (not rendered)", "not_modified_304"),
                       ("clients with If-None-Match", "conditional_clients"),
                       ("clients without", "unconditional_clients")):
        row = loaded[key]
        print(f"| {label} | {row['requests']:,} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} |")
    per_answer = loaded["server_cpu_s"] / loaded["requests"] * 1000 if loaded["requests"] else float("nan")
    print(f"server: {loaded['server_cpu_s']:.1f} s CPU in the load phase ({per_answer:.1f} ms per answer), "
          f"peak memory {memory:.0f} MiB; import during load: {loaded['import']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
