#!/usr/bin/env python3
"""Disk full and read-only media (issue 6; DECISIONS 23).

A node on a small tmpfs is written until the disk fills: the failing
write is refused with a clear message, every acknowledged write is still
there, `log verify` passes, and once space returns writes succeed again.
Then the file system turns read-only (as a worn SD card does): get, ls,
vector, state-hash and bundle export still work, and a write is refused
with a clear message. Needs root for mount; without it the test reports
itself skipped (exit 77), loudly.
"""
import json
import os
import subprocess
import sys
import tempfile

HZ = sys.argv[1]


def run(*args, check=True):
    p = subprocess.run([HZ, *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        sys.exit(f"FAIL: huzhu {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


def main():
    top = tempfile.mkdtemp(prefix="hz-media-")
    # The card: room for a new node's database twice (its write-ahead log
    # holds a copy of every page it writes until the checkpoint) and 512
    # KiB for households, measured so the card does not fill at the first
    # write when the schema grows (1 MiB, fixed, did at schema 8).
    fresh = os.path.join(top, "fresh")
    run("-d", fresh, "init", "--name", "量")
    kib = 2 * os.path.getsize(os.path.join(fresh, "node.db")) // 1024 + 512
    subprocess.run(["rm", "-rf", fresh])
    mnt = os.path.join(top, "card")
    os.mkdir(mnt)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dk" % kib,
                       "tmpfs", mnt],
                      capture_output=True).returncode != 0:
        print("SKIPPED: cannot mount a tmpfs here (needs root): disk-full and"
              " read-only media were NOT tested")
        os.rmdir(mnt)
        os.rmdir(top)
        return 77
    try:
        node = os.path.join(mnt, "node")
        run("-d", node, "init", "--name", "小容量卡")
        notes = "备注" * 600
        acked = []
        for i in range(500):
            p = run("-d", node, "put", "households", f"head_name=测试户{i}",
                    f"notes={notes}", check=False)
            if p.returncode != 0:
                assert "磁盘已满" in p.stderr, p.stderr
                assert p.stdout == "", "a refused write printed an id"
                break
            acked.append(p.stdout.strip())
        else:
            sys.exit("FAIL: the disk never filled")
        assert len(acked) > 3, acked
        print(f"disk full after {len(acked)} acknowledged writes: refused clearly")
        run("-d", node, "log", "verify")
        for rid in acked:
            run("-d", node, "get", "households", rid)
        print("every acknowledged write present, log verify ok")

        subprocess.run(["mount", "-o", "remount,size=%dk" % (2 * kib), mnt],
                       check=True)
        rid = run("-d", node, "put", "households", "head_name=空间恢复后").stdout.strip()
        run("-d", node, "get", "households", rid)
        run("-d", node, "log", "verify")
        print("writes succeed again once space returns")

        want_hash = run("-d", node, "state-hash").stdout
        subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
        rows = json.loads(run("-d", node, "ls", "households").stdout)
        assert len(rows) == len(acked) + 1, len(rows)
        run("-d", node, "get", "households", rid)
        vec = json.loads(run("-d", node, "vector").stdout)
        assert vec["authors"][0]["seq"] == len(acked) + 1
        assert run("-d", node, "state-hash").stdout == want_hash
        out = os.path.join(top, "out.bundle")
        run("-d", node, "bundle", "export", out)
        assert os.path.getsize(out) > 0
        p = run("-d", node, "put", "households", "head_name=只读", check=False)
        assert p.returncode != 0 and "只读" in p.stderr, (p.returncode, p.stderr)
        print("read-only media: get, ls, vector, state-hash, bundle export work;"
              " a write is refused clearly")
        return 0
    finally:
        subprocess.run(["umount", mnt], capture_output=True)
        subprocess.run(["rm", "-rf", top])


if __name__ == "__main__":
    sys.exit(main())
