"""Mutation run: apply each mutation of ``mutations.toml`` to a scratch copy of the repository,
run the tests that should kill it, and report killed / survived per mutation and the score.

    .venv/bin/python tests/mutation/run.py                 # every mutation
    .venv/bin/python tests/mutation/run.py --only NAME     # one (repeatable)
    .venv/bin/python tests/mutation/run.py -k aging        # names containing a word
    .venv/bin/python tests/mutation/run.py --list          # names only

- The scratch copy holds the files git knows (tracked and untracked-but-not-ignored), so no
  ``.venv``, ``data/`` or ``dbt_project/target`` of the working copy is ever reused; it is made
  once per run, each mutation is applied to it and reverted after its tests.
- The tests run with the repository's ``.venv`` Python, ``PYTHONPATH`` pointing at the scratch
  copy (so ``ledgerbridge``, ``ingestion`` and ``app`` import from it, not from the editable
  install), in a fresh pytest temp folder, without ``LEDGERBRIDGE_*`` variables that could point
  at a warehouse or profile built from unmutated code (``LEDGERBRIDGE_APP_TEST_WAREHOUSE``,
  ``LEDGERBRIDGE_PROFILE`` ...). The session warehouse is therefore rebuilt by dbt from the
  mutated seeds and models.
- A mutation whose ``old`` text does not occur exactly once in its file is an error (a stale
  mutation), reported and counted against the score.
- Outcomes: ``killed`` (a test failed or errored, or the run timed out), ``survived`` (the tests
  passed), ``error`` (stale mutation, unknown test id, nothing collected).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MUTATIONS = HERE / "mutations.toml"
LAST_RUN = HERE / "last_run.json"
#: LEDGERBRIDGE_* variables a test run may keep (database servers, fonts); every other one is dropped
KEEP_ENV = {"LEDGERBRIDGE_TEST_PG_URL", "LEDGERBRIDGE_TEST_MYSQL_URL", "LEDGERBRIDGE_CJK_FONT"}
#: pytest exit codes: 1 tests failed, 2 interrupted (collection error: the mutation broke an import)
KILLED_CODES = {1, 2}


@dataclass
class Mutation:
    name: str
    file: str
    old: str
    new: str
    tests: list[str]
    why: str
    area: str = ""


@dataclass
class Outcome:
    name: str
    area: str
    file: str
    status: str  # killed | survived | error
    seconds: float
    detail: str = ""
    tests: list[str] = field(default_factory=list)


def load(path: Path = MUTATIONS) -> list[Mutation]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out, seen = [], set()
    for raw in data.get("mutation", []):
        missing = {"name", "file", "old", "new", "tests", "why"} - raw.keys()
        if missing:
            raise SystemExit(f"mutation {raw.get('name', '?')}: missing {sorted(missing)}")
        if raw["name"] in seen:
            raise SystemExit(f"mutation {raw['name']}: name used twice")
        if raw["old"] == raw["new"]:
            raise SystemExit(f"mutation {raw['name']}: old and new are the same")
        seen.add(raw["name"])
        out.append(Mutation(**{k: raw[k] for k in Mutation.__dataclass_fields__ if k in raw}))
    return out


def repo_files(repo: Path) -> list[str]:
    """Tracked and untracked-but-not-ignored files (what a fresh checkout plus local edits holds)."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        check=True,
        capture_output=True,
    ).stdout.decode()
    skip = ("tests/mutation/last_run.json",)
    return sorted({f for f in out.split("\0") if f and f not in skip and (repo / f).is_file()})


def make_scratch(repo: Path, where: Path | None) -> Path:
    root = Path(tempfile.mkdtemp(prefix="ledgerbridge-mutation-", dir=where))
    for rel in repo_files(repo):
        dst = root / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / rel, dst)
    (root / "data").mkdir(exist_ok=True)
    return root


def forget_bytecode(path: Path) -> None:
    """Drop the cached bytecode of a mutated .py file (a same-size edit within the same second
    would otherwise let Python reuse the stale .pyc)."""
    if path.suffix == ".py":
        Path(importlib.util.cache_from_source(str(path))).unlink(missing_ok=True)


def child_env(scratch: Path, basetemp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERBRIDGE_") or k in KEEP_ENV}
    env["PYTHONPATH"] = str(scratch)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["DBT_VERSION_CHECK"] = "false"
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    env["TMPDIR"] = str(basetemp)
    return env


def run_tests(
    python: str, scratch: Path, tests: list[str], timeout: int, work: Path
) -> tuple[int | None, str]:
    """(pytest exit code or None on timeout, last lines of its output)."""
    basetemp = Path(tempfile.mkdtemp(prefix="pt-", dir=work))
    cmd = [
        python,
        "-m",
        "pytest",
        *tests,
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "--no-header",
        f"--timeout={timeout}",
        f"--basetemp={basetemp / 'pytest'}",
        "-o",
        "addopts=",
    ]
    try:
        proc = subprocess.run(
            cmd,
            cwd=scratch,
            env=child_env(scratch, basetemp),
            capture_output=True,
            text=True,
            timeout=timeout * 2 + 60,
            start_new_session=True,
        )
        code, text = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        code, text = None, f"timed out after {exc.timeout:.0f} s"
    finally:
        shutil.rmtree(basetemp, ignore_errors=True)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return code, "\n".join(lines[-12:])


def summarise(text: str) -> str:
    for ln in reversed(text.splitlines()):
        if ln.startswith(("FAILED", "ERROR")) or " passed" in ln or " failed" in ln or "error" in ln:
            return ln.strip()[:160]
    return text.strip().splitlines()[-1][:160] if text.strip() else ""


def run_one(m: Mutation, python: str, scratch: Path, timeout: int, work: Path) -> Outcome:
    start = time.monotonic()
    path = scratch / m.file
    if not path.is_file():
        return Outcome(m.name, m.area, m.file, "error", 0.0, f"stale: {m.file} does not exist", m.tests)
    original = path.read_bytes()
    text = original.decode("utf-8")
    count = text.count(m.old)
    if count != 1:
        return Outcome(
            m.name,
            m.area,
            m.file,
            "error",
            0.0,
            f"stale: 'old' occurs {count} times in {m.file} (must be exactly once)",
            m.tests,
        )
    try:
        path.write_text(text.replace(m.old, m.new, 1), encoding="utf-8")
        forget_bytecode(path)
        code, out = run_tests(python, scratch, m.tests, timeout, work)
    finally:
        path.write_bytes(original)
        forget_bytecode(path)
    seconds = time.monotonic() - start
    if code is None:
        return Outcome(m.name, m.area, m.file, "killed", seconds, "timeout", m.tests)
    if code == 0:
        return Outcome(m.name, m.area, m.file, "survived", seconds, summarise(out), m.tests)
    if code in KILLED_CODES:
        return Outcome(m.name, m.area, m.file, "killed", seconds, summarise(out), m.tests)
    return Outcome(m.name, m.area, m.file, "error", seconds, f"pytest exit {code}: {summarise(out)}", m.tests)


def print_table(outcomes: list[Outcome]) -> None:
    width = max([len(o.name) for o in outcomes] + [8])
    print(f"\n{'mutation':<{width}}  {'area':<10} {'status':<9} {'secs':>6}  detail")
    print("-" * (width + 60))
    for o in outcomes:
        print(f"{o.name:<{width}}  {o.area:<10} {o.status:<9} {o.seconds:6.1f}  {o.detail[:90]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", default=[], help="run this mutation (repeatable)")
    ap.add_argument("-k", dest="keyword", help="run mutations whose name, file or area contains this")
    ap.add_argument("--list", action="store_true", help="list the mutations and exit")
    ap.add_argument("--check", action="store_true", help="only verify every 'old' occurs exactly once")
    ap.add_argument("--timeout", type=int, default=600, help="pytest-timeout per test (s)")
    ap.add_argument("--python", default=str(REPO / ".venv" / "bin" / "python"))
    ap.add_argument("--scratch-dir", type=Path, default=None, help="where the scratch copy goes")
    ap.add_argument("--keep", action="store_true", help="keep the scratch copy")
    ap.add_argument("--no-write", action="store_true", help="do not write last_run.json")
    args = ap.parse_args(argv)

    mutations = load()
    if args.only:
        unknown = set(args.only) - {m.name for m in mutations}
        if unknown:
            raise SystemExit(f"unknown mutation(s): {', '.join(sorted(unknown))}")
        mutations = [m for m in mutations if m.name in args.only]
    if args.keyword:
        kw = args.keyword.lower()
        mutations = [m for m in mutations if kw in f"{m.name} {m.file} {m.area}".lower()]
    if args.list:
        for m in mutations:
            print(f"{m.name:<40} {m.area:<10} {m.file}")
        return 0
    if not mutations:
        raise SystemExit("no mutation selected")

    if args.check:
        bad = []
        for m in mutations:
            path = REPO / m.file
            n = path.read_text(encoding="utf-8").count(m.old) if path.is_file() else -1
            if n != 1:
                bad.append(f"{m.name}: 'old' occurs {n} times in {m.file}")
        print("\n".join(bad) or f"{len(mutations)} mutations apply cleanly")
        return 1 if bad else 0

    # a TERM (make interrupted, a CI timeout) ends the run like Ctrl-C: the running pytest is killed,
    # the scratch copy removed and the mutations run so far reported
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    work = Path(tempfile.mkdtemp(prefix="ledgerbridge-mutation-work-", dir=args.scratch_dir))
    scratch = make_scratch(REPO, work)
    print(f"scratch copy: {scratch}  ({len(mutations)} mutations)", flush=True)
    outcomes: list[Outcome] = []
    started = time.monotonic()
    try:
        for i, m in enumerate(mutations, 1):
            o = run_one(m, args.python, scratch, args.timeout, work)
            outcomes.append(o)
            print(
                f"[{i:>2}/{len(mutations)}] {o.status:<8} {o.seconds:6.1f}s  {m.name}  {o.detail[:100]}",
                flush=True,
            )
    except KeyboardInterrupt:
        print("interrupted: reporting the mutations run so far", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    killed = sum(o.status == "killed" for o in outcomes)
    total = len(outcomes)
    print_table(outcomes)
    score = killed / total if total else 0.0
    print(f"\nscore: {killed}/{total} killed ({score:.1%}) in {time.monotonic() - started:.0f} s")
    for status in ("survived", "error"):
        names = [o.name for o in outcomes if o.status == status]
        if names:
            print(f"{status}: {', '.join(names)}")
    if not args.no_write:
        payload = {
            "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "commit": subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
            ).stdout.strip(),
            "selection": {"only": args.only, "keyword": args.keyword},
            "killed": killed,
            "total": total,
            "score": round(score, 4),
            "outcomes": [asdict(o) for o in outcomes],
        }
        LAST_RUN.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0 if all(o.status == "killed" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
