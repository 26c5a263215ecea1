# Child-process timer for scripts/bench.mjs. Reads a JSON list of jobs on stdin, runs them one
# after another in the given order and prints one JSON result per job: wall time around
# spawn..wait4, and the child's CPU time (user, system) and peak RSS from wait4's rusage, which
# Linux reports for the child together with the children it waited for.
# Node cannot read a child's rusage, and /usr/bin/time rounds CPU time to 10 ms: too coarse for a
# 50 ms process. A job: {"argv": [...], "stdout": path-or-null, "stdin": path-or-null, "env": {...}-or-null}.
import json
import os
import subprocess
import sys
import time


def run(job):
    out = open(job["stdout"], "wb") if job.get("stdout") else subprocess.DEVNULL
    err = open(job["stderr"], "wb") if job.get("stderr") else subprocess.DEVNULL
    inp = open(job["stdin"], "rb") if job.get("stdin") else subprocess.DEVNULL
    env = job.get("env") or None
    try:
        started = time.perf_counter_ns()
        child = subprocess.Popen(job["argv"], stdin=inp, stdout=out, stderr=err, env=env, cwd=job.get("cwd"))
        _, status, usage = os.wait4(child.pid, 0)
        wall = (time.perf_counter_ns() - started) / 1e6
        child.returncode = os.waitstatus_to_exitcode(status)
    finally:
        for f in (out, err, inp):
            if hasattr(f, "close"):
                f.close()
    return {
        "wallMs": wall,
        "userMs": usage.ru_utime * 1000,
        "sysMs": usage.ru_stime * 1000,
        "maxRssKiB": usage.ru_maxrss,
        "exitCode": child.returncode,
    }


def main():
    jobs = json.load(sys.stdin)
    json.dump([run(job) for job in jobs], sys.stdout)


main()
