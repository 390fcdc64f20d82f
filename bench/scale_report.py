#!/usr/bin/python3
"""Driver of `./dk.sh bench scale` (run by bench/scale.sh).

    scale_report.py --build BUILD_DIR --corpus CORPUS_DIR [--instances N] [--skip-ingest] [--skip-find]

1. Ingest: the 500 CT files of the corpus C-STOREd (`dcmkit send`, one association per node) into
   a) one `dcmkit serve` on SQLite (the storage folder's index.sqlite), b) one on PostgreSQL,
   c) two on the same PostgreSQL database and the same storage folder, each sent half of the
   files at the same time. Images/s over the wall time of the sends; CPU per image = CPU time of
   the servers plus that of PostgreSQL (the postmaster and its backends, from /proc) during the
   sends, divided by the images. Files are fsynced as `dcmkit serve` always does; PostgreSQL runs
   with synchronous_commit=off, the durability of SQLite's WAL with synchronous=NORMAL (a crash of
   the process loses nothing committed, a power loss may lose the last transactions).
2. C-FIND latency: bench/archive_bench fills an index with --instances (default 1,000,000)
   synthetic instances (1,000 studies) on SQLite and on PostgreSQL and times study-level queries
   (wild card Patient's Name, with and without the computed counts) in the process (no network).

The PostgreSQL 15 cluster is a throwaway one in a temporary folder on a unix socket (run as
`nobody` when root), stopped by its PID. Servers are started and stopped by PID on free ports of
127.0.0.1. Prints a table; exits non-zero on an error.
"""
import argparse
import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import BenchError, Server, log, run_client, tail, warm_page_cache  # noqa: E402

PG_BIN = "/usr/lib/postgresql/15/bin"
TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid, children=False):
    """CPU seconds of a process (and of its reaped children), from /proc/PID/stat; 0 when gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / TICK


def children_of(pid):
    out = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.split("/")[2]))
    return out


class PgCluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="dkpg-bench-", dir="/tmp")
        self.proc = None
        self.serial = 0
        self.as_nobody = os.geteuid() == 0
        if self.as_nobody:
            pw = pwd.getpwnam("nobody")
            self.uid, self.gid = pw.pw_uid, pw.pw_gid
            os.chown(self.dir, self.uid, self.gid)
        os.chmod(self.dir, 0o755)

    def _preexec(self):
        os.setpgid(0, 0)
        if self.as_nobody:
            os.setgroups([])
            os.setgid(self.gid)
            os.setuid(self.uid)

    def start(self):
        data = os.path.join(self.dir, "data")
        with open(os.path.join(self.dir, "initdb.log"), "wb") as lf:
            r = subprocess.run([PG_BIN + "/initdb", "-D", data, "-E", "UTF8", "--locale=C", "-A", "trust", "-U",
                                "dcmkit"], stdout=lf, stderr=lf, preexec_fn=self._preexec, cwd=self.dir)
        if r.returncode != 0:
            raise BenchError("initdb failed:\n" + tail(os.path.join(self.dir, "initdb.log")))
        logf = open(os.path.join(self.dir, "postgres.log"), "wb")
        self.proc = subprocess.Popen([PG_BIN + "/postgres", "-D", data, "-k", self.dir, "-p", "5432", "-c",
                                      "listen_addresses=", "-c", "synchronous_commit=off", "-c", "max_connections=200",
                                      "-c", "shared_buffers=256MB"],
                                     stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, preexec_fn=self._preexec,
                                     cwd=self.dir)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with open(os.path.join(data, "postmaster.pid")) as f:
                    if f.read().rstrip().split("\n")[-1].startswith("ready"):
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise BenchError("postgres did not start:\n" + tail(os.path.join(self.dir, "postgres.log")))

    def conninfo(self, db):
        return "host=%s port=5432 user=dcmkit dbname=%s" % (self.dir, db)

    def create_database(self):
        self.serial += 1
        name = "bench%d" % self.serial
        subprocess.run([PG_BIN + "/psql", "-X", "-q", "-h", self.dir, "-U", "dcmkit", "-d", "postgres", "-c",
                        "CREATE DATABASE %s ENCODING 'UTF8' TEMPLATE template0" % name], check=True)
        return self.conninfo(name)

    def cpu(self):
        """CPU seconds of the postmaster and every backend, exited ones included."""
        return proc_cpu(self.proc.pid, children=True) + sum(proc_cpu(c, children=True)
                                                            for c in children_of(self.proc.pid))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGINT)  # fast shutdown
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def ingest(build, corpus_files, work, nodes, index_for, pg, errlog):
    """Starts `nodes` servers on one storage folder, sends each its share of the files at once;
    returns (images/s, server+database CPU ms per image)."""
    dcmkit = os.path.join(build, "bin", "dcmkit")
    storage = os.path.join(work, "storage")
    shutil.rmtree(storage, ignore_errors=True)
    os.makedirs(storage)
    index = index_for()
    servers = []
    try:
        for n in range(nodes):
            extra = ["--index", index] if index else []
            servers.append(Server("serve%d" % n, lambda p, extra=extra: [dcmkit, "serve", str(p), "--storage", storage,
                                                                         "-aet", "ARCH"] + extra,
                                  None, os.path.join(work, "serve%d.log" % n)).start())
        shares = [corpus_files[n::nodes] for n in range(nodes)]
        cpu0 = sum(proc_cpu(s.pid) for s in servers) + (pg.cpu() if index else 0.0)
        t0 = time.perf_counter()
        procs = [subprocess.Popen([dcmkit, "send", "127.0.0.1", str(s.port), "-aec", "ARCH"] + share,
                                  stdin=subprocess.DEVNULL, stdout=open(errlog, "ab"), stderr=subprocess.STDOUT)
                 for s, share in zip(servers, shares)]
        for p in procs:
            if p.wait(timeout=3600) != 0:
                raise BenchError("dcmkit send failed (exit %d):\n%s" % (p.returncode, tail(errlog)))
        wall = time.perf_counter() - t0
        cpu1 = sum(proc_cpu(s.pid) for s in servers) + (pg.cpu() if index else 0.0)
        stored = len([f for f in os.listdir(os.path.join(storage, "files")) if f.endswith(".dcm")])
        if stored != len(corpus_files):
            raise BenchError("%d files stored of %d" % (stored, len(corpus_files)))
        return len(corpus_files) / wall, 1000.0 * (cpu1 - cpu0) / len(corpus_files)
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(storage, ignore_errors=True)


def find_latency(build, spec, instances, errlog):
    """archive_bench on `spec`: (ingest instances/s in batches, {query: ms})."""
    bench = os.path.join(build, "bench", "archive_bench")
    _, _, out = run_client([bench, str(instances), spec], None, errlog, "archive_bench", 4 * 3600, capture=True)
    batched = re.search(r"ingest, batches of 1000:\s+(\d+) instances/s", out)
    single = re.search(r"ingest, one per transaction:\s+(\d+) instances/s", out)
    queries = {}
    for m in re.finditer(r"C-FIND (.+?): +(\d+) matches, +[\d.]+ queries/s \(([\d.]+) ms/query\)", out):
        queries[m.group(1).strip()] = (int(m.group(2)), float(m.group(3)))
    return (int(batched.group(1)) if batched else 0, int(single.group(1)) if single else 0, queries)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--instances", type=int, default=1000000)
    ap.add_argument("--skip-ingest", action="store_true")
    ap.add_argument("--skip-find", action="store_true")
    args = ap.parse_args()
    ct = sorted(glob.glob(os.path.join(args.corpus, "ct", "*.dcm")))
    if not ct:
        raise BenchError("no CT files in %s/ct" % args.corpus)
    work = tempfile.mkdtemp(prefix="dk-scale-", dir=args.build)
    errlog = os.path.join(work, "clients.log")
    pg = PgCluster().start()
    rows = []
    try:
        if not args.skip_ingest:
            warm_page_cache(ct)  # every configuration reads the files from memory, the first one too
            for name, nodes, index_for in (("1 node, SQLite", 1, lambda: None),
                                           ("1 node, PostgreSQL", 1, pg.create_database),
                                           ("2 nodes, PostgreSQL, shared folder", 2, pg.create_database)):
                log("ingest: %s" % name)
                rate, cpu = ingest(args.build, ct, work, nodes, index_for, pg, errlog)
                rows.append(("ingest of %d CT files: %s" % (len(ct), name), "%.0f images/s" % rate,
                             "%.2f ms CPU/image" % cpu))
        finds = {}
        if not args.skip_find:
            for name, spec in (("SQLite", os.path.join(work, "find-sqlite")), ("PostgreSQL", pg.create_database())):
                log("C-FIND: filling %s with %d instances" % (name, args.instances))
                finds[name] = find_latency(args.build, spec, args.instances, errlog)
                shutil.rmtree(os.path.join(work, "find-sqlite"), ignore_errors=True)
    finally:
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    print()
    print("Scale-out (dcmkit serve on SQLite and PostgreSQL 15; %d CPUs)" % os.cpu_count())
    for r in rows:
        print("  %-62s %16s %20s" % r)
    for name, (batched, single, queries) in finds.items():
        print("  %s index of %d instances: ingest %d instances/s in batches of 1000, %d/s one per transaction"
              % (name, args.instances, batched, single))
        for q, (matches, ms) in queries.items():
            print("    study-level C-FIND %-32s %6d matches %10.3f ms/query" % (q, matches, ms))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print("bench scale: error: %s" % e, file=sys.stderr)
        sys.exit(1)
