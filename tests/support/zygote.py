"""Start ``dxdesk`` / ``dxdesk-server`` commands without paying their imports each time.

A command the tests run spends ~1.2 s of CPU importing SQLAlchemy, cryptography,
argon2, requests… before it does anything, and the tests run hundreds. A zygote is a
long-lived Python process that has imported those modules once (and opened nothing:
no database, thread or socket). For each command it forks a child that takes the
command's argv, environment, working folder and stdin/stdout/stderr, then runs the
console script's ``main()`` and exits with its code. So every command is still a real
separate process (its own exit code, files, signals, crashes) started from the same
interpreter state a fresh one would reach, minus the import time.

Python reads a few environment variables only at interpreter start (``PYTHON*``,
the locale), so there is one zygote per distinct set of those. ``DXDESK_TEST_NO_ZYGOTE=1``
runs every command as a plain subprocess instead (both modes must pass the same tests).

``Zygotes.run`` runs a command to its end (as ``subprocess.run``); ``Zygotes.start``
starts one and hands back a Popen-like handle (the tests' servers, the chaos test's
syncs killed mid-flight).

Wire format, on a ``SOCK_SEQPACKET`` Unix socket (one message each, no framing):
the test sends ``{"argv", "env", "cwd"}`` with four descriptors (a reply socket,
stdin, stdout, stderr); on the reply socket the zygote's supervisor answers
``{"pid": …}`` with a pidfd when the command starts and ``{"code": …}`` when it
ends. The test closing its end first stops the command (SIGTERM).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import io
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not imported at run time: the zygote imports only what it serves
    from sync.local_server import ChildProcess

NO_ZYGOTE_ENV = "DXDESK_TEST_NO_ZYGOTE"
BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]

# What each console script (pyproject's [project.scripts]) runs, and what its zygote
# imports ahead: the script's module plus what its commands import on use.
ENTRIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "dxdesk": (
        "ui.launcher",
        (
            "dxdesk.cli", "sync.cli", "sync.bundle_cli", "ui.demo", "dxdesk.profile",
            "dxdesk.store.db", "dxdesk.store.legacy_migration", "dxdesk.identity.users",
            "dxdesk.identity.unlock", "dxdesk.identity.credentials", "sync.engine",
            "sync.session", "sync.transport", "sync.local_server", "sync.receipt_import",
            "sync.task_import", "sync.bundle_export", "alembic.command",
            "alembic.runtime.migration", "alembic.operations", "alembic.autogenerate",
            "sqlcipher3", "argon2.low_level", "cryptography.hazmat.primitives.ciphers.aead",
            "cryptography.hazmat.primitives.asymmetric.ed25519",
            "cryptography.hazmat.primitives.asymmetric.x25519", "requests", "keyring",
        ),
    ),
    "dxdesk-server": (
        "sync.server.cli",
        (
            "sync.server.demo", "alembic.command", "psycopg",
            # What `serve` imports as it starts (modules only: loops, sockets and
            # threads are made in each server's own process).
            "uvicorn.loops.auto", "uvicorn.loops.uvloop", "uvicorn.protocols.http.auto",
            "uvicorn.protocols.http.httptools_impl", "uvicorn.protocols.websockets.auto",
            "uvicorn.protocols.websockets.wsproto_impl", "uvicorn.lifespan.on",
            "anyio._backends._asyncio", "cryptography.hazmat.backends.openssl.backend",
        ),
    ),
}  # fmt: skip

MAX_MESSAGE = 1 << 20


def startup_env(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The variables a Python interpreter reads only as it starts: a command whose
    environment differs in one of them needs a zygote started with it."""
    return tuple(
        sorted(
            (key, value)
            for key, value in env.items()
            if (key.startswith("PYTHON") and not key.startswith("PYTHON_"))
            or key in ("LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "PATH")
        )
    )


# --- the test's side ---------------------------------------------------------------


class Zygote:
    """One zygote process for one console script and one start-up environment."""

    def __init__(self, entry: str, env: Mapping[str, str]) -> None:
        self.entry = entry
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.control = ours
        self.lock = threading.Lock()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.zygote", entry, str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            env=dict(env),
            cwd=REPO,  # -m finds this module from here; each command gets its own sys.path[0]
            stdin=subprocess.DEVNULL,
        )
        theirs.close()

    def alive(self) -> bool:
        return self.process.poll() is None

    def spawn(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: str | os.PathLike[str] | None,
        stdio: tuple[int, int, int],
        timeout: float = 60,
    ) -> ZygoteProcess:
        """Start the command on these descriptors (the caller keeps and closes its
        own); ``timeout`` bounds only the wait for its start."""
        argv = [str(BIN / self.entry), *args]
        reply, child_reply = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        request = {"argv": argv, "env": dict(env), "cwd": os.fspath(cwd or os.getcwd())}
        try:
            with self.lock:
                socket.send_fds(
                    self.control, [json.dumps(request).encode()], [child_reply.fileno(), *stdio]
                )
            reply.settimeout(timeout)
            message, fds, _flags, _addr = socket.recv_fds(reply, MAX_MESSAGE, 1)
        except TimeoutError:
            reply.close()  # if it starts after all, the zygote stops it (SIGTERM)
            raise subprocess.TimeoutExpired(argv, timeout) from None
        except BaseException:
            reply.close()
            raise
        finally:
            child_reply.close()
        if not message or len(fds) != 1:
            reply.close()
            raise RuntimeError(f"zygote: {argv[0]} did not start")
        return ZygoteProcess(argv, int(json.loads(message)["pid"]), fds[0], reply)

    def run(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: str | os.PathLike[str] | None,
        stdin: str | None,
        timeout: float,
    ) -> subprocess.CompletedProcess[str]:
        deadline = time.monotonic() + timeout
        # No input: the command reads the test's own stdin, as subprocess.run's would.
        in_r, in_w = os.pipe() if stdin is not None else (os.dup(0), -1)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            process = self.spawn(
                args, env=env, cwd=cwd, stdio=(in_r, out_w, err_w), timeout=timeout
            )
        except BaseException:
            for fd in (in_w, out_r, err_r):
                if fd >= 0:
                    os.close(fd)
            raise
        finally:
            for fd in (in_r, out_w, err_w):
                os.close(fd)
        out = err = b""
        try:
            data = (stdin or "").encode("utf-8")
            out, err = _communicate(in_w, data, out_r, err_r, deadline, process.args, timeout)
            in_w = -1  # closed by _communicate
            code = process.wait(max(0.001, deadline - time.monotonic()))
        except subprocess.TimeoutExpired as exc:
            process.kill()
            process.close()
            raise subprocess.TimeoutExpired(
                process.args, timeout, exc.output or out, exc.stderr or err
            ) from None
        finally:
            for fd in (in_w, out_r, err_r):
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
        # As subprocess.run(text=True) gives them: UTF-8, universal newlines.
        return subprocess.CompletedProcess(process.args, code, _text(out), _text(err))

    def close(self) -> None:
        self.control.close()  # the zygote ends at the end of its control socket
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ZygoteProcess:
    """A command a zygote started, handled as its ``subprocess.Popen`` would be: pid,
    poll, wait, signals. Signals go through a pidfd, so they can never reach another
    process that took the pid after this one ended. Closing the handle (or the test
    process ending) ends the command with SIGTERM, as a server LocalServer starts
    dies with its parent."""

    def __init__(self, args: list[str], pid: int, pidfd: int, reply: socket.socket) -> None:
        self.args = args
        self.pid = pid
        self.returncode: int | None = None
        self._pidfd = pidfd
        self._reply = reply

    def poll(self) -> int | None:
        if self.returncode is None:
            self._reply.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                self._ended(self._reply.recv(MAX_MESSAGE))
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._reply.settimeout(timeout)
            try:
                self._ended(self._reply.recv(MAX_MESSAGE))
            except TimeoutError:
                raise subprocess.TimeoutExpired(self.args, timeout or 0) from None
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is None and self._pidfd >= 0:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def _ended(self, message: bytes) -> None:
        if not message:
            self.close()
            raise RuntimeError(f"zygote: lost track of {self.args[0]} (pid {self.pid})")
        self.returncode = int(json.loads(message)["code"])
        self.close()  # nothing more to hear or signal

    def close(self) -> None:
        self._reply.close()
        if self._pidfd >= 0:
            os.close(self._pidfd)
            self._pidfd = -1

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


def _text(data: bytes) -> str:
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _communicate(
    in_w: int,
    data: bytes,
    out_r: int,
    err_r: int,
    deadline: float,
    argv: list[str],
    timeout: float,
) -> tuple[bytes, bytes]:
    """Feed stdin and read stdout/stderr to their ends, as Popen.communicate does;
    closes ``in_w``."""
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    left_to_write = memoryview(data)
    with selectors.DefaultSelector() as selector:
        for fd in (out_r, err_r):
            selector.register(fd, selectors.EVENT_READ)
        if in_w >= 0 and data:
            os.set_blocking(in_w, False)
            selector.register(in_w, selectors.EVENT_WRITE)
        elif in_w >= 0:
            os.close(in_w)
        try:
            while selector.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    out, err = (b"".join(chunks[fd]) for fd in (out_r, err_r))
                    raise subprocess.TimeoutExpired(argv, timeout, out, err)
                for key, _ in selector.select(left):
                    fd = int(key.fd)
                    if fd == in_w:
                        left_to_write = _write_some(fd, left_to_write)
                        done = not left_to_write
                    else:
                        chunk = os.read(fd, 65536)
                        chunks[fd].append(chunk)
                        done = not chunk
                    if done:
                        selector.unregister(fd)
                    if done and fd == in_w:
                        os.close(fd)  # the end of the input: the command may read to it
        finally:
            if in_w >= 0 and in_w in selector.get_map():
                os.close(in_w)
    return b"".join(chunks[out_r]), b"".join(chunks[err_r])


def _write_some(fd: int, data: memoryview) -> memoryview:
    try:
        return data[os.write(fd, data[:65536]) :]
    except BrokenPipeError:  # the command stopped reading: as communicate(), not an error
        return data[:0]


class Zygotes:
    """The zygotes of one test process, started on first use."""

    def __init__(self) -> None:
        self.started: dict[tuple[str, tuple[tuple[str, str], ...]], Zygote] = {}
        self.lock = threading.Lock()

    def run(
        self,
        entry: str,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        stdin: str | None = None,
        timeout: float = 60,
        console_script: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Like ``subprocess.run([entry, *args], capture_output=True, text=True,
        encoding="utf-8", input=stdin, …)``, the command started by a zygote, or by
        its console script itself when asked (``console_script``) or when
        ``DXDESK_TEST_NO_ZYGOTE`` is set."""
        env = dict(os.environ if env is None else env)
        if console_script or os.environ.get(NO_ZYGOTE_ENV):
            return subprocess.run(
                [str(BIN / entry), *args], capture_output=True, text=True, encoding="utf-8",
                input=stdin, timeout=timeout, check=False, env=env, cwd=cwd,
            )  # fmt: skip
        return self._zygote(entry, env).run(args, env=env, cwd=cwd, stdin=stdin, timeout=timeout)

    def start(
        self,
        entry: str,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        stdin: int | None = None,
        stdout: int | None = None,
        stderr: int | None = None,
    ) -> ChildProcess:
        """Like ``subprocess.Popen([entry, *args], stdin=…, stdout=…, stderr=…)`` with
        descriptors, ``subprocess.DEVNULL`` or (stderr) ``subprocess.STDOUT``; None
        inherits the test's own. Started by a zygote unless ``DXDESK_TEST_NO_ZYGOTE``."""
        env = dict(os.environ if env is None else env)
        if os.environ.get(NO_ZYGOTE_ENV):
            return subprocess.Popen(
                [str(BIN / entry), *args], stdin=stdin, stdout=stdout, stderr=stderr,
                env=env, cwd=cwd,
            )  # fmt: skip
        with contextlib.ExitStack() as opened:

            def descriptor(value: int | None, own: int) -> int:
                if value is None:
                    return own
                if value == subprocess.DEVNULL:
                    null = os.open(os.devnull, os.O_RDWR)
                    opened.callback(os.close, null)
                    return null
                return value

            out = descriptor(stdout, 1)
            err = out if stderr == subprocess.STDOUT else descriptor(stderr, 2)
            stdio = (descriptor(stdin, 0), out, err)
            return self._zygote(entry, env).spawn(args, env=env, cwd=cwd, stdio=stdio)

    def _zygote(self, entry: str, env: Mapping[str, str]) -> Zygote:
        key = (entry, startup_env(env))
        with self.lock:
            zygote = self.started.get(key)
            if zygote is None or not zygote.alive():
                zygote = self.started[key] = Zygote(entry, env)
            return zygote

    def close(self) -> None:
        with self.lock:
            for zygote in self.started.values():
                zygote.close()
            self.started.clear()


ZYGOTES = Zygotes()


# --- the zygote's side -------------------------------------------------------------


def serve(entry: str, control_fd: int) -> None:
    module_name, ahead = ENTRIES[entry]
    for name in (module_name, *ahead):
        importlib.import_module(name)
    # Forking copies only the calling thread: anything else running now would be
    # missing (or hold a lock forever) in every command.
    if threading.active_count() != 1:
        raise RuntimeError(f"zygote: imports started threads: {threading.enumerate()}")
    control = socket.socket(fileno=control_fd)
    while True:
        message, fds, _flags, _addr = socket.recv_fds(control, MAX_MESSAGE, 4)
        if not message:
            break  # the tests are done
        if os.fork() == 0:
            control.close()
            _supervise(module_name, json.loads(message), fds)
        for fd in fds:
            os.close(fd)
        _reap(os.WNOHANG)
    _reap(0)


def _reap(flags: int) -> None:
    """Wait for the finished supervisors. Waited for, not ignored: so their CPU time
    (and their commands') adds up in the test process's, as a subprocess's does."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, flags)[0] > 0:
            pass


def _supervise(module_name: str, request: dict[str, object], fds: list[int]) -> None:
    """In a child of the zygote: start the command in a grandchild, give the test its
    pid and a pidfd, wait for it and tell the test its exit code (as subprocess
    reports it). If the test closes its end first (its handle dropped, or the test
    process gone), the command gets SIGTERM, as LocalServer's children do."""
    reply_fd, stdio = fds[0], fds[1:]
    code = 70
    try:
        pid = os.fork()
        if pid == 0:
            os.close(reply_fd)
            _command(module_name, request, stdio)
        for fd in stdio:
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        with socket.socket(fileno=reply_fd) as reply, selectors.DefaultSelector() as selector:
            with contextlib.suppress(OSError):  # the test may be gone already
                socket.send_fds(reply, [json.dumps({"pid": pid}).encode()], [pidfd])
            selector.register(pidfd, selectors.EVENT_READ)
            selector.register(reply, selectors.EVENT_READ)
            while pidfd not in {key.fd for key, _ in selector.select()}:
                # Only the reply socket: the test's end has closed (it never sends).
                selector.unregister(reply)
                with contextlib.suppress(ProcessLookupError):
                    signal.pidfd_send_signal(pidfd, signal.SIGTERM)
            _, status = os.waitpid(pid, 0)
            with contextlib.suppress(OSError):
                reply.send(json.dumps({"code": os.waitstatus_to_exitcode(status)}).encode())
        code = 0
    finally:
        os._exit(code)


def _command(module_name: str, request: dict[str, object], stdio: list[int]) -> None:
    """In the grandchild: become the command, as its console script would, and exit."""
    code: int = 1
    try:
        for target, fd in enumerate(stdio):
            os.dup2(fd, target)
            os.close(fd)
        env = request["env"]
        argv = request["argv"]
        cwd = request["cwd"]
        assert isinstance(env, dict) and isinstance(argv, list) and isinstance(cwd, str)
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        sys.argv = [str(part) for part in argv]
        sys.path[0] = str(Path(sys.argv[0]).parent)  # where a console script's path starts
        # The script is __main__, as for the console script: multiprocessing's spawn
        # (uvicorn's --workers) starts its children from it, not from this module.
        script = types.ModuleType("__main__")
        script.__file__ = sys.argv[0]
        sys.modules["__main__"] = script
        # Fresh streams on the new descriptors, made as the interpreter made the
        # zygote's own (same start-up environment, so the same encoding and errors).
        for fd, name in enumerate(("stdin", "stdout", "stderr")):
            like = getattr(sys, f"__{name}__")
            stream = _stream(fd, "rb" if fd == 0 else "wb", like, line_buffering=fd == 2)
            setattr(sys, name, stream)
            setattr(sys, f"__{name}__", stream)
        main = importlib.import_module(module_name).main
        try:
            code = _exit_code(main())
        except SystemExit as exc:
            code = _exit_code(exc.code)
        except BaseException:
            traceback.print_exc()
            code = 1
        atexit._run_exitfuncs()
        threading._shutdown()  # type: ignore[attr-defined]  # non-daemon threads, as at exit
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os._exit(code)


def _stream(fd: int, mode: str, like: object, *, line_buffering: bool = False) -> io.TextIOWrapper:
    encoding = getattr(like, "encoding", None) or "utf-8"
    errors = getattr(like, "errors", None) or "strict"
    return io.TextIOWrapper(
        open(fd, mode, closefd=False), encoding, errors, line_buffering=line_buffering
    )


def _exit_code(value: object) -> int:
    """What the interpreter makes of ``sys.exit(value)``."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    print(value, file=sys.stderr)
    return 1


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
