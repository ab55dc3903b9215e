#!/usr/bin/python3
"""Personal data never reaches the logs (STYLE "Personal data in logs,
errors"; DECISIONS 25).

Every command runs with HUZHU_LOG=debug on records that carry sentinel
personal data (a name, an ID number, a phone number, an address, a note)
through writes, reads, edits, deletes, exports, imports, rejected and
refused entries, forks, gaps and a cloned key. Everything written on
stderr, and the rejection reasons `status` reports, is searched for the
sentinels in plain, JSON-escaped and hex form. stdout of get/ls/show is
the data itself and is not searched."""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("log_privacy")

NAME = "哨兵姓名X"
NAME2 = "哨兵亲属Y"
IDNUM = "11010519491231002X"  # a valid number (GB 11643 checksum)
PHONE = "13987654321"
PHONE2 = "13912340000"
ADDRESS = "哨兵地址路99号"
NOTE = "哨兵备注病史Z"
# Health data (schema.md, "Care and health"): a temperature, a chronic
# follow-up, medication needs, a symptom refused, a refused temperature.
TEMP = "39.875"
CHRONIC = "哨兵慢病随访W"
MEDIC = "哨兵用药需求V"
SYMPT = "哨兵症状U"
BADTEMP = "45.625"
SENTINELS = [NAME, NAME2, IDNUM, PHONE, PHONE2, ADDRESS, NOTE, TEMP, CHRONIC,
             MEDIC, SYMPT, BADTEMP]


def forms(s):
    """The ways a sentinel could show up in a log line."""
    out = {s, json.dumps(s)[1:-1], s.encode().hex()}
    core = s.rstrip("XYZ")
    if len(core) >= 4:
        out.add(core)
    return out


class Recorder:
    """Runs huzhu with debug logging and keeps every stderr."""

    def __init__(self):
        self.stderr = []
        self.runs = 0

    def node(self, n):
        rec = self

        class Logged(T.Node):
            def run(self, *args, expect=None, env=None, faketime=None):
                e = {"HUZHU_LOG": "debug"}
                e.update(env or {})
                r = T.Node.run(self, *args, expect=expect, env=e,
                               faketime=faketime)
                rec.stderr.append((" ".join(args[:3]), r.err))
                rec.runs += 1
                return r

        n.__class__ = Logged
        return n


@cases.case
def debug_logs_never_contain_personal_data():
    rec = Recorder()
    with T.TempDir("privacy") as work:
        a = rec.node(T.Node.create(work, "测试节点甲", "a"))
        b = rec.node(T.Node.create(work, "测试节点乙", "b"))
        # Writes through every kind of command.
        hh = a.js("household", "add", "--head", NAME, "--phone", PHONE,
                  "--address", ADDRESS, "--notes", NOTE, "--member",
                  NAME2 + ",女,1940,行动不便老人")
        p = a.out("person", "add", "--household", hh["id"], "--name", NAME,
                  "--id-number", IDNUM, "--phone", PHONE, "--notes", NOTE,
                  "--born", "1950", "--flag", "慢性病")
        p2 = a.put("persons", "name=" + NAME2, "id_number=" + IDNUM,
                   "phone=" + PHONE2, "household=" + hh["id"])
        site = a.out("site", "add", "--name", "测试安置点", "--manager", NAME,
                     "--phone", PHONE)
        item = a.out("item", "add", "--name", "测试物资", "--unit", "箱")
        a.out("checkin", p, site)
        a.out("stock", "receive", site, item, "10", "--from", NAME,
              "--ref", IDNUM)
        a.out("stock", "distribute", site, item, "3", "--household",
              hh["id"])
        a.out("warn", hh["id"], "--method", "phone", "--notice", NOTE,
              "--by", NAME2)
        a.put("households", "phone=" + PHONE2, "address=" + ADDRESS + "2",
              id=hh["id"])
        # Donations: a donor's name, a staff name and a note, a refusal.
        don = a.out("donation", "add", "--kind", "money", "--amount", "100",
                    "--donor", NAME, "--note", NOTE)
        a.out("ledger", "spend", don, "--amount", "60", "--by", NAME2,
              "--note", NOTE, "--purpose", "测试用途")
        a.run("ledger", "spend", don, "--amount", "50", "--by", NAME2)
        a.run("put", "ledger", "donation=" + don, "kind=expenditure",
              "amount=9000", "by=" + NAME2, "note=" + NOTE, "time=1717200000")
        # Patrols, hazards and duty: names, phones and notes, refusals.
        pt = a.out("patrol", "point", "--name", "测试堤段", "--interval", "4",
                   "--note", NOTE)
        a.out("patrol", "round", pt, "--by", NAME, "--note", NOTE)
        hz = a.out("hazard", "report", "--kind", "seepage", "--severity",
                   "severe", "--village", "测试村", "--by", NAME2, "--note",
                   NOTE)
        a.out("hazard", "respond", hz, "--action", "测试处置", "--by", NAME)
        a.run("hazard", "respond", "f" * 32, "--action", "x", "--by", NAME)
        a.out("duty", "add", "--who", NAME, "--phone", PHONE, "--site", site,
              "--from", "2024-06-01", "--to", "2024-06-02")
        a.run("duty", "add", "--who", NAME, "--phone", PHONE, "--site", site,
              "--from", "2024-06-02", "--to", "2024-06-01")
        a.run("put", "shifts", "who=" + NAME, "phone=" + PHONE,
              "starts=1717200000", "ends=1717100000", "village=测试村")
        a.out("duty", "handover", "--site", site, "--by", NAME, "--to",
              NAME2, "--note", NOTE)
        for args in (["patrol", "ls"], ["patrol", "rounds"], ["hazard", "ls"],
                     ["duty", "now"], ["duty", "gaps"]):
            a.run(*args, expect=0)
            a.run("--json", *args, expect=0)
        # Recovery plans: notes and who recorded progress, refusals.
        ms = a.out("plan", "add", hh["id"], "--kind", "repair", "--cadre",
                   "测试干部", "--note", NOTE)
        a.out("plan", "progress", ms, "--percent", "40", "--by", NAME,
              "--note", NOTE)
        a.run("plan", "progress", ms, "--percent", "140", "--by", NAME)
        a.out("plan", "cancel", ms)
        a.run("put", "recovery_progress", "measure=" + ms, "percent=50",
              "by=" + NAME2, "note=" + NOTE, "time=1717200000")
        for args in (["plan", "ls"], ["plan", "show", hh["id"]],
                     ["report", "recovery"]):
            a.run(*args, expect=0)
            a.run("--json", *args, expect=0)
        # Care and health: visits, checks with every health field, a
        # disinfection, refusals (a temperature, a symptom), the lists.
        a.out("care", "visit", p, "--by", NAME, "--needs", NOTE, "--note",
              NOTE, "--referral", "medical")
        a.out("health", "check", p, "--site", site, "--temp", TEMP,
              "--symptoms", "发热,cough", "--chronic", CHRONIC,
              "--medication", MEDIC, "--by", NAME2, "--note", NOTE)
        a.run("health", "check", p, "--site", site, "--temp", BADTEMP,
              "--chronic", CHRONIC)
        a.run("health", "check", p, "--site", site, "--symptoms", SYMPT,
              "--medication", MEDIC)
        a.run("put", "health_checks", "person=" + p, "site=" + site,
              "time=1717200000", "temperature=" + BADTEMP,
              "chronic_followup=" + CHRONIC, "note=" + NOTE)
        a.run("put", "health_checks", "person=" + p, "site=" + site,
              "time=1717200000", "symptoms=" + SYMPT, "medication=" + MEDIC)
        a.out("disinfect", "add", site, "--area", "测试厕所", "--by", NAME)
        for args in (["care", "due"], ["care", "visits"], ["health", "ls"],
                     ["health", "outbreaks", "--threshold", "2"],
                     ["disinfect", "ls"]):
            a.run(*args, expect=0)
            a.run("--json", *args, expect=0)
        # Reads (stdout may hold the data; stderr may not).
        a.run("get", "persons", p, expect=0)
        a.run("ls", "persons", "--where", "name=" + NAME, expect=0)
        a.run("ls", "persons", "--where", "id_number=" + IDNUM, expect=0)
        for args in (["report", "disclosure"], ["donation", "ls"],
                     ["ledger", "ls"], ["donation", "show", don]):
            a.run(*args, expect=0)
        for view in ("occupancy", "presence", "stock", "received",
                     "vulnerable", "unaccounted"):
            a.run("show", view, expect=0)
            a.run("--json", "show", view, expect=0)
        # Local input refused, with personal data in the command line.
        a.run("put", "persons", "birth_year=" + NAME)
        a.run("put", "persons", "name=" + NAME, "no_such=" + IDNUM)
        a.run("put", "persons", "name=" + NAME, "household=" + "f" * 32)
        a.run("put", "persons", "name=" + NAME, "sex=" + NAME2)
        a.run("put", "households", "head_name=" + NAME, "members=" + PHONE)
        a.run("put", "persons", "--id", IDNUM, "name=" + NAME)
        a.run("person", "add", "--household", hh["id"], "--name", NAME,
              "--born", "2999")
        a.run("warn", hh["id"], "--method", NAME, "--notice", NOTE)
        a.run("checkout", p2)
        a.run("stock", "receive", site, item, PHONE + "x", "--from", NAME)
        # Delete, then touch the deleted row.
        a.run("del", "persons", p2, expect=0)
        a.run("get", "persons", p2)
        a.run("put", "persons", "--id", p2, "name=" + NAME)
        # Move it all to b, concurrently edit, and back: conflicts.
        full = os.path.join(work, "a.bundle")
        a.export(full)
        b.import_(full)
        a.put("persons", "phone=" + PHONE, id=p)
        b.put("persons", "phone=" + PHONE2, "notes=" + NOTE, id=p)
        bb = os.path.join(work, "b.bundle")
        b.export(bb, for_node=a)
        a.import_(bb)
        a.run("conflicts", expect=0)
        a.run("--json", "conflicts", expect=0)

        # Crafted entries from a's key: rejected values, gaps, forks.
        au = T.Author.from_node(b)
        row = T.new_row()
        bad = [
            T.body([T.op_set("persons", T.new_row(), {"birth_year": NAME,
                                                      "name": NAME})]),
            T.body([T.op_set("persons", T.new_row(), {"sex": NAME2})]),
            T.body([T.op_set("households", T.new_row(), {"head_name": NAME,
                                                         "members": IDNUM})]),
            T.body([T.op_set("no_such_table", T.new_row(), {"name": NAME})]),
            T.body([T.op_set("persons", T.new_row(), {NAME: IDNUM})]),
            T.body([T.op_set("persons", row, {"name": NAME})],
                   schema=T.SCHEMA_NEXT),
        ]
        entries = [au.next(x) for x in bad]
        gap_prev = au.prev
        later = au.next(T.body([T.op_set("persons", T.new_row(),
                                         {"phone": PHONE})]))
        skipped = au.next(T.body([T.op_set("persons", T.new_row(),
                                           {"address": ADDRESS})]))
        a.import_(T.write_file(os.path.join(work, "bad.bundle"),
                               T.make_bundle(entries)))
        a.import_(T.write_file(os.path.join(work, "gap.bundle"),
                               T.make_bundle([skipped])))
        a.import_(T.write_file(os.path.join(work, "fill.bundle"),
                               T.make_bundle([later])))
        fork, _ = au.sign(au.seq - 1, gap_prev, T.now_clock(),
                          T.body([T.op_set("persons", T.new_row(),
                                           {"id_number": IDNUM,
                                            "name": NAME2})]))
        a.import_(T.write_file(os.path.join(work, "fork.bundle"),
                               T.make_bundle([fork])))
        # Refused files that carry personal data.
        data = T.make_bundle([au.next(T.body([T.op_set(
            "persons", T.new_row(), {"name": NAME, "id_number": IDNUM})]))])
        i = data.find(NAME.encode())
        a.run("bundle", "import", T.write_file(
            os.path.join(work, "tampered.bundle"),
            data[:i] + b"\x00" + data[i + 1:]))
        a.run("bundle", "import", T.write_file(
            os.path.join(work, "cut.bundle"), data[:i + 3]))
        f = T.unpack(T.parse_bundle(data)[1][0])
        f[7] = bytes(64)
        a.run("bundle", "import", T.write_file(
            os.path.join(work, "forged.bundle"), T.make_bundle([T.pack(f)])))
        a.run("bundle", "import", T.write_file(
            os.path.join(work, "garbage.bundle"),
            (NAME + IDNUM).encode() * 10))
        # A cloned key: c receives an entry signed by its own key.
        c = rec.node(T.Node.create(work, "测试节点丙", "c"))
        me = T.Author(c.seed())
        c.import_(T.write_file(os.path.join(work, "clone.bundle"),
                               T.make_bundle([me.next(T.body([T.op_set(
                                   "persons", T.new_row(),
                                   {"name": NAME, "phone": PHONE})]))])))
        c.run("put", "persons", "name=" + NAME)
        for n in (a, b, c):
            n.run("status", expect=0)
            st = n.run("--json", "status", expect=0).json()
            reasons = json.dumps([x["reason"] for x in st["rejected"]],
                                 ensure_ascii=False)
            rec.stderr.append(("status reasons", reasons))
            n.run("log", "verify", expect=0)
            n.run("vector", expect=0)
            n.run("state-hash", expect=0)
        st = a.status()
        T.check(len(st["rejected"]) == 5 and st["entries"]["held"] == 1 and
                st["forks"] != [],
                "the crafted entries were rejected (5), held (1) and forked")
        T.check(c.status()["clone_detected"] is True,
                "the clone was detected")

        everything = "\n".join(err for _, err in rec.stderr)
        levels = {line.split(" ", 1)[0] for line in everything.splitlines()}
        T.check({"info", "warn", "error"} <= levels,
                "logging was on: info, warn and error lines were written"
                " (%d commands, %d lines on stderr)"
                % (rec.runs, len(everything.splitlines())))
        leaks = []
        for s in SENTINELS:
            for form in forms(s):
                for what, err in rec.stderr:
                    if form in err:
                        line = next(x for x in err.splitlines() if form in x)
                        leaks.append("%s: %r in %r" % (what, form, line))
        T.check(not leaks, "no sentinel on stderr or in a rejection reason"
                " (leaks: %s)" % "; ".join(leaks[:6]))


@cases.case
def a_misplaced_member_part_is_not_echoed_in_the_error():
    # `--member NAME,SEX,YEAR[,FLAG...]`: a person typing a phone number or
    # a note where a flag goes gets "unknown flag" -- without the text.
    with T.TempDir("member-echo") as work:
        a = T.Node.create(work, "测试节点甲", "a")
        for part in (PHONE, NOTE):
            r = a.run("household", "add", "--head", "测试户", "--member",
                      "测试人,女,1940," + part, env={"HUZHU_LOG": "debug"})
            T.check(r.rc == T.EXIT_USAGE, "an unknown member flag: exit 2")
            T.check(not any(f in r.err for f in forms(part)),
                    "the message does not repeat the misplaced part (%s)"
                    % r.err.strip().splitlines()[0])


if __name__ == "__main__":
    cases.main()
