#!/usr/bin/python3
"""Driver of `./dk.sh bench tls` (run by bench/tls.sh).

    tls_report.py --build BUILD_DIR --corpus CORPUS_DIR [--count N] [--rounds N] [--echo-rounds N]
                  [--dcmkit PATH] [--tls-setup PATH]

TLS (PS3.15 Annex B, default profile: BCP 195 Non-Downgrading, mutual authentication) over loopback
(127.0.0.1, free ports), dcmkit against DCMTK, with a test PKI made by tests/support/make_test_pki.sh
(a CA, a server certificate for localhost/127.0.0.1, a client certificate) in a temporary folder:
  1. the first --count (default: all 500) CT files of the corpus in one association per run:
       dcmkit send +tls -> dcmkit recv +tls (recv as shipped: fsyncs every file before Success),
       the same into dcmkit recv --no-fsync (like storescp, which does not fsync),
       storescu +tls -> storescp +tls (the baseline),
     and the same three without TLS; wall time of the sender process, median of --rounds (default 5)
     after one warm-up, rounds interleaved across the pairs; MB/s of dataset bytes; ratio
     dcmkit/DCMTK over TLS (target >= 1.5x) and TLS/plain for dcmkit (target >= 0.7x). Every run
     starts with an emptied output folder and a sync and must deliver every file (counted in the
     output folder): a run that loses files is an error.
  2. the time to open a TLS association (TCP connect, handshake, A-ASSOCIATE, one C-ECHO, release):
     whole processes, `dcmkit echo +tls` -> `dcmkit recv +tls` against `echoscu +tls` -> `storescp +tls`
     (and both without TLS), median of --echo-rounds (default 20) after a warm-up, interleaved; and
     in-process through the library (bench/tls_setup: Association::connect with AeConfig::tls, the
     certificates loaded for each association or once), so that start-up is excluded on our side.
DCMTK runs with TCP_NODELAY=1 in its environment (Debian's DCMTK keeps Nagle's algorithm on otherwise).
Servers are started and stopped by PID. Prints a table. Exits 0 when every measurement ran (a missed
target is printed as MISSED), 1 on an error, 2 on a usage error.
"""
import argparse
import glob
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from common import BenchError, cmake_build_type, log, run_client, tail, warm_page_cache
from store_report import Receiver, dataset_offset

TLS_VS_DCMTK_TARGET = 1.5  # dcmkit over TLS at least 1.5x the throughput of storescu -> storescp over TLS
TLS_VS_PLAIN_TARGET = 0.7  # dcmkit over TLS at least 0.7x its own throughput without TLS
RUN_TIMEOUT_S = 900.0      # a sender taking longer is killed (an error)
ECHO_TIMEOUT_S = 30.0
HERE = os.path.dirname(os.path.abspath(__file__))
PKI_SCRIPT = os.path.join(HERE, "..", "tests", "support", "make_test_pki.sh")


class Pair:
    def __init__(self, label, sender, receiver, tls, ours):
        self.label, self.sender, self.receiver, self.tls, self.ours = label, sender, receiver, tls, ours
        self.walls, self.cpu_send, self.cpu_recv = [], [], []

    def wall(self):
        return statistics.median(self.walls)

    def mbs(self, ds_bytes):
        return ds_bytes / 1e6 / self.wall()


def verdict(ratio, target):
    return "%5.2fx  (target >= %.1fx) %s" % (ratio, target, "ok" if ratio >= target else "MISSED")


def dcmtk_negotiated(echoscu, tls_args, port, env):
    """The TLS protocol and suite `echoscu -d` logs (not timed), or "?"."""
    try:
        out = subprocess.run([echoscu, "-d"] + tls_args + ["127.0.0.1", str(port)], env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=ECHO_TIMEOUT_S).stdout.decode(
                                 errors="replace")
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BenchError("echoscu -d +tls: %s" % e)
    proto = re.search(r"Protocol\s*:\s*(\S+)", out)
    suite = re.search(r"Ciphersuite\s*:\s*([^\s,]+)", out)
    return "%s %s" % (proto.group(1) if proto else "?", suite.group(1) if suite else "?")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="the CMake build folder")
    ap.add_argument("--corpus", required=True, help="the corpus folder written by make_corpus")
    ap.add_argument("--count", type=int, help="send only the first N CT files (default: all)")
    ap.add_argument("--rounds", type=int, default=5, help="timed transfers of each pair after a warm-up (median)")
    ap.add_argument("--echo-rounds", type=int, default=20, help="timed association set-ups of each kind (median)")
    ap.add_argument("--dcmkit", help="the dcmkit CLI to measure (default BUILD_DIR/bin/dcmkit)")
    ap.add_argument("--tls-setup", help="the in-process set-up timer (default BUILD_DIR/bench/tls_setup)")
    args = ap.parse_args()
    if args.rounds < 1 or args.echo_rounds < 1 or (args.count is not None and args.count < 1):
        ap.error("--count, --rounds and --echo-rounds must be at least 1")
    t_start = time.monotonic()

    dcmkit = args.dcmkit or os.path.join(args.build, "bin", "dcmkit")
    tls_setup = args.tls_setup or os.path.join(args.build, "bench", "tls_setup")
    for exe, target in ((dcmkit, "dcmkit_cli"), (tls_setup, "bench_tls_setup")):
        if not os.access(exe, os.X_OK):
            raise BenchError("missing %s (build the %s target)" % (exe, target))
    tools = {t: shutil.which(t) for t in ("storescu", "storescp", "echoscu", "openssl")}
    missing = [t for t, p in tools.items() if not p]
    if missing:
        raise BenchError("%s not found (the dcmtk and openssl packages)" % ", ".join(missing))
    storescu, storescp, echoscu = tools["storescu"], tools["storescp"], tools["echoscu"]
    files = sorted(glob.glob(os.path.join(args.corpus, "ct", "*.dcm")))
    if not files:
        raise BenchError("corpus %s is incomplete (run make_corpus)" % args.corpus)
    if args.count is not None:
        if args.count > len(files):
            raise BenchError("--count %d: the corpus has only %d CT files" % (args.count, len(files)))
        files = files[:args.count]
    n = len(files)
    ds_bytes = sum(os.path.getsize(f) - dataset_offset(f) for f in files)
    build_type = cmake_build_type(args.build)
    dcmtk_version = "?"
    try:
        out = subprocess.run([storescp, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout.decode()
        dcmtk_version = next((w for w in out.split() if w.startswith("v3")), "?")
    except OSError:
        pass
    try:
        usage = subprocess.run([dcmkit, "recv", "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout.decode()
    except OSError as e:
        raise BenchError("cannot run %s: %s" % (dcmkit, e))
    if "+tls KEY CERT" not in usage:
        raise BenchError("%s recv has no +tls option (built without DCMKIT_WITH_TLS?)" % dcmkit)
    no_fsync = "--no-fsync" if "--no-fsync" in usage else None

    env_dk = dict(os.environ)
    env_dk.pop("TCP_NODELAY", None)  # dcmkit sets TCP_NODELAY itself
    env_dcmtk = dict(os.environ, TCP_NODELAY="1")

    print("TLS benchmark: %d CT files (%.0f MB of datasets) from %s, over 127.0.0.1" % (n, ds_bytes / 1e6, args.corpus),
          flush=True)
    if build_type not in ("Release", "RelWithDebInfo"):
        print("  WARNING: build type %s; use Release for meaningful figures" % build_type)
    warm_page_cache(files)

    workdir = tempfile.mkdtemp(prefix="bench-tls-", dir=args.build)  # same filesystem for every receiver
    receivers = []
    try:
        pki = os.path.join(workdir, "pki")
        os.makedirs(pki)
        log("making the test PKI (%s)" % os.path.normpath(PKI_SCRIPT))
        r = subprocess.run(["sh", PKI_SCRIPT, pki], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise BenchError("make_test_pki.sh failed (exit %d):\n%s" % (r.returncode, r.stdout.decode(errors="replace")))
        key = lambda name: os.path.join(pki, name + ".key")
        pem = lambda name: os.path.join(pki, name + ".pem")
        server_tls = ["+tls", key("server"), pem("server"), "+cf", pem("ca")]
        client_tls = ["+tls", key("client"), pem("client"), "+cf", pem("ca")]

        def start(name, argv_for_port, env, tag):
            rx = Receiver(name, argv_for_port, env, workdir, tag)
            receivers.append(rx)
            return rx.start()

        def dk_recv(tls, fsync):
            extra = (server_tls if tls else []) + ([] if fsync else [no_fsync])
            return lambda port, out: [dcmkit, "recv", str(port), "--out", out] + extra

        def scp(tls):
            return lambda port, out: [storescp, "-od", out] + (server_tls if tls else []) + [str(port)]

        rx_dk_tls = start("dcmkit recv +tls", dk_recv(True, True), env_dk, "dcmkit-recv-tls")
        rx_dk_plain = start("dcmkit recv", dk_recv(False, True), env_dk, "dcmkit-recv")
        rx_dk_tls_nf = rx_dk_plain_nf = None
        if no_fsync:
            rx_dk_tls_nf = start("dcmkit recv +tls " + no_fsync, dk_recv(True, False), env_dk, "dcmkit-recv-tls-nofsync")
            rx_dk_plain_nf = start("dcmkit recv " + no_fsync, dk_recv(False, False), env_dk, "dcmkit-recv-nofsync")
        rx_scp_tls = start("storescp +tls", scp(True), env_dcmtk, "storescp-tls")
        rx_scp_plain = start("storescp", scp(False), env_dcmtk, "storescp")

        def dk_send(tls):
            return lambda rx: (env_dk, [dcmkit, "send", "127.0.0.1", str(rx.port)] + (client_tls if tls else []) + files)

        def scu_send(tls):
            return lambda rx: (env_dcmtk, [storescu] + (client_tls if tls else []) + ["127.0.0.1", str(rx.port)] + files)

        nf = " " + no_fsync if no_fsync else ""
        pairs = [Pair("dcmkit send +tls -> dcmkit recv +tls", dk_send(True), rx_dk_tls, True, True)]
        if no_fsync:
            pairs.append(Pair("dcmkit send +tls -> dcmkit recv +tls" + nf, dk_send(True), rx_dk_tls_nf, True, True))
        pairs.append(Pair("storescu +tls -> storescp +tls", scu_send(True), rx_scp_tls, True, False))
        pairs.append(Pair("dcmkit send -> dcmkit recv", dk_send(False), rx_dk_plain, False, True))
        if no_fsync:
            pairs.append(Pair("dcmkit send -> dcmkit recv" + nf, dk_send(False), rx_dk_plain_nf, False, True))
        pairs.append(Pair("storescu -> storescp", scu_send(False), rx_scp_plain, False, False))
        errfile = os.path.join(workdir, "client.log")

        def one_run(pair, what):
            rx = pair.receiver
            rx.check_alive()
            rx.clear()
            os.sync()  # no write-back of an earlier run lands in this one
            env, cmd = pair.sender(rx)
            cpu0 = rx.cpu_s()
            try:
                wall, cpu_send, _ = run_client(cmd, env, errfile, "%s (%s)" % (pair.label, what), RUN_TIMEOUT_S,
                                               errfile_mode="wb")
            except BenchError as e:
                raise BenchError("%s\n%s's log ends:\n%s" % (e, rx.name, tail(rx.log_path)))
            cpu1 = rx.cpu_s()
            rx.check_alive()
            got, _, hidden = rx.received()
            if got != n or hidden:
                raise BenchError("%s (%s): %d of %d files arrived%s" % (
                    pair.label, what, got, n, ", temporary files left: %s" % hidden[:3] if hidden else ""))
            return wall, cpu_send, (cpu1 - cpu0) if cpu0 is not None and cpu1 is not None else None

        # -- 1. the CT files in one association, every pair, rounds interleaved -----------------------
        for rnd in range(args.rounds + 1):
            what = "warm-up" if rnd == 0 else "run %d/%d" % (rnd, args.rounds)
            for p in pairs:
                wall, cpu_send, cpu_recv = one_run(p, what)
                if rnd > 0:
                    p.walls.append(wall)
                    p.cpu_send.append(cpu_send)
                    if cpu_recv is not None:
                        p.cpu_recv.append(cpu_recv)
                log("%-48s %-9s %7.3f s  %7.1f MB/s  (%d files arrived)" % (p.label, what, wall, ds_bytes / 1e6 / wall, n))
        for p in pairs:
            p.receiver.clear()

        # -- 2. opening an association -----------------------------------------------------------------
        log("what the handshakes negotiate")
        dcmtk_suite = dcmtk_negotiated(echoscu, client_tls, rx_scp_tls.port, env_dcmtk)
        _, _, out = run_client([tls_setup, "127.0.0.1", str(rx_dk_tls.port), "1"] + client_tls, env_dk, errfile,
                               "tls_setup (negotiation)", ECHO_TIMEOUT_S, capture=True)
        m = re.search(r"^tls protocol (\S+) cipher (\S+)", out, re.M)
        ours_suite = "%s %s" % (m.group(1), m.group(2)) if m else "?"

        echo_kinds = [
            ("dcmkit echo +tls -> dcmkit recv +tls", env_dk,
             [dcmkit, "echo", "127.0.0.1", str(rx_dk_tls.port)] + client_tls, True),
            ("echoscu +tls -> storescp +tls", env_dcmtk,
             [echoscu] + client_tls + ["127.0.0.1", str(rx_scp_tls.port)], True),
            ("dcmkit echo -> dcmkit recv", env_dk, [dcmkit, "echo", "127.0.0.1", str(rx_dk_plain.port)], False),
            ("echoscu -> storescp", env_dcmtk, [echoscu, "127.0.0.1", str(rx_scp_plain.port)], False),
        ]
        echo_ms = {label: [] for label, _, _, _ in echo_kinds}
        log("%d association set-ups of each kind (whole processes)" % args.echo_rounds)
        for rnd in range(args.echo_rounds + 1):
            for label, env, cmd, _ in echo_kinds:
                wall, _, _ = run_client(cmd, env, errfile, label, ECHO_TIMEOUT_S, errfile_mode="wb")
                if rnd > 0:
                    echo_ms[label].append(wall * 1000)
        log("%d association set-ups of each kind in-process (bench/tls_setup)" % args.echo_rounds)
        inproc = {}
        for port, extra in ((rx_dk_tls.port, client_tls), (rx_dk_plain.port, [])):
            _, _, out = run_client([tls_setup, "127.0.0.1", str(port), str(args.echo_rounds)] + extra, env_dk, errfile,
                                   "tls_setup", RUN_TIMEOUT_S, capture=True)
            for mode, med, mn in re.findall(r"^(\w+) median_ms ([\d.]+) min_ms ([\d.]+)", out, re.M):
                inproc[mode] = (float(med), float(mn))
        for mode in ("fresh", "shared", "plain"):
            if mode not in inproc:
                raise BenchError("tls_setup printed no %s figure:\n%s" % (mode, out))
        for rx in receivers:
            rx.check_alive()
    finally:
        for rx in receivers:
            rx.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    # -- the table ------------------------------------------------------------------------------------
    by_label = {p.label: p for p in pairs}
    dcmtk_tls = by_label["storescu +tls -> storescp +tls"]
    dcmtk_plain = by_label["storescu -> storescp"]
    plain_of = {"dcmkit send +tls -> dcmkit recv +tls": by_label["dcmkit send -> dcmkit recv"],
                "storescu +tls -> storescp +tls": dcmtk_plain}
    if no_fsync:
        plain_of["dcmkit send +tls -> dcmkit recv +tls" + nf] = by_label["dcmkit send -> dcmkit recv" + nf]
    print()
    print("TLS benchmark (%d CT files, %.0f MB of datasets, one association per run; build %s; DCMTK %s; %d CPUs;"
          " median of %d after a warm-up)" % (n, ds_bytes / 1e6, build_type, dcmtk_version, os.cpu_count() or 0,
                                              args.rounds))
    print("negotiated (default profile +py, mutual authentication): dcmkit %s; DCMTK %s" % (ours_suite, dcmtk_suite))
    print("%-48s %7s %7s %9s %7s %9s %9s  %-33s %s" % ("sender -> receiver", "wall s", "best s", "images/s", "MB/s",
                                                         "send CPU", "recv CPU", "vs storescu +tls -> storescp +tls",
                                                         "TLS/plain"))
    for p in pairs:
        if not p.tls:
            continue
        if p.ours:
            vs = verdict(dcmtk_tls.wall() / p.wall(), TLS_VS_DCMTK_TARGET)
        else:
            vs = " 1.00x  (baseline)"
        plain = plain_of[p.label]
        tp = plain.wall() / p.wall()
        tls_plain = verdict(tp, TLS_VS_PLAIN_TARGET) if p.ours else "%5.2fx" % tp
        print("%-48s %7.3f %7.3f %9.0f %7.1f %8.2fs %9s  %-33s %s" % (
            p.label, p.wall(), min(p.walls), n / p.wall(), p.mbs(ds_bytes), statistics.median(p.cpu_send),
            "%.2fs" % statistics.median(p.cpu_recv) if p.cpu_recv else "n/a", vs, tls_plain))
    for p in pairs:
        if p.tls:
            continue
        print("%-48s %7.3f %7.3f %9.0f %7.1f %8.2fs %9s  %s" % (
            p.label, p.wall(), min(p.walls), n / p.wall(), p.mbs(ds_bytes), statistics.median(p.cpu_send),
            "%.2fs" % statistics.median(p.cpu_recv) if p.cpu_recv else "n/a",
            "%5.2fx  (vs storescu -> storescp)" % (dcmtk_plain.wall() / p.wall())))
    print("opening an association (connect, TLS handshake, A-ASSOCIATE, C-ECHO, release), median of %d:"
          % args.echo_rounds)
    med = {label: statistics.median(v) for label, v in echo_ms.items()}
    dk_tls_ms, scu_tls_ms = med["dcmkit echo +tls -> dcmkit recv +tls"], med["echoscu +tls -> storescp +tls"]
    dk_plain_ms, scu_plain_ms = med["dcmkit echo -> dcmkit recv"], med["echoscu -> storescp"]
    print("  %-58s %8.2f ms   %.2fx faster than echoscu +tls" % ("dcmkit echo +tls -> dcmkit recv +tls (process)",
                                                                  dk_tls_ms, scu_tls_ms / dk_tls_ms))
    print("  %-58s %8.2f ms" % ("echoscu +tls -> storescp +tls (process)", scu_tls_ms))
    print("  %-58s %8.2f ms   %.2fx faster than echoscu" % ("dcmkit echo -> dcmkit recv (process, no TLS)", dk_plain_ms,
                                                              scu_plain_ms / dk_plain_ms))
    print("  %-58s %8.2f ms" % ("echoscu -> storescp (process, no TLS)", scu_plain_ms))
    print("  %-58s %8.2f ms   (min %.2f)" % ("library -> dcmkit recv +tls, certificates loaded each time",
                                            inproc["fresh"][0], inproc["fresh"][1]))
    print("  %-58s %8.2f ms   (min %.2f)" % ("library -> dcmkit recv +tls, TlsContext loaded once",
                                            inproc["shared"][0], inproc["shared"][1]))
    print("  %-58s %8.2f ms   (min %.2f)" % ("library -> dcmkit recv, no TLS", inproc["plain"][0], inproc["plain"][1]))
    print("notes: dcmkit recv fsyncs every file and its folder before answering Success%s; storescp does not fsync\n"
          "       (its files may still be only in the page cache when it answers), so the %s rows compare like with like.\n"
          "       DCMTK ran with TCP_NODELAY=1. wall = the sender process (median; best = the fastest run), images/s and MB/s\n"
          "       from the median; ratio vs DCMTK = wall(storescu +tls -> "
          "storescp +tls) / wall;\n       TLS/plain = wall(the same pair without TLS) / wall; MB = 10^6 bytes of dataset "
          "(meta header excluded);\n       process set-up times include process start-up and loading the key and "
          "certificates; library = bench/tls_setup.\n       total %.0f s."
          % (" (unless " + no_fsync + ")" if no_fsync else "", no_fsync or "no-fsync", time.monotonic() - t_start))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print("bench tls: error: %s" % e, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("bench tls: interrupted", file=sys.stderr)
        sys.exit(1)
