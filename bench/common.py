"""Helpers shared by the benchmark drivers (*_report.py): errors and log lines, the build's type, a
warm page cache, the corpus files' studies, servers on free loopback ports started and stopped by PID,
and timed client runs."""
import os
import re
import signal
import socket
import subprocess
import threading
import time

READY_TIMEOUT_S = 10.0  # a server must listen within this
STOP_TIMEOUT_S = 10.0   # and stop within this after SIGTERM


class BenchError(Exception):
    pass


def log(msg):
    print("  " + msg, flush=True)


def cmake_build_type(build_dir):
    """CMAKE_BUILD_TYPE of a configured build folder ("?" when it cannot be read)."""
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("CMAKE_BUILD_TYPE:"):
                    return line.split("=", 1)[1].strip() or "(none)"
    except OSError:
        pass
    return "?"


def warm_page_cache(paths):
    """Reads the files once, so that timed runs read from memory, not the disk."""
    buf = bytearray(1 << 20)
    for p in paths:
        with open(p, "rb", buffering=0) as f:
            while f.readinto(buf):
                pass


def study_groups(paths):
    """The files by Study Instance UID (read by one dcmdump run), studies in first-seen order."""
    out = subprocess.run(["dcmdump", "+P", "0020,000d"] + paths, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT).stdout.decode(errors="replace")
    uids = re.findall(r"UI \[([0-9.]+)\]", out)
    if len(uids) != len(paths):
        raise BenchError("cannot read the Study Instance UIDs of the corpus:\n%s" % out[-2000:])
    groups = {}
    for uid, path in zip(uids, paths):
        groups.setdefault(uid, []).append(path)
    return groups


def tail(path, n=2000):
    """The last `n` bytes of a log file as text ("" when it cannot be read)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - n))
            return f.read().decode(errors="replace").strip()
    except OSError:
        return ""


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def listening(port):
    """True when some socket listens on `port` (read from /proc/net/tcp{,6}, so that the check opens no
    connection the server would log); falls back to a connect when /proc is not there."""
    found_table = False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f, None)
                found_table = True
                for line in f:
                    parts = line.split()
                    if len(parts) > 3 and parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            pass
    if found_table:
        return False
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Server:
    """A server process listening on a port of 127.0.0.1 (a free one unless given), its output in
    log_path. Started and stopped by PID: that of the server itself, which a subclass that wraps the
    command (command()) finds with server_pid()."""

    def __init__(self, name, argv_for_port, env, log_path, port=None):
        self.name, self.env, self.log_path = name, env, log_path
        self.port = free_port() if port is None else port
        self.argv = argv_for_port(self.port)
        self.proc = None
        self.pid = None

    def command(self):
        return self.argv

    def server_pid(self):
        """The server's PID, or None while it is not known yet."""
        return self.proc.pid

    def start(self):
        cmd = self.command()
        with open(self.log_path, "ab") as logf:
            try:
                self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, env=self.env)
            except OSError as e:
                raise BenchError("%s: cannot run %s: %s" % (self.name, cmd[0], e))
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                raise BenchError("%s exited (status %d) before listening on port %d:\n%s"
                                 % (self.name, self.proc.returncode, self.port, tail(self.log_path)))
            if self.pid is None:
                self.pid = self.server_pid()
            if self.pid is not None and listening(self.port):
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise BenchError("%s does not listen on port %d after %.0f s:\n%s"
                                 % (self.name, self.port, READY_TIMEOUT_S, tail(self.log_path)))
            time.sleep(0.02)

    def check_alive(self):
        if self.proc.poll() is not None:
            raise BenchError("%s died (status %d):\n%s" % (self.name, self.proc.returncode, tail(self.log_path)))

    def stop(self):
        """SIGTERM to the server's PID, a bounded wait, then SIGKILL (to the wrapper too)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        if self.pid is None:
            self.pid = self.server_pid()
        target = self.pid or self.proc.pid
        try:
            os.kill(target, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            for pid in dict.fromkeys((target, self.proc.pid)):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.wait()


def run_client(cmd, env, errfile, what, timeout, capture=False, errfile_mode="ab"):
    """Runs a client to completion and times it: returns (wall s, CPU s, stdout text when `capture`
    else None). Its stderr, and its stdout unless captured, go to errfile (opened with errfile_mode).
    A failure, or a run longer than `timeout` s (then killed), is a BenchError."""
    with open(errfile, errfile_mode) as ef:
        t0 = time.perf_counter()
        try:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE if capture else ef, stderr=ef,
                                 env=env)
        except OSError as e:
            raise BenchError("%s: cannot run %s: %s" % (what, cmd[0], e))
        out = []
        reader = threading.Thread(target=lambda: out.append(p.stdout.read())) if capture else None
        if reader:
            reader.start()
        killed = []

        def kill():
            killed.append(True)
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        if reader:
            reader.join()
            p.stdout.close()
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    text = out[0].decode(errors="replace") if capture else None
    if killed:
        raise BenchError("%s: still running after %.0f s, killed" % (what, timeout))
    if p.returncode != 0:
        raise BenchError("%s failed (exit %d):\n%s%s" % (what, p.returncode, text[-1000:] + "\n" if capture else "",
                                                         tail(errfile)))
    return wall, ru.ru_utime + ru.ru_stime, text
