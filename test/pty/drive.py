#!/usr/bin/env python3
"""Drive a program through a real pseudo-terminal, like a person at a keyboard.

Reads a JSON script on stdin:
  {"argv": [...], "cwd": "...", "env": {...}, "cols": 200, "rows": 50, "timeout": 20,
   "steps": [{"expect": "<regex on the screen text, ANSI stripped>", "send": "<keys>"}, ...]}
Each step waits until its regex matches the output that arrived since the previous match, then
types its keys. After the last step it reads until the program exits and prints JSON:
  {"exitCode": n, "screen": "<all output, ANSI stripped>", "failedStep": i | null}
Only the standard library (pty, os, select): works from a fresh clone, no native build.
"""
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][A-Za-z0-9]|\x1b[=>78]")


def strip(text):
    return ANSI.sub("", text).replace("\r", "")


def main():
    script = json.load(sys.stdin)
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(script["cwd"])
        os.execvpe(script["argv"][0], script["argv"], script["env"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", script.get("rows", 50), script.get("cols", 200), 0, 0))
    os.kill(pid, signal.SIGWINCH)
    raw = b""
    consumed = 0
    failed = None
    deadline_total = time.time() + script.get("timeout", 30)

    def pump(wait):
        nonlocal raw
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return True
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        raw += chunk
        return True

    alive = True
    for i, step in enumerate(script["steps"]):
        pattern = re.compile(step["expect"])
        matched = False
        while time.time() < deadline_total:
            screen = strip(raw.decode("utf-8", "replace"))
            m = pattern.search(screen, consumed)
            if m:
                consumed = m.end()
                matched = True
                break
            if not alive:
                break
            alive = pump(0.1)
        if not matched:
            failed = i
            break
        time.sleep(step.get("delay", 0.3))  # let the prompt finish rendering, as a person would
        os.write(fd, step["send"].encode("utf-8"))

    while alive and time.time() < deadline_total:
        alive = pump(0.2)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            while pump(0.05):
                pass
            break
    else:
        status = None
    if failed is not None or status is None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    code = os.waitstatus_to_exitcode(status) if status is not None else None
    print(json.dumps({"exitCode": code, "screen": strip(raw.decode("utf-8", "replace")), "failedStep": failed}))


if __name__ == "__main__":
    main()
