#!/usr/bin/python3
"""Every command line the command table allows, abused (issue 19).

The rows come from `huzhu help --json` (proto/cli.md, "Invocation"), so a
command, subcommand or option added to the table is covered without a
change here. For each row, on a node filled by tools/demo-data.sh, the
test starts from a line that names every required parameter with a
plausible value (real row ids, a fresh event id, the first of a choice)
and breaks it one way at a time:

  - every option given 1,000 times;
  - every value, of options and positionals, 100,000 bytes long;
  - every option that takes a value given without one: last on the line,
    and followed by another of the command's options; an option without
    a value given one (--admits=yes);
  - positionals missing (the last one, and all of them) and one too many;
  - an unknown option.

Each must exit 2 with the reason and the usage on stderr (in Chinese;
the unknown option also with --lang en, in English), nothing on
stdout, no long echo of what was typed, and no crash: a signal, a
sanitizer report or a time-out fails the case. The node must be left as
it was. After each command line: the row counts of its log, pending and
fork tables (every change of state is an entry), its key and the files
in its directory, read directly; after each row's lines, also its state
hash, vector and `status --json` from huzhu (a change seen only there is
replayed line by line on fresh copies of the node to name the line).
Files named on the command line must not appear.

HUZHU_ABUSE_LISTING=path/to/huzhu takes the table from that program
instead, to run these cases against a huzhu that has no listing (an
older build: that is how the test was shown to catch the stack overflow
of issue 19 under AddressSanitizer).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("cli_abuse")

REPEAT = 1000
LONG = "测" * 33333 + "x"  # 100,000 bytes of UTF-8
assert len(LONG.encode()) == 100000
DEMO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                    "tools", "demo-data.sh")
CRASH = re.compile(r"Sanitizer|runtime error:|huzhu: bug:")


def is_option(p):
    return p["name"].startswith("--")


def run_raw(args, timeout=120):
    """huzhu @args, detached from any terminal (a passphrase prompt must
    not wait for one); returns (rc, stdout, stderr) as text."""
    try:
        p = subprocess.run([T.HUZHU] + args, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=T.one_shot_env(), timeout=timeout,
                           start_new_session=True)
    except subprocess.TimeoutExpired:
        return None, "", "timed out after %d s" % timeout
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def listing():
    src = os.environ.get("HUZHU_ABUSE_LISTING") or T.HUZHU
    p = subprocess.run([src, "--json", "help"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=T.base_env(), timeout=60)
    T.check(p.returncode == 0, "huzhu --json help lists the command table")
    return json.loads(p.stdout)["commands"]


def quick(node, scratch):
    """What a refused command line must leave as it was, read without
    starting huzhu: the log's row counts, the key, the files."""
    return {"counts": node.counts(), "key": node.seed(),
            "files": sorted(os.listdir(node.dir)),
            "scratch": sorted(os.listdir(scratch))}


def snapshot(node, scratch):
    """All of it, with huzhu's own view of the state."""
    return dict(quick(node, scratch), state_hash=node.state_hash(),
                vector=node.vector_text(), status=node.status())


class Line:
    """Plausible values for a row's parameters, from the demo node."""

    def __init__(self, node, scratch):
        first = {t: node.js("ls", t)[0]["id"]
                 for t in ("households", "persons", "sites", "items")}
        self.by_name = {
            "TABLE": "households", "ID": first["households"],
            "HOUSEHOLD": first["households"], "PERSON": first["persons"],
            "SITE": first["sites"], "ITEM": first["items"],
            "--household": first["households"], "--site": first["sites"],
            "--id": os.urandom(16).hex(), "--time": "1700000000",
            "KEY": T.Author().hex, "TOKEN": "HZ1" + "A" * 64,
            "COMMAND": "status", "COL=VALUE": "notes=测试",
            "--where": "village=河东村",
        }
        self.scratch = scratch

    def value(self, p):
        if p["name"] in self.by_name:
            return self.by_name[p["name"]]
        shown = p.get("value") or ""
        if "|" in shown and shown.islower():
            return shown.split("|")[0]  # a choice: its first word
        if p["kind"] == "uint":
            return str(min(max(p["lo"], 1), p["hi"]))
        if p["kind"] == "path":
            return os.path.join(self.scratch, "file")
        if p["kind"] == "field":
            return "notes=测试"
        return "测试"

    def words(self, p, value=None):
        """@p on a command line, with @value (default: a plausible one)."""
        if not is_option(p):
            return [self.value(p) if value is None else value]
        if p["value"] is None:
            return [p["name"]]
        return [p["name"], self.value(p) if value is None else value]


def needed(row, p):
    """Is @p on the row's shortest valid line?"""
    return p["min"] >= 1 or (row["one_of"] and p["name"] == row["one_of"][0])


def abuses(row, line):
    """(what, args) for every way this row's line is broken."""
    params = row["params"]
    pos = [p for p in params if not is_option(p)]
    opts = [p for p in params if is_option(p)]
    head = [row["command"]] + ([row["sub"]] if row["sub"] else [])

    def build(skip=(), extra_pos=(), replace=None, tail=()):
        """The valid line without the params named in @skip, with
        @replace[1] as the value of @replace[0] (a positional), then
        @extra_pos and @tail."""
        args = []
        for p in pos:
            v = replace[1] if replace and replace[0] == p["name"] else None
            if (needed(row, p) or v is not None) and p["name"] not in skip:
                args += line.words(p, v) * max(p["min"], 1)
        args += list(extra_pos)
        for p in opts:
            if needed(row, p) and p["name"] not in skip:
                v = replace[1] if replace and replace[0] == p["name"] else None
                args += line.words(p, v)
        return head + args + list(tail)

    out = [("an unknown option", build(tail=["--no-such-option"])),
           ("an unknown option, --lang en",
            ["--lang", "en"] + build(tail=["--no-such-option"]))]
    given = [p for p in pos if needed(row, p)]
    room = sum(p["max"] for p in pos) - sum(max(p["min"], 1) for p in given)
    extra = [line.value(pos[-1]) if pos else "x"] * (room + 1)
    out.append(("one positional too many", build(extra_pos=extra)))
    if given:
        out.append(("without %s" % given[-1]["name"],
                    build(skip=[given[-1]["name"]])))
    if len(given) > 1:
        out.append(("without any positional",
                    build(skip=[p["name"] for p in given])))
    for p in pos:
        long_ = "notes=" + LONG[:-6] if p["kind"] == "field" else LONG
        out.append(("%s of 100,000 bytes" % p["name"],
                    build(replace=(p["name"], long_))))
    for p in opts:
        name = p["name"]
        others = [q for q in opts if q["name"] != name]
        out.append(("%s given %d times" % (name, REPEAT),
                    build(skip=[name], tail=line.words(p) * REPEAT)))
        if p["value"] is None:
            out.append(("%s=yes (it takes no value)" % name,
                        build(skip=[name], tail=[name + "=yes"])))
            continue
        long_ = "notes=" + LONG[:-6] if p["kind"] == "field" else LONG
        out.append(("%s with a value of 100,000 bytes" % name,
                    build(skip=[name], tail=[name, long_])))
        out.append(("%s without its value, last" % name,
                    build(skip=[name], tail=[name])))
        if others:
            q = others[0]
            out.append(("%s without its value, before %s" % (name, q["name"]),
                        build(skip=[name, q["name"]],
                              tail=[name] + line.words(q))))
    return out


def refused(args, rc, out, err, usage="用法: huzhu"):
    """None when the line was refused as a usage error, with @usage on
    stderr; else why not."""
    if rc is None or rc < 0 or CRASH.search(err):
        said = [x.strip() for x in err.splitlines()
                if re.search(r"ERROR:|runtime error:|bug:", x)]
        said += re.findall(r"in \w+ \S*/src/\S+", err)[:1]
        return "crashed or hung (rc %s): %s" % (
            rc, " / ".join(said) or err.strip()[-500:])
    if rc != T.EXIT_USAGE:
        return "exit %d, want 2: %s" % (rc, err.strip()[:300])
    if out != "":
        return "printed on stdout: %r" % out[:200]
    if usage not in err:
        return "no reason and usage on stderr: %r" % err[:300]
    if len(err) > 4096:
        return "%d bytes on stderr (the input echoed?)" % len(err)
    return None


def culprit(pristine, tried, scratch):
    """The first of @tried that changes a fresh copy of the node."""
    for what, args in tried:
        with T.TempDir("abuse-replay") as work:
            copy = T.Node(os.path.join(work, "n"))
            shutil.copytree(pristine, copy.dir)
            before = snapshot(copy, scratch)
            run_raw(["-d", copy.dir] + args)
            if snapshot(copy, scratch) != before:
                return what
    return "(none alone)"


@cases.case
def every_command_line_abused_is_refused_and_changes_nothing():
    rows = listing()
    if not os.environ.get("HUZHU_ABUSE_LISTING"):
        rc, out, _ = run_raw(["--help"])
        named = set(re.findall(r"^  (\S+)  ", out, re.M))
        T.check_eq(named, {r["command"] for r in rows},
                   "--help and the listing name the same commands")
    with T.TempDir("abuse") as work:
        node = T.Node.create(work, "测试", "n")
        demo = subprocess.run(["bash", DEMO, T.HUZHU, node.dir],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=T.base_env())
        T.check(demo.returncode == 0, "tools/demo-data.sh fills the node")
        pristine = os.path.join(work, "pristine")
        shutil.copytree(node.dir, pristine)
        scratch = os.path.join(work, "scratch")
        os.mkdir(scratch)
        line = Line(node, scratch)
        want = snapshot(node, scratch)
        want_quick = quick(node, scratch)

        def restore():
            shutil.rmtree(node.dir)
            shutil.copytree(pristine, node.dir)
            for f in os.listdir(scratch):
                os.unlink(os.path.join(scratch, f))

        failed, n_lines, n_opts = [], 0, 0
        t0 = time.monotonic()
        for row in rows:
            name = " ".join(filter(None, [row["command"], row["sub"]]))
            tried = abuses(row, line)
            n_lines += len(tried)
            n_opts += sum(is_option(p) for p in row["params"])
            bad = []
            for what, args in tried:
                usage = "usage: huzhu" if "en" in args[:2] else "用法: huzhu"
                why = refused(args, *run_raw(["-d", node.dir] + args), usage)
                if quick(node, scratch) != want_quick:
                    why = "changed the node or wrote a file; %s" % why
                    restore()
                if why is not None:
                    bad.append("%s: %s" % (what, why))
            if snapshot(node, scratch) != want:
                bad.append("changed the node: %s" %
                           culprit(pristine, tried, scratch))
                restore()
            print("  %s %-26s %3d lines refused%s"
                  % ("FAIL" if bad else "ok  ", name, len(tried) - len(bad),
                     "".join("\n         " + b[:600] for b in bad)),
                  flush=True)
            failed += ["%s: %s" % (name, b[:200]) for b in bad]
        print("  %d rows, %d options, %d command lines in %.1f s"
              % (len(rows), n_opts, n_lines, time.monotonic() - t0))
        T.check(not failed, "every abused command line is refused and"
                " changes nothing (%d failed)" % len(failed))


if __name__ == "__main__":
    cases.main()
