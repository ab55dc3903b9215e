#!/usr/bin/env python3
"""layers.py - the source tree keeps its layers (DESIGN "Layers";
DECISIONS 30; STYLE 1 and 14).

Arrows point down only: cli -> http, net, mirror -> store -> core, and
cli, http -> sheet -> core (spreadsheets read as rows: no store). This
check reads every #include under src/ and, from the built static
libraries, every call between objects (nm), and fails on a forbidden
edge:

  core        -> anything outside core (public headers in include/ are fine)
  store       -> libuv, net, http, mirror, sheet or cli
  sheet       -> anything but core
  net  <-> http
  net, http   -> the store's private headers (only src/store/store.h)
  store/db/db.c, db.h, docs.c (the lowest database files) -> anything else
              in the store
  cli         -> the store's private headers

Usage: layers.py SRC_DIR [LAYER=ARCHIVE ...]    (LAYER: core, store, net,
http, mirror, cli). Archives that are not built yet are left out; the
include check always runs. `layers.py --self-test` plants one forbidden
include and one forbidden call in a scratch tree and fails unless both
are caught, so the check itself cannot silently stop working.
"""
import os
import re
import subprocess
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
LAYERS = ("core", "store", "net", "http", "mirror", "sheet", "cli")
# The lowest database files: they talk to SQLite and to each other only.
LOWEST = ("store/db/db.c", "store/db/db.h", "store/db/docs.c")


def layer_of(rel):
    """The layer of a path relative to src/ ('store/db' for the lowest
    database files, 'store/private' for the store's private headers)."""
    parts = rel.split("/")
    top = parts[0]
    if top not in LAYERS:
        return None
    if top == "store":
        if rel in LOWEST:
            return "store/db"
        if rel != "store/store.h" and rel.endswith(".h"):
            return "store/private"
    return top


def base(layer):
    return layer.split("/")[0] if layer else None


def forbidden(src, dst, what):
    """Why the edge src -> dst (layers) is forbidden, or None."""
    if src is None or dst is None or src == dst:
        return None
    s, d = base(src), base(dst)
    if s == "core" and d != "core":
        return "core -> %s: the core does no I/O and sees nothing above it" % d
    if s == "store" and d in ("net", "http", "mirror", "sheet", "cli"):
        return "store -> %s: arrows point down only" % d
    if s == "sheet" and d != "core":
        return "sheet -> %s: spreadsheets are read with the core alone" % d
    if {s, d} == {"net", "http"}:
        return "%s -> %s: net and http never use each other" % (s, d)
    if s in ("net", "http", "mirror", "cli") and dst == "store/private":
        return ("%s -> a private store header: only src/store/store.h" % s)
    if src == "store/db" and d == "store" and dst != "store/db":
        return "the lowest database files -> %s of the store" % what
    return None


def check_includes(src_dir):
    bad = []
    for root, _, files in os.walk(src_dir):
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, src_dir)
            me = layer_of(rel)
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            for kind, name in INCLUDE.findall(text):
                if kind == "<":
                    if name.startswith("uv.h") or name.startswith("uv/"):
                        if base(me) in ("core", "store"):
                            bad.append("%s: includes <%s>: %s has no libuv"
                                       % (rel, name, base(me)))
                    continue
                target = os.path.normpath(os.path.join(root, name))
                if not os.path.exists(target):
                    target = os.path.normpath(os.path.join(src_dir, name))
                if not os.path.exists(target):
                    continue  # a public header (include/huzhu) or generated
                trel = os.path.relpath(target, src_dir)
                why = forbidden(me, layer_of(trel), trel)
                if why:
                    bad.append('%s: #include "%s": %s' % (rel, name, why))
    return bad


def nm(archive, args):
    out = subprocess.run(["nm", "-A"] + args + [archive], check=True,
                         capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        # archive:member.o:  U sym   or   archive:member.o:0000 T sym
        head, _, rest = line.rpartition(":")
        fields = rest.split()
        if len(fields) < 2:
            continue
        member = head.split(":")[-1]
        rows.append((member, fields[-2], fields[-1]))
    return rows


def object_layers(src_dir, layer, archive):
    """Map each archive member (file.c.o) to its layer, by the unique
    source file of that name under src/<layer>."""
    names = {}
    for root, _, files in os.walk(os.path.join(src_dir, layer)):
        for f in files:
            if f.endswith(".c"):
                rel = os.path.relpath(os.path.join(root, f), src_dir)
                if f + ".o" in names:
                    raise SystemExit("layers: two files named %s in %s: "
                                     "rename one" % (f, layer))
                names[f + ".o"] = rel
    return names


def check_calls(src_dir, archives):
    defined = {}  # symbol -> (layer, file)
    members = {}
    undefined = []
    for layer, archive in archives.items():
        names = object_layers(src_dir, layer, archive)
        for member, kind, sym in nm(archive, []):
            rel = names.get(member)
            if rel is None:
                continue
            members[member] = rel
            if kind == "U":
                undefined.append((rel, sym))
            elif kind in "TDBR":
                defined[sym] = (layer_of(rel) if rel != "store/store.h"
                                else "store", rel)
    bad = []
    for rel, sym in undefined:
        me = layer_of(rel)
        if sym.startswith("uv_") and base(me) in ("core", "store"):
            bad.append("%s calls %s: %s has no libuv" % (rel, sym, base(me)))
            continue
        if sym not in defined:
            continue
        dst_layer, dst_rel = defined[sym]
        # A call lands in a .c file; for the private-header rule, what
        # counts is whether the symbol is the narrow interface's.
        if dst_layer == "store" and base(me) in ("net", "http", "mirror"):
            if not (sym.startswith("hz_") or sym.startswith("store_")):
                dst_layer = "store/private"
        if rel in LOWEST:
            me = "store/db"
            if dst_rel.startswith("store/") and dst_rel not in LOWEST:
                dst_layer = "store"
        why = forbidden(me, dst_layer, "%s (%s)" % (sym, dst_rel))
        if why:
            bad.append("%s calls %s in %s: %s" % (rel, sym, dst_rel, why))
    return bad


def run(src_dir, archives):
    bad = check_includes(src_dir) + check_calls(src_dir, archives)
    for b in bad:
        print("layers:", b)
    if bad:
        print("layers: %d forbidden edge(s)" % len(bad))
        return 1
    print("layers: includes of src/ and calls between %s: every arrow "
          "points down" % (", ".join(sorted(archives)) or "no archives"))
    return 0


def self_test():
    """Plant one forbidden include and one forbidden call; both must be
    caught, and the clean tree must pass."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        for d in ("core", "store/db", "store/log"):
            os.makedirs(os.path.join(src, d))

        def write(rel, text):
            with open(os.path.join(src, rel), "w") as fh:
                fh.write(text)

        write("core/a.c", "int core_a(void);\nint core_a(void) { return 1; }\n")
        write("store/db/db.h", "int db_x(void);\n")
        write("store/db/db.c", '#include "db.h"\nint db_x(void) { return 0; }\n')
        write("store/log/log.c", '#include "../db/db.h"\n'
              "int log_y(void);\nint log_y(void) { return db_x(); }\n")

        def build():
            archives = {}
            for layer in ("core", "store"):
                objs = []
                for root, _, files in os.walk(os.path.join(src, layer)):
                    for f in files:
                        if f.endswith(".c"):
                            o = os.path.join(tmp, f + ".o")
                            subprocess.run(["cc", "-c", os.path.join(root, f),
                                            "-o", o], check=True)
                            objs.append(o)
                a = os.path.join(tmp, "lib%s.a" % layer)
                if os.path.exists(a):
                    os.unlink(a)
                subprocess.run(["ar", "rc", a] + objs, check=True)
                archives[layer] = a
            return archives

        ok = check_includes(src) == [] and check_calls(src, build()) == []
        write("core/b.c", '#include "../store/db/db.h"\n')
        inc = check_includes(src)
        os.unlink(os.path.join(src, "core/b.c"))
        write("store/db/db.c", '#include "db.h"\nint log_y(void);\n'
              "int db_x(void) { return log_y(); }\n")
        calls = check_calls(src, build())
        print("self-test: clean tree %s; planted include: %s; planted call: %s"
              % ("passes" if ok else "FAILS", inc or "NOT CAUGHT",
                 calls or "NOT CAUGHT"))
        return 0 if ok and len(inc) == 1 and len(calls) == 1 else 1


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    src_dir = argv[1]
    archives = {}
    for arg in argv[2:]:
        layer, _, path = arg.partition("=")
        if layer not in LAYERS:
            raise SystemExit("layers: unknown layer %s" % layer)
        archives[layer] = path
    return run(src_dir, archives)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
