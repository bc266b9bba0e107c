"""Coverage-guided fuzzing at scale (`make stress`): atheris (libFuzzer) over tests/hardening/fuzzing.py.

    python -m tests.hardening.fuzz --inputs 1000000            # both targets, one worker per core
    python -m tests.hardening.fuzz --target request --inputs 20000 --workers 1

Each target gets `--inputs` inputs in all, split between worker processes (libFuzzer runs one
input at a time per process), each seeded from the wire capture and with its own corpus folder
under build/fuzz/. The counts printed are libFuzzer's own ("Done N runs"). A crash or a hang
(an input running over `--hang-seconds`) stops that worker and fails the run; libFuzzer writes
the input to build/fuzz/artifacts/, and it becomes a regression test in tests/hardening.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "build" / "fuzz"
TARGETS = ("decode", "request")
_DONE = re.compile(rb"Done (\d+) runs in (\d+) second")


def _worker(
    target: str, runs: int, seed: int, corpus: Path, seeds: Path, stats: Path, hang_seconds: int
) -> None:
    """One libFuzzer process: instrument faas_grip, then fuzz until `runs` inputs ran."""
    import atheris

    for name in [n for n in os.environ if n.startswith("GRIP_")]:
        del os.environ[name]  # the targets configure their own keys
    with atheris.instrument_imports(include=["faas_grip"]):
        from tests.hardening import fuzzing

    counts: Counter[str] = Counter()

    def flush() -> None:
        stats.write_text(json.dumps(counts))

    if target == "decode":

        def one(data: bytes) -> None:
            fuzzing.fuzz_decode(data)
            counts["inputs"] += 1
            if counts["inputs"] % 5000 == 0:
                flush()

    else:
        import logging

        logging.getLogger("faas_grip").setLevel(logging.ERROR)  # refusals log at INFO

        def one(data: bytes) -> None:
            door, handler, status = fuzzing.fuzz_request(data)
            counts["inputs"] += 1
            counts[f"door {door}"] += 1
            counts[f"handler {handler}"] += 1
            counts[f"status {status}"] += 1
            if counts["inputs"] % 5000 == 0:
                flush()

    artifacts = WORK / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.argv[0],
        f"-runs={runs}",
        f"-seed={seed}",
        f"-timeout={hang_seconds}",  # a hang: one input running this long
        "-max_len=8192",
        "-rss_limit_mb=4096",
        f"-artifact_prefix={artifacts}/{target}-",
        "-print_final_stats=1",
        str(corpus),
        str(seeds),
    ]
    atheris.Setup(argv, one)
    atheris.Fuzz()


def _write_seeds(target: str, folder: Path) -> None:
    from tests.hardening import fuzzing

    folder.mkdir(parents=True, exist_ok=True)
    seeds = fuzzing.decoder_seeds() if target == "decode" else fuzzing.request_seeds()
    for index, seed in enumerate(seeds):
        (folder / f"seed-{index:04d}").write_bytes(seed)


def run(target: str, inputs: int, workers: int, hang_seconds: int) -> dict[str, Any]:
    """Fuzz `target` with `inputs` inputs over `workers` processes; return the figures."""
    seeds = WORK / target / "seeds"
    _write_seeds(target, seeds)
    share = -(-inputs // workers)
    procs = []
    started = time.monotonic()
    for index in range(workers):
        corpus = WORK / target / f"corpus-{index}"
        corpus.mkdir(parents=True, exist_ok=True)
        stats = WORK / target / f"stats-{index}.json"
        log = (WORK / target / f"worker-{index}.log").open("wb")
        command = [
            sys.executable,
            "-m",
            "tests.hardening.fuzz",
            "--worker",
            target,
            "--inputs",
            str(share),
            "--seed",
            str(index + 1),
            "--corpus",
            str(corpus),
            "--seeds",
            str(seeds),
            "--stats",
            str(stats),
            "--hang-seconds",
            str(hang_seconds),
        ]
        procs.append((subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log), log, stats))
    done = 0
    failed = []
    counts: Counter[str] = Counter()
    for index, (proc, log, stats) in enumerate(procs):
        proc.wait()
        log.close()
        output = Path(log.name).read_bytes()
        match = _DONE.search(output)
        if proc.returncode != 0 or match is None:
            failed.append(f"worker {index} exited {proc.returncode}: see {log.name}")
        if match is not None:
            done += int(match.group(1))
        if stats.exists():
            counts.update(json.loads(stats.read_text()))
    elapsed = time.monotonic() - started
    return {
        "target": target,
        "inputs": done,
        "seconds": round(elapsed, 1),
        "per_second": round(done / elapsed) if elapsed else 0,
        "workers": workers,
        "breakdown": {k: v for k, v in sorted(counts.items()) if k != "inputs"},
        "failed": failed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.hardening.fuzz")
    parser.add_argument("--target", choices=(*TARGETS, "all"), default="all")
    parser.add_argument("--inputs", type=int, default=1_000_000, help="per target")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--hang-seconds", type=int, default=10)
    parser.add_argument("--worker", choices=TARGETS, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--seeds", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--stats", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(
            args.worker,
            args.inputs,
            args.seed,
            args.corpus,
            args.seeds,
            args.stats,
            args.hang_seconds,
        )
        return 0
    targets = TARGETS if args.target == "all" else (args.target,)
    results = [run(t, args.inputs, args.workers, args.hang_seconds) for t in targets]
    total = 0
    for result in results:
        total += result["inputs"]
        print(
            f"fuzz {result['target']}: {result['inputs']:,} inputs in {result['seconds']} s "
            f"({result['per_second']:,}/s, {result['workers']} processes)"
        )
        for key, value in result["breakdown"].items():
            print(f"    {key}: {value:,}")
        for failure in result["failed"]:
            print(f"    FAILED: {failure}")
    print(f"fuzz total: {total:,} inputs")
    (WORK / "summary.json").write_text(json.dumps(results, indent=2))
    return 1 if any(r["failed"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
