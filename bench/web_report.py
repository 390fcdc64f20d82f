#!/usr/bin/python3
"""Driver of `./dk.sh bench web` (run by bench/web.sh).

    web_report.py --build BUILD_DIR --corpus CORPUS_DIR [--studies N] [--queries N] [--rounds N]
                  [--only stow,qido,wado] [--client discard|curl]

DICOMweb over loopback (127.0.0.1, free ports): `dcmkit serve --http` against Orthanc with its
DICOMweb plugin (Debian's packages), the same data in both, curl as the client of both (but for the
timed WADO-RS retrievals, see 4).
  1. STOW-RS of the 500 CT files of the corpus (10 studies): one multipart/related request per
     study, the bodies written to disk beforehand; images/s.
  2. --studies (default 4,000) synthetic instances in as many studies (qr_client synth), loaded by
     C-STORE (dcmkit send into ours, storescu into Orthanc's DICOM port: loading is not measured).
  3. QIDO-RS: GET /studies?PatientName=SMITH* (one study in ten) with the default return keys, many
     identical requests on one connection (one curl process given the URL N times); timed with 1
     and 1+N requests, the per-query time is the difference over N. Both must find as many studies.
  4. WADO-RS: GET /studies/{uid} of the 10 CT studies (transfer-syntax=*, as stored): a warm-up
     run by curl that checks every instance arrives, then --rounds (default 5) of each server in
     turns, alternating which goes first, the best kept, each response at least as large as its
     files; the server's CPU time (user + system, /proc/PID/stat) per round, which the other load
     of a shared machine disturbs less than the wall-clock time; the server's peak RSS during the
     retrievals (/proc/PID/clear_refs 5, then VmHWM). The timed client (--client discard, the
     default) is this script: one connection per study (Connection: close), the response's header
     read, its body received with MSG_TRUNC (discarded by the kernel, not copied) until the server
     closes, bytes counted, so that the client's cost, the same for both servers, stays small
     beside theirs (curl copies every byte into its buffer and out to /dev/null: with --client
     curl, one curl per study as before, the client takes more CPU time than our server and hides
     the difference).
--only runs some of the measurements (a comma-separated list of stow, qido, wado): WADO-RS without
STOW-RS still stores the CT studies by STOW-RS first (not timed); the synthetic studies are made and
loaded only for QIDO-RS.
Servers are started and stopped by PID. Prints a table; a missed target is printed as MISSED.
"""
import argparse
import glob
import json
import os
import shutil
import socket
import struct
import sys
import time

from common import BenchError, Server, free_port, log, run_client, study_groups

QIDO_TARGET = 5.0  # queries/s, ours / Orthanc
WADO_TARGET = 2.0  # images/s
STOW_TARGET = 2.0  # images/s
SURNAMES = 10
ORTHANC = "/usr/sbin/Orthanc"
PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"


def curl(args, errfile, what, capture=False):
    wall, _, out = run_client(["curl", "-s", "-S", "-f", "-m", "3600"] + args, None, errfile, what, 3700, capture=capture)
    return wall, out


def stow_body(paths, out_path, boundary):
    with open(out_path, "wb") as out:
        for p in paths:
            out.write(b"--" + boundary + b"\r\nContent-Type: application/dicom\r\n\r\n")
            with open(p, "rb") as f:
                shutil.copyfileobj(f, out)
            out.write(b"\r\n")
        out.write(b"--" + boundary + b"--\r\n")


def rss_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    """User and system CPU time of a process so far, in seconds (/proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak(pid):
    try:
        with open("/proc/%d/clear_refs" % pid, "w") as f:
            f.write("5")
    except OSError:
        pass


DISCARD = bytearray(1 << 24)  # recv_into's buffer: with MSG_TRUNC the kernel writes nothing into it


def discard_get(port, path, headers):
    """GET path from 127.0.0.1:port on a new connection (Connection: close), its body received with
    MSG_TRUNC (TCP drops the bytes without copying them, tcp(7)) until the server closes; a blocking
    socket that wakes the client once 1 MiB has arrived (SO_RCVLOWAT), not for every segment. Returns
    the body's bytes on the wire (chunk framing included)."""
    with socket.create_connection(("127.0.0.1", port), timeout=600) as s:
        s.settimeout(None)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 600, 0))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        req = "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%sConnection: close\r\n\r\n" % (
            path, port, "".join(h + "\r\n" for h in headers))
        s.sendall(req.encode())
        head = b""
        while True:  # the header, peeked at and then taken: the body stays in the socket
            peek = s.recv(65536, socket.MSG_PEEK)
            end = peek.find(b"\r\n\r\n")
            if not peek or (end < 0 and len(peek) >= 65536):
                raise BenchError("GET %s on port %d: no complete response header (%r)" % (path, port, peek[:200]))
            if end >= 0:
                head = s.recv(end + 4)
                break
            time.sleep(0.0005)  # a part of the header: wait for the rest
        status = head.split(b"\r\n", 1)[0]
        if status.split(b" ")[1:2] != [b"200"]:
            raise BenchError("GET %s on port %d: %s" % (path, port, status.decode(errors="replace")))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, 1 << 20)
        total = 0
        while True:
            n = s.recv_into(DISCARD, len(DISCARD), socket.MSG_TRUNC)
            if n == 0:
                return total
            total += n


def count_studies(text):
    return len(json.loads(text))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--studies", type=int, default=4000, help="synthetic studies searched (default 4000)")
    ap.add_argument("--queries", type=int, default=200, help="QIDO requests per timed run (default 200)")
    ap.add_argument("--rounds", type=int, default=5,
                    help="timed WADO-RS runs of each server after a warm-up, in turns (best kept; default 5)")
    ap.add_argument("--only", default="stow,qido,wado", help="comma-separated measurements to run (stow, qido, wado)")
    ap.add_argument("--client", choices=("discard", "curl"), default="discard",
                    help="the timed WADO-RS client: this script, bytes discarded unread (default), or one curl per study")
    args = ap.parse_args()
    only = set(x.strip() for x in args.only.split(",") if x.strip())
    if not only or only - {"stow", "qido", "wado"}:
        raise BenchError("--only takes a comma-separated list of stow, qido and wado, not %r" % args.only)

    dcmkit = os.path.join(args.build, "bin", "dcmkit")
    qr_client = os.path.join(args.build, "bench", "qr_client")
    for exe in (dcmkit, qr_client):
        if not os.access(exe, os.X_OK):
            raise BenchError("missing %s (build dcmkit_cli and bench_qr_client)" % exe)
    ct_files = sorted(glob.glob(os.path.join(args.corpus, "ct", "*.dcm")))
    if not ct_files:
        raise BenchError("corpus %s has no ct/*.dcm (run make_corpus)" % args.corpus)
    studies = study_groups(ct_files)
    root = os.path.join(args.build, "bench-web")
    work = os.path.join(root, "run")
    if os.path.isdir(work):
        shutil.rmtree(work)
    os.makedirs(work)
    errlog = os.path.join(work, "clients.log")

    print("$ ./dk.sh bench web   (bench/web.sh %s%s)" % (args.build, "".join(" " + a for a in sys.argv[5:])))
    print("DICOMweb over loopback: dcmkit serve --http vs Orthanc + DICOMweb plugin (one machine, %d cores)"
          % (os.cpu_count() or 0))
    synth_dir = os.path.join(root, "synth-%d" % args.studies)
    stamp = synth_dir + ".ok"
    if "qido" in only and not (os.path.exists(stamp) and len(glob.glob(os.path.join(synth_dir, "**", "*.dcm"), recursive=True)) == args.studies):
        if os.path.isdir(synth_dir):
            shutil.rmtree(synth_dir)
        os.makedirs(synth_dir)
        run_client([qr_client, "synth", synth_dir, str(args.studies), str(args.studies)], None, errlog, "synth", 3600)
        open(stamp, "w").close()
    smith = sum(1 for s in range(args.studies) if (s // 2) % SURNAMES == 0)
    bodies = {}
    for i, (uid, paths) in enumerate(studies.items()):
        bodies[uid] = os.path.join(work, "stow-%d.body" % i)
        stow_body(paths, bodies[uid], b"BENCHBOUNDARY")

    servers = []
    results = {}
    try:
        ours_http = free_port()
        ours = Server("dcmkit serve", lambda p: [dcmkit, "serve", str(p), "--storage", os.path.join(work, "dcmkit"),
                                                 "--bind", "127.0.0.1", "--http", str(ours_http), "-aet", "DCMKITWEB"],
                      None, os.path.join(work, "dcmkit.log"))
        servers.append(ours.start())
        o_http, o_dicom = free_port(), free_port()
        odir = os.path.join(work, "orthanc")
        os.makedirs(odir)
        cfg = os.path.join(odir, "orthanc.json")
        with open(cfg, "w") as f:
            json.dump({"Name": "bench", "StorageDirectory": odir + "/db", "IndexDirectory": odir + "/db",
                       "HttpPort": o_http, "DicomPort": o_dicom, "RemoteAccessAllowed": False,
                       "AuthenticationEnabled": False, "Plugins": [PLUGIN], "DicomAet": "ORTHANC",
                       "DicomWeb": {"Enable": True, "Root": "/dicom-web/"}}, f)
        orth = Server("Orthanc", lambda p: [ORTHANC, cfg], None, os.path.join(work, "orthanc.log"), port=o_http)
        servers.append(orth.start())
        bases = {"ours": "http://127.0.0.1:%d/dicomweb" % ours_http, "orthanc": "http://127.0.0.1:%d/dicom-web" % o_http}
        http_at = {"ours": (ours_http, "/dicomweb"), "orthanc": (o_http, "/dicom-web")}
        ct = 'multipart/related; type="application/dicom"; boundary=BENCHBOUNDARY'

        # -- STOW-RS (also how WADO-RS gets its studies) -------------------------------------
        for name, base in bases.items() if only & {"stow", "wado"} else ():
            t0 = time.perf_counter()
            for uid, body in bodies.items():
                curl(["-o", "/dev/null", "-X", "POST", "-H", "Content-Type: " + ct, "-H", "Accept: application/dicom+json",
                      "--data-binary", "@" + body, base + "/studies"], errlog, "STOW-RS to " + name)
            results["stow_" + name] = time.perf_counter() - t0
            if "stow" in only:
                log("STOW-RS %s: %d files in %.2f s" % (name, len(ct_files), results["stow_" + name]))

        # -- the synthetic studies (C-STORE, not timed) --------------------------------------
        if "qido" in only:
            run_client([dcmkit, "send", "127.0.0.1", str(ours.port), "-aec", "DCMKITWEB", synth_dir], None, errlog,
                       "dcmkit send", 3600)
            run_client(["storescu", "-aec", "ORTHANC", "+sd", "+r", "127.0.0.1", str(o_dicom), synth_dir],
                       dict(os.environ, TCP_NODELAY="1"), errlog, "storescu to Orthanc", 3600)

        # -- QIDO-RS ----------------------------------------------------------------------------
        for name, base in bases.items() if "qido" in only else ():
            url = base + "/studies?PatientName=SMITH*"
            _, out = curl([url], errlog, "QIDO-RS " + name, capture=True)
            found = count_studies(out)
            if found != smith:
                raise BenchError("QIDO-RS on %s finds %d studies, not %d" % (name, found, smith))
            t1, _ = curl(["-o", "/dev/null", url], errlog, "QIDO-RS " + name)
            tn, _ = curl(sum((["-o", "/dev/null", url] for _ in range(args.queries + 1)), []), errlog, "QIDO-RS " + name)
            per = max(tn - t1, 1e-9) / args.queries
            results["qido_" + name] = 1.0 / per
            log("QIDO-RS %s: %.2f ms per query (%d matches)" % (name, per * 1000, found))

        # -- WADO-RS ----------------------------------------------------------------------------
        accept = 'Accept: multipart/related; type="application/dicom"; transfer-syntax=*'
        names = list(bases) if "wado" in only else []
        sizes = {uid: sum(os.path.getsize(p) for p in paths) for uid, paths in studies.items()}
        for name in names:  # the warm-up run checks every instance arrives
            for uid, paths in studies.items():
                out_path = os.path.join(work, "wado.out")
                curl(["-o", out_path, "-H", accept, bases[name] + "/studies/" + uid], errlog, "WADO-RS " + name)
                with open(out_path, "rb") as f:
                    parts = f.read().count(b"Content-Type: application/dicom")
                if parts != len(paths):
                    raise BenchError("WADO-RS from %s gave %d instances of study %s, not %d"
                                     % (name, parts, uid, len(paths)))
        best, peak, cpu = {}, {}, {}
        for r in range(args.rounds):
            # the servers take turns (in alternating order), so that both see the machine alike
            for name in names if r % 2 == 0 else names[::-1]:
                server = ours if name == "ours" else orth
                reset_peak(server.pid)
                c0 = cpu_seconds(server.pid)
                t0 = time.perf_counter()
                for uid in studies:
                    # the bytes are counted, not kept (the client's disk is not measured)
                    if args.client == "curl":
                        _, got = curl(["-o", "/dev/null", "-w", "%{size_download}", "-H", accept,
                                       bases[name] + "/studies/" + uid], errlog, "WADO-RS " + name, capture=True)
                    else:
                        port, root_path = http_at[name]
                        got = discard_get(port, root_path + "/studies/" + uid, [accept])
                    if int(got) < sizes[uid]:
                        raise BenchError("WADO-RS from %s gave %s bytes for study %s, less than its files" % (name, got, uid))
                t = time.perf_counter() - t0
                cpu[name] = cpu.get(name, 0.0) + cpu_seconds(server.pid) - c0
                peak[name] = max(peak.get(name, 0), rss_kb(server.pid, "VmHWM"))
                best[name] = min(best.get(name, t), t)
        for name in names:
            results["wado_" + name] = best[name]
            results["wado_cpu_" + name] = cpu[name] / args.rounds
            results["rss_" + name] = peak[name]
            log("WADO-RS %s: %d files in %.3f s (best of %d, client %s), server CPU %.3f s a round, peak RSS %d MB"
                % (name, len(ct_files), best[name], args.rounds, args.client, cpu[name] / args.rounds,
                   peak[name] // 1024))
    finally:
        for s in reversed(servers):
            s.stop()

    n = len(ct_files)
    rows = []
    if "stow" in only:
        rows.append(("STOW-RS of the 500 CT files, images/s", n / results["stow_ours"], n / results["stow_orthanc"],
                     STOW_TARGET))
    if "qido" in only:
        rows.append(("QIDO-RS study search over %d studies, queries/s" % args.studies, results["qido_ours"],
                     results["qido_orthanc"], QIDO_TARGET))
    if "wado" in only:
        rows.append(("WADO-RS of the 500 CT files, images/s", n / results["wado_ours"], n / results["wado_orthanc"],
                     WADO_TARGET))
    print("%-52s %12s %12s %8s  %s" % ("", "dcmkit", "Orthanc", "ratio", "target"))
    for label, a, b, target in rows:
        ratio = a / b
        print("%-52s %12.1f %12.1f %7.1fx  >= %.0fx %s" % (label, a, b, ratio, target, "" if ratio >= target else "MISSED"))
    if "wado" in only:
        ours_cpu, orthanc_cpu = results["wado_cpu_ours"], results["wado_cpu_orthanc"]
        if ours_cpu > 0 and orthanc_cpu > 0:
            print("%-52s %12.0f %12.0f %7.1fx" % ("WADO-RS images per server CPU second", n / ours_cpu,
                                                   n / orthanc_cpu, orthanc_cpu / ours_cpu))
        print("%-52s %12d %12d" % ("peak RSS during WADO-RS, MB", results["rss_ours"] // 1024,
                                   results["rss_orthanc"] // 1024))


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print("bench web: error: %s" % e, file=sys.stderr)
        sys.exit(1)
