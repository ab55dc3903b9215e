#!/usr/bin/env python3
"""Backups (issue 6): `huzhu backup FILE` makes a consistent copy of a
node that is being written to at the same moment; `huzhu restore` makes a
new node from it with a key of its own, so the restored node and the old
device merge without a fork, and nothing recorded before the backup is
lost."""
import json
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from hz_test import hash_form  # noqa: E402

HZ = sys.argv[1]


def run(*args, check=True):
    p = subprocess.run([HZ, *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        sys.exit(f"FAIL: huzhu {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


def main():
    top = tempfile.mkdtemp(prefix="hz-backup-")
    old, new = os.path.join(top, "old"), os.path.join(top, "new")
    backup = os.path.join(top, "node.backup")
    run("-d", old, "init", "--name", "旧设备")
    for i in range(20):
        run("-d", old, "put", "households", f"head_name=备份前{i}")

    # A writer keeps writing while the backup is taken.
    writer = subprocess.Popen(
        ["sh", "-c", f'for i in $(seq 1 40); do "{HZ}" -d "{old}" put households'
                     f' head_name=并发$i >/dev/null || exit 1; done'])
    import time
    deadline = time.monotonic() + 30
    while len(json.loads(run("-d", old, "ls", "households").stdout)) < 25:
        assert time.monotonic() < deadline, "the writer made no progress"
    run("-d", old, "backup", backup)
    assert writer.wait() == 0, "the concurrent writer failed"
    assert not os.path.exists(backup + ".tmp")
    with open(backup, "rb") as f:
        assert f.read(16) == b"SQLite format 3\x00"
    key_old = run("-d", old, "id").stdout.strip()
    with open(os.path.join(old, "node.key"), "rb") as f:
        seed = f.read()
    with open(backup, "rb") as f:
        assert seed not in f.read(), "the backup holds the node's key"

    out = json.loads(run("-d", new, "--json", "restore", backup,
                         "--name", "新设备").stdout)
    assert out["key"] != key_old, "restore reused the old key"
    status = json.loads(run("-d", new, "--json", "status").stdout)
    assert status["restored_from"] == key_old
    run("-d", new, "log", "verify")
    rows = json.loads(run("-d", new, "ls", "households").stdout)
    names = {r["head_name"] for r in rows}
    assert all(f"备份前{i}" in names for i in range(20)), "rows before the backup lost"
    assert len(rows) >= 25, "rows acknowledged before the backup began are missing"
    print(f"restored {len(rows)} households (20 before the backup,"
          f" {len(rows) - 20} written during it); new key, log verifies")

    # Both devices go on writing, then merge: no fork, same state.
    run("-d", new, "put", "households", "head_name=恢复后新设备")
    run("-d", old, "put", "households", "head_name=旧设备继续")
    for a, b in ((old, new), (new, old)):
        vec = os.path.join(top, "v.json")
        with open(vec, "w") as f:
            f.write(run("-d", b, "vector").stdout)
        run("-d", a, "bundle", "export", os.path.join(top, "x.bundle"), "--for", vec)
        run("-d", b, "bundle", "import", os.path.join(top, "x.bundle"))
    h1 = hash_form(run("-d", old, "state-hash").stdout.strip())
    h2 = hash_form(run("-d", new, "state-hash").stdout.strip())
    assert h1 == h2, (h1, h2)
    for d in (old, new):
        s = json.loads(run("-d", d, "--json", "status").stdout)
        assert s["forks"] == [] and not s["clone_detected"], s
    print("old and restored devices merge to one state without a fork")

    p = run("-d", new, "restore", backup, "--name", "again", check=False)
    assert p.returncode != 0, "restore over an existing node succeeded"
    p = run("-d", os.path.join(top, "x"), "restore", os.path.join(top, "nope"),
            "--name", "x", check=False)
    assert p.returncode != 0
    subprocess.run(["rm", "-rf", top])
    return 0


if __name__ == "__main__":
    sys.exit(main())
