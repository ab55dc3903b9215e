#!/usr/bin/python3
"""`huzhu report`: the township's disaster report (自然灾害情况统计表)
and household relief list (应急统表10), written from proto/reports.md
alone (DECISIONS 42).

One node holds a small township made to hit every clause of the figures:
four villages (one known only from a facility assessment) and persons
and households with no village; each placement type (a shelter check-in,
through a merged duplicate too, relatives, borrowed, rented, tent, moved
without a check-in), the dead, the missing, the injured, those needing
aid, each house grade, a re-assessment, a reversed re-assessment, two
assessments at one time, public facilities, a removed household and a
damaged household nobody is registered in. The rows, the lists behind
them (--explain), the CSV and XLSX forms, a submission verified on a
second node and the change against it, the relief list and the refusals
are compared with expectations written out by hand below, never with
another query."""
import csv
import decimal
import io
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("report")

DATE = "2024-06-02"  # every report is made for this day
# Assessment and payment times: 2024-06-01, -02 and -03 00:00 UTC.
T1, T2, T3 = 1717200000, 1717286400, 1717372800
# Local time for the XLSX cells: UTC+8 as a POSIX TZ string (no tzdata
# needed), so 1717200000 is 2024-06-01 08:00.
ENV = {"TZ": "CST-8"}

# The figures, in the order of reports.md's table (and of the CSV and
# XLSX columns B to T).
FIGURES = ["affected", "dead", "missing", "relocated", "relocated_shelter",
           "relocated_relatives", "relocated_borrowed", "relocated_rented",
           "relocated_tent", "relocated_other", "needs_aid",
           "collapsed_hh", "collapsed_rooms", "severe_hh", "severe_rooms",
           "general_hh", "general_rooms", "crops_mu", "loss_yuan"]
PERSON_FIGURES = FIGURES[:11]
GRADES = ["collapsed", "severe", "general"]


def row(level, village, *figures):
    assert len(figures) == len(FIGURES)
    r = {"level": level, "village": village}
    r.update(zip(FIGURES, figures))
    return r


# The disaster report of town(), written by hand. Villages in byte order
# of their UTF-8 names: 丁 (E4 B8 81) < 丙 (E4 B8 99) < 乙 (E4 B9 99) <
# 甲 (E7 94 B2); no village after them, the township last. No 戊村 row:
# its one household is removed.
#   columns: affected dead missing | relocated shelter relatives borrowed
#   rented tent other | needs_aid | collapsed hh rooms | severe hh rooms |
#   general hh rooms | crops_mu loss_yuan
WANT = [
    # 丁村: only the school's assessment. Its house grade (severe, 6
    # rooms) is a facility's and counts in no house figure; the later
    # assessment (40000) replaces the earlier (99999).
    row("village", "丁村", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0.0, 40000),
    # 丙村: affected P11 (tent), P12 (in a shelter through its duplicate
    # P16's check-in), P18 (evacuated, no check-in: other); not P15 (at
    # home, safe, no damage). H7's two assessments at T1: the greater row
    # id (collapsed, 5 rooms, 60000) wins.
    row("village", "丙村", 3, 0, 0, 3, 1, 0, 0, 0, 1, 1, 0,
        1, 5, 0, 0, 0, 0, 0.0, 60000),
    # 乙村: affected P6 (borrowed), P7 (missing), P8 (rented), P9
    # (injured, no placement) and P10 (safe, but in P9's household, which
    # P9 makes affected); H6 has nobody registered: its house counts, no
    # person. needs_aid: H3's P6, not the missing P7. Houses: H4 severe 1
    # room, H6 general 2 rooms. crops 1.125 (H6) rounds half away from
    # zero to 1.13; loss 7000 (H4) + 3000 (H6).
    row("village", "乙村", 5, 0, 1, 2, 0, 0, 1, 1, 0, 0, 1,
        0, 0, 1, 1, 1, 2, 1.13, 10000),
    # 甲村: affected P1 (shelter), P2 (sheltered household, no check-in:
    # other), P3 (dead), P4 (relatives). needs_aid: H1's P1 and P2, not
    # the dead P3. H1 re-assessed: severe 2 rooms (not collapsed 3).
    # H2's re-assessment (general) reversed: collapsed 4 rooms again.
    # crops 1.125 (H1) + 0.5 (H2) + 0.75 (桥梁) = 2.375 -> 2.38; loss
    # 15000 + 30000 + 80000.
    row("village", "甲村", 4, 1, 0, 3, 1, 1, 0, 0, 0, 1, 2,
        1, 4, 1, 2, 0, 0, 2.38, 125000),
    # No village: P17 (no household) checked in; H12 (no village, house
    # `none`, loss 500) has nobody registered. The duplicates P16 and P19
    # (no household, checked in) count for their records, not here.
    row("village", None, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0.0, 500),
    # The township: the sums of the rows above; crops_mu the rounded sum
    # of the unrounded village sums, 1.125 + 2.375 = 3.5 (the rounded
    # ones would make 3.51).
    row("township", None, 13, 1, 1, 9, 3, 1, 1, 1, 1, 2, 3,
        2, 9, 2, 3, 1, 2, 3.5, 235500),
]

# The CSV and XLSX headings (reports.md, "CSV" and "XLSX").
CSV_HEADINGS = [
    "村/社区", "受灾人口(人)", "因灾死亡人口(人)", "因灾失踪人口(人)",
    "紧急转移安置人口(人)", "紧急转移安置人口-集中安置",
    "紧急转移安置人口-投亲靠友", "紧急转移安置人口-借住",
    "紧急转移安置人口-租房", "紧急转移安置人口-帐篷/简易房",
    "紧急转移安置人口-安置方式未登记", "需紧急生活救助人口(人)",
    "倒塌房屋(户)", "倒塌房屋(间)", "严重损坏房屋(户)", "严重损坏房屋(间)",
    "一般损坏房屋(户)", "一般损坏房屋(间)", "农作物受灾面积(亩)",
    "直接经济损失(元)"]
LABEL = {None: "(未填写村/社区)"}


def label(r):
    if r["level"] == "township":
        return "合计"
    return LABEL.get(r["village"], r["village"])


def town(n):
    """Write the township of WANT; return the ids by name."""
    ids = {}

    def hh(key, *fields, id=None):
        ids[key] = n.put("households", *fields, id=id)

    def person(key, *fields, id=None):
        ids[key] = n.put("persons", *fields, id=id)

    def damage(key, *fields, id=None):
        ids[key] = n.put("damage", *fields, id=id)

    h = lambda k: "household=" + ids[k]  # noqa: E731
    site = n.out("site", "add", "--name", "测试安置点", "--kind", "shelter")
    ids["S"] = site

    # 甲村
    hh("H1", "head_name=测试甲户", "village=甲村", "status=sheltered",
       "needs_aid=true", "family_type=subsistence")
    person("P1", "name=测试甲一", h("H1"), "condition=safe")
    person("P2", "name=测试甲二", h("H1"))
    person("P3", "name=测试甲三", h("H1"), "condition=deceased")
    hh("H2", "head_name=测试甲二户", "village=甲村", "status=relocated")
    person("P4", "name=测试甲四", h("H2"))
    # 乙村
    hh("H3", "head_name=测试乙户", "village=乙村", "status=borrowed",
       "needs_aid=true")
    person("P6", "name=测试乙一", h("H3"))
    person("P7", "name=测试乙二", h("H3"), "condition=missing")
    hh("H4", "head_name=测试乙二户", "village=乙村", "status=rented")
    person("P8", "name=测试乙三", h("H4"))
    hh("H5", "head_name=测试乙三户", "village=乙村", "status=home")
    person("P9", "name=测试乙四", h("H5"), "condition=injured")
    person("P10", "name=测试乙五", h("H5"), "condition=safe")
    hh("H6", "head_name=测试乙四户", "village=乙村", "status=home")
    # 丙村
    hh("H7", "head_name=测试丙户", "village=丙村", "status=tent")
    person("P11", "name=测试丙一", h("H7"))
    hh("H8", "head_name=测试丙二户", "village=丙村", "status=evacuated")
    person("P12", "name=测试丙二", h("H8"))
    person("P18", "name=测试丙三", h("H8"))
    hh("H10", "head_name=测试丙四户", "village=丙村", "status=home")
    person("P15", "name=测试丙四", h("H10"), "condition=safe")
    # 戊村: removed, so nothing of it counts (not even its village row).
    hh("H9", "head_name=测试戊户", "village=戊村", "status=removed",
       "needs_aid=true")
    person("P14", "name=测试戊一", h("H9"), "condition=deceased")
    # No village: a person with no household, a household with none.
    person("P17", "name=测试无户")
    hh("H12", "head_name=测试无村户", "status=home")
    # Duplicates registered at the shelter with no household, checked in,
    # then merged: P16 into P12 (not checked in itself), P19 into P1
    # (checked in itself too: counted once).
    person("P16", "name=测试丙二重复")
    person("P19", "name=测试甲一重复")
    for p in ("P1", "P17", "P16", "P19"):
        n.out("checkin", ids[p], site)
    n.put("persons", "merged_into=" + ids["P12"], id=ids["P16"])
    n.put("persons", "merged_into=" + ids["P1"], id=ids["P19"])

    # Damage. H1: assessed collapsed at T1, re-assessed severe at T2.
    damage("D1a", h("H1"), "house=collapsed", "rooms=3", "crops_mu=2.5",
           "loss_yuan=20000", "time=%d" % T1)
    damage("D1b", h("H1"), "house=severe", "rooms=2", "crops_mu=1.125",
           "loss_yuan=15000", "time=%d" % T2)
    # H2: collapsed at T1; a re-assessment at T2, then reversed at T3 (the
    # reversing row, latest of all, is no assessment).
    damage("D2a", h("H2"), "house=collapsed", "rooms=4", "crops_mu=0.5",
           "loss_yuan=30000", "time=%d" % T1)
    damage("D2b", h("H2"), "house=general", "rooms=1", "crops_mu=9.0",
           "loss_yuan=999", "time=%d" % T2)
    damage("D2x", h("H2"), "reverses=" + ids["D2b"], "time=%d" % T3)
    damage("D4", h("H4"), "house=severe", "rooms=1", "loss_yuan=7000",
           "time=%d" % T1)
    damage("D6", h("H6"), "house=general", "rooms=2", "crops_mu=1.125",
           "loss_yuan=3000", "time=%d" % T1)
    # H7: two assessments at the same time; the greater id (…c1) wins,
    # though written first.
    damage("D7b", h("H7"), "house=collapsed", "rooms=5", "loss_yuan=60000",
           "time=%d" % T1, id="000000000000000000000000000000c1")
    damage("D7a", h("H7"), "house=severe", "rooms=9", "loss_yuan=1",
           "time=%d" % T1, id="000000000000000000000000000000c0")
    damage("D9", h("H9"), "house=collapsed", "rooms=6", "crops_mu=4.0",
           "loss_yuan=90000", "time=%d" % T1)
    damage("D12", h("H12"), "house=none", "loss_yuan=500", "time=%d" % T1)
    # Facilities: a bridge in 甲村; a school in 丁村, re-assessed.
    damage("F1", "facility=桥梁", "village=甲村", "crops_mu=0.75",
           "loss_yuan=80000", "time=%d" % T1)
    damage("F2a", "facility=学校", "village=丁村", "house=collapsed",
           "rooms=8", "loss_yuan=99999", "time=%d" % T1)
    damage("F2b", "facility=学校", "village=丁村", "house=severe",
           "rooms=6", "loss_yuan=40000", "time=%d" % T2)
    return ids


def want_facilities(ids):
    # By village (丁村 before 甲村), then facility; the latest assessment
    # of each; 桥梁 has no house (null) and no rooms (0), 学校 no crops.
    return [
        {"village": "丁村", "facility": "学校", "house": "severe",
         "rooms": 6, "crops_mu": 0.0, "loss_yuan": 40000, "time": T2,
         "damage": ids["F2b"]},
        {"village": "甲村", "facility": "桥梁", "house": None, "rooms": 0,
         "crops_mu": 0.75, "loss_yuan": 80000, "time": T1,
         "damage": ids["F1"]},
    ]


def disaster(n, *extra):
    return n.js("report", "disaster", "--kind", "initial", "--date", DATE,
                *extra)


def figures_of(r):
    return {k: r.get(k, "(absent)") for k in ["level", "village"] + FIGURES}


def round2(x):
    """Half away from zero, to 2 decimals (reports.md, crops_mu)."""
    return float(decimal.Decimal(repr(x)).quantize(
        decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP))


@cases.case
def rows_are_as_written_by_hand():
    with T.TempDir("report") as work:
        n = T.Node.create(work, "测试乡镇", "town", env=ENV)
        ids = town(n)
        before = n.state_hash()
        j = disaster(n)
        T.check_eq(sorted(j), sorted(["report", "kind", "date", "area",
                                      "made", "rows", "facilities",
                                      "previous"]),
                   "the JSON's keys (no explain without --explain)")
        T.check_eq((j["report"], j["kind"], j["date"], j["area"],
                    j["previous"]),
                   ("disaster", "initial", DATE, None, None),
                   "report, kind, date; no area given; nothing submitted")
        T.check(isinstance(j["made"], int) and j["made"] > T3,
                "made: Unix seconds (%r)" % j["made"])
        T.check_eq([(r["level"], r["village"]) for r in j["rows"]],
                   [(r["level"], r["village"]) for r in WANT],
                   "rows: villages in byte order, no village, township")
        for got, want in zip(j["rows"], WANT):
            T.check_eq(got, want, "the row of %s" % label(want))
        T.check_eq(j["facilities"], want_facilities(ids),
                   "facilities: the latest assessment of each")
        j2 = n.js("report", "disaster", "--format", "json", "--kind",
                  "initial", "--date", DATE)
        T.check_eq(j2["rows"], j["rows"], "--format json: the same rows")
        T.check_eq(n.state_hash(), before,
                   "making reports writes nothing (state hash unchanged)")


def explain_entries(entries, figure, village):
    """The entries of @figure in @village ("*": every village)."""
    return [e for e in entries if e["figure"] == figure and
            (village == "*" or e["village"] == village)]


@cases.case
def explain_lists_add_up():
    with T.TempDir("report") as work:
        n = T.Node.create(work, "测试乡镇", "town", env=ENV)
        ids = town(n)
        j = disaster(n, "--explain")
        T.check_eq([figures_of(r) for r in j["rows"]], WANT,
                   "with --explain the rows are the same")
        ex = j["explain"]
        T.check(ex and all(sorted(e) == sorted(
            ["figure", "village", "kind", "household", "head_name", "person",
             "name", "facility", "value"]) for e in ex),
                "every explain entry has the nine fields")
        for r in WANT:
            v = "*" if r["level"] == "township" else r["village"]
            where = label(r)
            for f in PERSON_FIGURES:
                es = explain_entries(ex, f, v)
                T.check(all(e["kind"] == "person" and e["person"]
                            for e in es),
                        "%s %s: persons" % (where, f))
                T.check_eq(len(es), r[f], "%s: %s lists %d persons"
                           % (where, f, r[f]))
            for g in GRADES:
                es = explain_entries(ex, g + "_hh", v)
                T.check(all(e["kind"] == "household" and e["household"]
                            for e in es),
                        "%s %s_hh: households" % (where, g))
                T.check_eq(len(es), r[g + "_hh"], "%s: %s_hh lists %d"
                           % (where, g, r[g + "_hh"]))
                # The rooms (reports.md): *_rooms lists the same
                # households, each with its rooms as the value.
                rs = explain_entries(ex, g + "_rooms", v)
                T.check_eq([e["household"] for e in rs],
                           [e["household"] for e in es],
                           "%s: %s_rooms lists the %s_hh households"
                           % (where, g, g))
                T.check_eq(sum(e["value"] for e in rs), r[g + "_rooms"],
                           "%s: %s rooms add up to %d"
                           % (where, g, r[g + "_rooms"]))
            for f in ("crops_mu", "loss_yuan"):
                es = explain_entries(ex, f, v)
                T.check(all(e["kind"] in ("household", "facility") and
                            e["value"] > 0 for e in es),
                        "%s %s: households and facilities above 0"
                        % (where, f))
                total = sum(e["value"] for e in es)
                if f == "crops_mu":
                    total = round2(total)
                T.check_eq(total, r[f], "%s: %s adds up" % (where, f))

        # Some lists by hand.
        def who(figure):
            return sorted((e["village"] or "", e["person"] or e["household"]
                           or e["facility"]) for e in
                          explain_entries(ex, figure, "*"))
        T.check_eq(who("dead"), [("甲村", ids["P3"])], "dead: P3 only"
                   " (not P14 of the removed household)")
        T.check_eq(who("missing"), [("乙村", ids["P7"])], "missing: P7")
        T.check_eq(who("relocated_shelter"), sorted(
            [("", ids["P17"]), ("丙村", ids["P12"]), ("甲村", ids["P1"])]),
                   "shelter: P1, P12 (through P16), P17; never a duplicate")
        T.check_eq(who("relocated_other"), sorted(
            [("丙村", ids["P18"]), ("甲村", ids["P2"])]), "other: P2, P18")
        T.check_eq(who("needs_aid"), sorted(
            [("乙村", ids["P6"]), ("甲村", ids["P1"]), ("甲村", ids["P2"])]),
                   "needs_aid: P1, P2, P6")
        T.check_eq(who("collapsed_hh"), sorted(
            [("丙村", ids["H7"]), ("甲村", ids["H2"])]),
                   "collapsed: H2 (reversal), H7 (greater id)")
        T.check_eq(sorted((e["village"] or "", e["household"] or
                           e["facility"], e["value"])
                          for e in explain_entries(ex, "crops_mu", "*")),
                   sorted([("乙村", ids["H6"], 1.125),
                           ("甲村", ids["H1"], 1.125),
                           ("甲村", ids["H2"], 0.5),
                           ("甲村", "桥梁", 0.75)]),
                   "crops: H1, H2, H6 and the bridge, unrounded")
        gone = {ids[k] for k in ("P16", "P19", "P14", "H9", "P15", "H10")}
        T.check(not any(e["person"] in gone or e["household"] in gone
                        for e in ex),
                "no duplicate, nothing removed, nobody unaffected listed")
        order = [(FIGURES.index(e["figure"]) if e["figure"] in FIGURES
                  else 99, e["village"] is None,
                  (e["village"] or "").encode()) for e in ex]
        T.check(order == sorted(order),
                "ordered by figure, then village (none last)")


@cases.case
def csv_and_xlsx_match_the_spec():
    import openpyxl  # Debian: python3-openpyxl
    with T.TempDir("report") as work:
        n = T.Node.create(work, "测试乡镇", "town", env=ENV)
        town(n)
        j = disaster(n)
        T.check_eq([figures_of(r) for r in j["rows"]], WANT,
                   "the JSON rows are WANT")

        path = os.path.join(work, "r.csv")
        n.out("report", "disaster", "--kind", "initial", "--date", DATE,
              "--format", "csv", "--out", path)
        with open(path, "rb") as f:
            data = f.read()
        T.check(data.startswith(b"\xef\xbb\xbf"), "the CSV starts with a BOM")
        T.check(data.endswith(b"\r\n") and b"\n" not in
                data.replace(b"\r\n", b""), "CRLF line ends, every line")
        # RFC 4180 lets any field be quoted: read the fields, not bytes.
        lines = list(csv.reader(io.StringIO(data[3:].decode("utf-8"),
                                            newline="")))
        T.check_eq(lines[0], CSV_HEADINGS, "the heading row")
        # The rows: WANT as the CSV writes it (crops with 2 decimals).
        want_lines = [
            "丁村,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0.00,40000",
            "丙村,3,0,0,3,1,0,0,0,1,1,0,1,5,0,0,0,0,0.00,60000",
            "乙村,5,0,1,2,0,0,1,1,0,0,1,0,0,1,1,1,2,1.13,10000",
            "甲村,4,1,0,3,1,1,0,0,0,1,2,1,4,1,2,0,0,2.38,125000",
            "(未填写村/社区),1,0,0,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0.00,500",
            "合计,13,1,1,9,3,1,1,1,1,2,3,2,9,2,3,1,2,3.50,235500"]
        T.check_eq(lines[1:], [x.split(",") for x in want_lines],
                   "the CSV rows")

        text = n.out("report", "disaster", "--kind", "verified", "--date",
                     DATE).splitlines()
        T.check_eq(text[0], "自然灾害情况统计表（核报）", "the table's title")

        x = os.path.join(work, "r.xlsx")
        n.out("report", "disaster", "--kind", "daily", "--date", DATE,
              "--area", "测试镇", "--format", "xlsx", "--out", x)
        wb = openpyxl.load_workbook(x)
        T.check_eq(wb.sheetnames, ["灾情统计", "公共设施"],
                   "the sheets (no 明细 without --explain)")
        ws = wb["灾情统计"]
        T.check_eq(ws["A1"].value, "自然灾害情况统计表（续报）", "A1: title")
        T.check(re.fullmatch("填报单位：测试镇　报告日期：2024-06-02　"
                             r"制表时间：\d{4}-\d\d-\d\d \d\d:\d\d",
                             ws["A2"].value or "") is not None,
                "A2: unit, date, time made (%r)" % ws["A2"].value)
        T.check_eq(sorted(str(m) for m in ws.merged_cells.ranges), sorted(
            ["A1:T1", "A2:T2", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:K3",
             "L3:L4", "M3:N3", "O3:P3", "Q3:R3", "S3:S4", "T3:T4"]),
                   "the merged ranges")
        row3 = {c: ws[c + "3"].value for c in "ABCDELMOQST"}
        T.check_eq(row3, {
            "A": "村/社区", "B": "受灾人口(人)", "C": "因灾死亡人口(人)",
            "D": "因灾失踪人口(人)", "E": "紧急转移安置人口(人)",
            "L": "需紧急生活救助人口(人)", "M": "倒塌房屋",
            "O": "严重损坏房屋", "Q": "一般损坏房屋",
            "S": "农作物受灾面积(亩)", "T": "直接经济损失(元)"},
                   "row 3: the headings")
        T.check_eq([ws[c + "4"].value for c in "EFGHIJKMNOPQR"],
                   ["合计", "集中安置", "投亲靠友", "借住", "租房",
                    "帐篷/简易房", "安置方式未登记",
                    "户", "间", "户", "间", "户", "间"],
                   "row 4: the subheadings")
        cells = [[c.value for c in r] for r in
                 ws.iter_rows(min_row=5, max_row=ws.max_row, max_col=20)]
        want_cells = [[label(r)] + [r[f] for f in FIGURES] for r in WANT]
        T.check_eq(cells, want_cells, "rows from 5: WANT, cell by cell")
        T.check_eq(cells, [[label(r)] + [r[f] for f in FIGURES]
                           for r in j["rows"]],
                   "rows from 5: the JSON rows, cell by cell")
        T.check(all(isinstance(v, (int, float)) and not isinstance(v, bool)
                    for r in cells for v in r[1:]), "figures are numbers")

        fs = wb["公共设施"]
        T.check_eq([[c.value if c.value != "" else None for c in r]
                    for r in fs.iter_rows(max_col=7)], [
            ["村/社区", "设施", "房屋损坏", "损坏间数", "农作物受灾面积(亩)",
             "直接经济损失(元)", "评估时间"],
            ["丁村", "学校", "严重损坏", 6, 0, 40000, "2024-06-02 08:00"],
            ["甲村", "桥梁", None, 0, 0.75, 80000, "2024-06-01 08:00"]],
                   "公共设施: headings, one row per facility (UTC+8 times)")

        x2 = os.path.join(work, "e.xlsx")
        n.out("report", "disaster", "--kind", "initial", "--date", DATE,
              "--explain", "--format", "xlsx", "--out", x2)
        ex = disaster(n, "--explain")["explain"]
        wb = openpyxl.load_workbook(x2)
        T.check_eq(wb.sheetnames, ["灾情统计", "公共设施", "明细"],
                   "with --explain a third sheet, 明细")
        ds = [[c.value if c.value != "" else None for c in r]
              for r in wb["明细"].iter_rows(max_col=8)]
        T.check_eq(ds[0], ["指标", "村/社区", "户主", "户编号", "姓名",
                           "人员编号", "设施", "数值"], "明细: headings")
        T.check_eq(len(ds) - 1, len(ex), "明细: one row per explain entry")
        T.check_eq([(r[3], r[5], r[6], r[7]) for r in ds[1:]],
                   [(e["household"], e["person"], e["facility"], e["value"])
                    for e in ex], "明细: ids, facility, value in order")


@cases.case
def a_submitted_report_is_verifiable_on_another_node():
    with T.TempDir("report") as work:
        a = T.Node.create(work, "测试乡镇甲", "a", env=ENV)
        b = T.Node.create(work, "测试乡镇乙", "b", env=ENV)
        ids = town(a)
        a.run("report", "disaster", "--kind", "initial", "--date", DATE,
              "--area", "测试镇", "--submit", expect=0)
        sub = a.js("report", "submitted")
        T.check_eq(len(sub), 1, "a lists one submitted report")
        rid = sub[0]["report"]
        T.check(T.is_hex(rid, 32), "its id is 32 hex")

        path = os.path.join(work, "a.bundle")
        a.export(path)
        stats = b.import_(path)
        T.check(stats["rejected"] == 0 and stats["pending"] == 0,
                "b imports a's entries: none rejected or pending")
        T.same_state([a, b], "after the import")
        s = b.js("report", "submitted")
        T.check_eq(len(s), 1, "b lists one submitted report")
        T.check_eq(sorted(k for k in ("report", "kind", "date", "time",
                                      "area", "note", "entry", "author",
                                      "author_name") if k not in s[0]), [],
                   "with report, kind, date, time, area, note, entry,"
                   " author, author_name")
        T.check_eq((s[0]["report"], s[0]["kind"], s[0]["date"], s[0]["area"],
                    s[0]["note"], s[0]["author"]),
                   (rid, "initial", DATE, "测试镇", None, a.key),
                   "b: the report, kind, date, area, and a's key as author")
        T.check(T.is_hex(s[0]["entry"], 64), "the entry: 64 hex")
        shown = b.js("report", "show", rid)
        T.check_eq(len(shown), 1, "report show: an array of one")
        T.check_eq((shown[0]["report"], shown[0]["kind"], shown[0]["date"]),
                   (rid, "initial", DATE), "report show: the report")

        def key(r):
            return (r["level"] == "township", r["village"] is None,
                    (r["village"] or "").encode())
        T.check_eq(sorted((figures_of(r) for r in shown[0]["rows"]), key=key),
                   WANT, "b: the figures as submitted are WANT")
        nb = disaster(b)
        prev = nb["previous"]
        T.check_eq((prev["report"], prev["kind"], prev["date"],
                    prev["author"]), (rid, "initial", DATE, a.key),
                   "b's report: previous is a's submission")
        zero = dict((f, 0) for f in FIGURES)
        T.check_eq(prev["changes"],
                   [dict(zero, level=r["level"], village=r["village"])
                    for r in WANT], "b's report: no change since")

        # Another death on a: P1 (甲村, in the shelter, household needing
        # aid) dies. Still affected; dead +1; no placement any more
        # (relocated and shelter -1); needs_aid -1 (the dead are not
        # counted there). Nothing else changes.
        a.put("persons", "condition=deceased", id=ids["P1"])
        na = disaster(a)
        d = {"dead": 1, "relocated": -1, "relocated_shelter": -1,
             "needs_aid": -1}
        T.check_eq(na["previous"]["report"], rid, "a: previous is the same")
        T.check_eq(na["previous"]["changes"], [
            dict(zero, level="village", village="丁村"),
            dict(zero, level="village", village="丙村"),
            dict(zero, level="village", village="乙村"),
            dict(zero, level="village", village="甲村", **d),
            dict(zero, level="village", village=None),
            dict(zero, level="township", village=None, **d)],
                   "a: changes +1 dead in 甲村 and the township")

        # Withdrawn: its reports row reversed; nothing submitted then.
        a.put("reports", "reverses=" + rid, "kind=initial", "date=" + DATE,
              "time=%d" % T3)
        T.check_eq(a.js("report", "submitted"), [], "withdrawn: none listed")
        T.check_eq(disaster(a)["previous"], None, "withdrawn: no previous")


@cases.case
def relief_list_as_written_by_hand():
    with T.TempDir("report") as work:
        n = T.Node.create(work, "测试乡镇", "town", env=ENV)
        ids = {}

        def hh(key, *fields):
            ids[key] = n.put("households", *fields)
        h = lambda k: "household=" + ids[k]  # noqa: E731

        def pay(key, hkey, *fields, t=T1):
            ids[key] = n.put("relief", h(hkey), "time=%d" % t, *fields)

        # HA (甲村): the 户主 by relation (测试赵大) though another person
        # is named like head_name; 4 persons (the dead included), so
        # D03005 is 4, not members (9).
        hh("HA", "head_name=测试赵一", "village=甲村", "phone=13800000001",
           "address=甲村1号", "family_type=subsistence", "members=9")
        n.put("persons", "name=测试赵大", h("HA"), "relation=户主",
              "id_number=110105198001010016")
        n.put("persons", "name=测试赵一", h("HA"),
              "id_number=110105198202020026")
        n.put("persons", "name=测试赵三", h("HA"))
        n.put("persons", "name=测试赵四", h("HA"), "condition=deceased")
        # Cash for 3, a transfer for 2; in kind for 5, reversed.
        pay("RA1", "HA", "method=cash", "cash_fen=50000", "persons=3")
        pay("RA2", "HA", "method=transfer", "cash_fen=30000", "persons=2",
            t=T2)
        pay("RA3", "HA", "method=in_kind", "goods_fen=10000", "persons=5")
        pay("RA4", "HA", "method=in_kind", "goods_fen=10000",
            "reverses=" + ids["RA3"], t=T2)
        # HB (乙村): no 户主 relation; two persons named like head_name:
        # the lower id's ID number. No family type.
        hh("HB", "head_name=测试钱一", "village=乙村", "phone=13800000002",
           "address=乙村2号")
        n.put("persons", "name=测试钱一", h("HB"),
              "id_number=110105199004040047",
              id="000000000000000000000000000000b2")
        n.put("persons", "name=测试钱一", h("HB"),
              "id_number=110105198503030033",
              id="000000000000000000000000000000b1")
        n.put("persons", "name=测试钱二", h("HB"))
        pay("RB1", "HB", "method=in_kind", "goods=大米", "goods_fen=12345")
        # HC (no village): nobody registered, members 4; paid through its
        # duplicate HCd (in 甲村), which is not listed itself.
        hh("HC", "head_name=测试孙一", "phone=13800000003",
           "address=某地3号", "family_type=destitute", "members=4")
        hh("HCd", "head_name=测试孙一重复", "village=甲村", "members=1")
        n.put("households", "merged_into=" + ids["HC"], id=ids["HCd"])
        pay("RC1", "HCd", "method=mixed", "cash_fen=10000",
            "goods_fen=5050", "goods=被褥")
        # HD: its one payment reversed: not listed.
        hh("HD", "head_name=测试李一", "village=甲村")
        pay("RD1", "HD", "method=cash", "cash_fen=20000")
        pay("RD2", "HD", "method=cash", "cash_fen=20000",
            "reverses=" + ids["RD1"], t=T2)

        j = n.js("report", "relief")
        T.check_eq(sorted(j), ["report", "rows", "total"], "the JSON's keys")
        T.check_eq(j["report"], "relief", "report: relief")
        keys = ["household", "village"] + ["D0300%d" % i for i in
                                           range(1, 10)] + [
            "D03010", "cash_fen", "goods_fen", "payments"]
        T.check_eq([{k: r.get(k, "(absent)") for k in keys}
                    for r in j["rows"]], [
            # 乙村 first (E4 B9 99 < E7 94 B2).
            {"household": ids["HB"], "village": "乙村",
             "D03001": "测试钱一", "D03002": "110105198503030033",
             "D03003": "13800000002", "D03004": "", "D03005": 3,
             "D03006": "乙村2号", "D03007": 3,  # no persons given: D03005
             "D03008": "0.00", "D03009": "123.45", "D03010": "实物",
             "cash_fen": 0, "goods_fen": 12345, "payments": 1},
            {"household": ids["HA"], "village": "甲村",
             "D03001": "测试赵一", "D03002": "110105198001010016",
             "D03003": "13800000001", "D03004": "低保户", "D03005": 4,
             "D03006": "甲村1号", "D03007": 3,  # max(3, 2); not 5
             "D03008": "800.00", "D03009": "0.00",
             "D03010": "现金、转账/一卡通",
             "cash_fen": 80000, "goods_fen": 0, "payments": 2},
            # No village last; its own fields, not its duplicate's.
            {"household": ids["HC"], "village": None,
             "D03001": "测试孙一", "D03002": "",
             "D03003": "13800000003", "D03004": "特困供养户", "D03005": 4,
             "D03006": "某地3号", "D03007": 4,
             "D03008": "100.00", "D03009": "50.50", "D03010": "现金和实物",
             "cash_fen": 10000, "goods_fen": 5050, "payments": 1},
        ], "the rows: HB, HA, HC")
        T.check_eq([sorted(r) for r in j["rows"]], [sorted(keys)] * 3,
                   "a row has the fields reports.md names, no others")
        total = j["total"]
        T.check_eq({k: total.get(k, "(absent)") for k in
                    ("households", "D03005", "D03007", "D03008", "D03009", "cash_fen",
                     "goods_fen")},
                   {"households": 3,  # HD's only payment was reversed
                    "D03005": 11,  # 3 + 4 + 4
                    "D03007": 10,  # 3 + 3 + 4
                    "D03008": "900.00", "D03009": "173.95",
                    "cash_fen": 90000, "goods_fen": 17395},
                   "the total row")


@cases.case
def completeness_lists_the_one_query_by_village():
    """reports.md, "Completeness": every line and count written by hand."""
    with T.TempDir("report") as work:
        n = T.Node.create(work, "测试乡镇", "town", env=ENV)
        ids = {}

        def hh(key, *fields):
            ids[key] = n.put("households", *fields)

        def person(key, hkey, *fields):
            ids[key] = n.put("persons", *fields, *(
                ["household=" + ids[hkey]] if hkey else []))

        site = n.out("site", "add", "--name", "测试安置点")
        # 甲村: C1 never contacted (status home, no warning); C2
        # unreachable though warned; C3 evacuated, one person checked in
        # and one not (whereabouts unknown, vulnerable).
        hh("C1", "head_name=测试甲一户", "village=甲村", "status=home",
           "cadre=测试刘书记", "phone=13900000001")
        hh("C2", "head_name=测试甲二户", "village=甲村",
           "status=unreachable", "cadre=测试刘书记", "phone=13900000002")
        n.out("warn", ids["C2"], "--method", "phone", "--notice", "测试预警")
        hh("C3", "head_name=测试甲三户", "village=甲村", "status=evacuated",
           "cadre=测试陈主任", "phone=13900000003")
        person("Q1", "C1", "name=测试甲一")
        person("Q2", "C3", "name=测试甲三", "elderly_mobility=true",
               "phone=13700000009")
        person("Q3", "C3", "name=测试甲四")
        n.out("checkin", ids["Q3"], site)
        # 乙村: C4 unreachable, never warned, with a missing child.
        hh("C4", "head_name=测试乙一户", "village=乙村",
           "status=unreachable", "cadre=测试王委员")
        person("Q4", "C4", "name=测试乙二", "no_caretaker=true",
               "condition=missing")
        # No household: a missing person with no flags.
        person("Q5", None, "name=测试丙一", "condition=missing")
        # Accounted for: not listed.
        hh("C5", "head_name=测试乙三户", "village=乙村", "status=tent")
        person("Q6", "C5", "name=测试乙三")

        def line(kind, village, vulnerable, hkey, head, pkey, name, cadre,
                 phone, warned, reason):
            return {"kind": kind, "village": village,
                    "vulnerable": vulnerable,
                    "household": ids[hkey] if hkey else None,
                    "head_name": head,
                    "person": ids[pkey] if pkey else None, "name": name,
                    "cadre": cadre, "phone": phone, "warned": warned,
                    "reason": reason}

        def counts(nc, un, unw, wh, vul, mis):
            return {"not_contacted": nc, "unreachable": un,
                    "unreachable_warned": unw, "whereabouts_unknown": wh,
                    "vulnerable_not_safe": vul, "missing": mis}

        # 乙 (E4 B9 99) < 甲 (E7 94 B2); no village last.
        yi = {"village": "乙村", "counts": counts(0, 1, 0, 0, 0, 1),
              "lines": [
                  # Vulnerable first: the missing child ...
                  line("missing", "乙村", 1, "C4", "测试乙一户", "Q4",
                       "测试乙二", "测试王委员", None, 0, "missing"),
                  # ... then its household, unreachable, never warned.
                  line("unreachable", "乙村", 0, "C4", "测试乙一户", None,
                       None, "测试王委员", None, 0, "unreachable")]}
        jia = {"village": "甲村", "counts": counts(1, 1, 1, 2, 1, 0),
               "lines": [
                   # The elder of the evacuated household with no
                   # check-in: her own phone, not the household's.
                   line("whereabouts", "甲村", 1, "C3", "测试甲三户", "Q2",
                        "测试甲三", "测试陈主任", "13700000009", 0,
                        "no_place"),
                   # C1's person, not contacted: by kind, whereabouts
                   # before the household lines.
                   line("whereabouts", "甲村", 0, "C1", "测试甲一户", "Q1",
                        "测试甲一", "测试刘书记", "13900000001", 0,
                        "not_contacted"),
                   line("unreachable", "甲村", 0, "C2", "测试甲二户", None,
                        None, "测试刘书记", "13900000002", 1, "unreachable"),
                   line("not_contacted", "甲村", 0, "C1", "测试甲一户", None,
                        None, "测试刘书记", "13900000001", 0,
                        "not_contacted")]}
        none = {"village": None, "counts": counts(0, 0, 0, 0, 0, 1),
                "lines": [line("missing", None, 0, None, None, "Q5",
                               "测试丙一", None, None, None, "missing")]}
        # A person line's warned is its household's (null without one).
        got = n.js("report", "completeness")
        T.check_eq(got["villages"], [yi, jia, none], "villages and lines")
        T.check_eq(got["totals"], counts(1, 2, 1, 2, 1, 2), "totals")
        only = n.js("report", "completeness", "--village", "甲村")
        T.check_eq((only["village"], only["villages"], only["totals"]),
                   ("甲村", [jia], jia["counts"]), "--village 甲村 alone")
        # a misspelt village is not "everyone accounted for"
        for lang, says in (("zh", "没有哪户的村/社区是「甲」"),
                           ("en", "no household in village 甲")):
            r = n.run("--lang", lang, "report", "completeness", "--village",
                      "甲")
            T.check(r.rc == T.EXIT_NOTFOUND and r.out == "" and
                    says in r.err,
                    "[%s] --village 甲 (no household names it): exit 3, %s"
                    % (lang, r.err.strip()))
        text = n.out("report", "completeness").splitlines()
        T.check_eq(text[0], "不遗漏一户一人: 从未联系 1 户，未联系上 2 户"
                   "(其中已通知 1 户)，下落不明 2 人(其中重点人员 1 人)，"
                   "失踪 2 人", "the totals sentence")
        raw = n.out("report", "completeness", "--format", "csv")
        T.check(raw.startswith("\ufeff"), "the CSV starts with a BOM")
        recs = list(csv.reader(io.StringIO(raw.lstrip("\ufeff"))))
        T.check_eq(recs[0], ["村/社区", "类别", "重点人员", "户主", "姓名",
                             "包保责任人", "电话", "户编号"], "CSV headings")
        T.check_eq([r[:3] for r in recs[1:]], [
            ["乙村", "失踪", "是"], ["乙村", "未联系上", ""],
            ["甲村", "下落不明", "是"], ["甲村", "下落不明", ""],
            ["甲村", "已通知但未找到", ""], ["甲村", "从未联系", ""],
            ["(未填写村/社区)", "失踪", ""]], "CSV records")
        r = n.run("report", "completeness", "--format", "xlsx", "--out",
                  os.path.join(work, "c.xlsx"))
        T.check_eq(r.rc, T.EXIT_USAGE, "completeness as xlsx: exit 2")


@cases.case
def hxl_and_pfif_as_written_by_hand():
    """reports.md, "HXL" and "PFIF": every cell and field by hand. Birth
    years are far from the age bounds, so the year the test runs in does
    not matter (until 2037)."""
    import xml.etree.ElementTree as ET
    with T.TempDir("report") as work:
        n = T.Node.create(work, "测试乡镇", "town", env=ENV)
        pid = lambda k: "%032x" % k  # noqa: E731
        s1 = n.out("site", "add", "--name", "测试一号", "--kind", "shelter",
                   "--capacity", "30")
        s3 = n.out("site", "add", "--name", "测试三号", "--kind",
                   "village_office")
        s2 = n.out("site", "add", "--name", "测试二号", "--kind", "shelter",
                   "--capacity", "10")
        h1 = n.put("households", "head_name=测试甲户", "village=甲村",
                   "status=sheltered", "needs_aid=true")
        h2 = n.put("households", "head_name=测试乙户", "village=乙村",
                   "status=home")
        n.out("warn", h2, "--method", "door", "--notice", "测试预警")
        n.put("persons", "name=测试甲一", "household=" + h1, "sex=female",
              "birth_year=1940", "id_number=110105194001010018",
              "phone=13811112222", "disabled=true", id=pid(1))
        n.put("persons", "name=测试甲二", "household=" + h1, "sex=male",
              "birth_year=1990", id=pid(2))
        n.put("persons", "name=测试甲三", "household=" + h1,
              "condition=deceased", id=pid(3))
        n.put("persons", "name=测试乙一", "household=" + h2, "sex=female",
              "birth_year=2020", "condition=safe", id=pid(4))
        n.put("persons", "name=测试丙一", "sex=male", "birth_year=1985",
              "condition=missing", id=pid(5))
        # P6: P4 registered again at a shelter, checked in, merged.
        n.put("persons", "name=测试乙一", id=pid(6))
        n.out("checkin", pid(6), s2)
        n.put("persons", "merged_into=" + pid(4), id=pid(6))
        n.out("checkin", pid(1), s1)

        def read_csv(*args):
            raw = n.out("report", "hxl", *args)
            T.check(not raw.startswith("\ufeff"), "HXL: no byte-order mark")
            return list(csv.reader(io.StringIO(raw)))

        recs = read_csv()
        T.check_eq(recs[0], ["村/社区", "户数", "人数", "女", "男",
                             "儿童(0-17岁)", "成年(18-59岁)",
                             "老人(60岁及以上)", "受灾户数", "受灾人口",
                             "受灾女", "受灾男", "因灾死亡", "因灾失踪",
                             "紧急转移安置", "需紧急生活救助", "已落实户数",
                             "已落实人数"], "HXL by village: headings")
        T.check_eq(recs[1], ["#adm4+name", "#population+hh",
                             "#population+ind", "#population+f+ind",
                             "#population+m+ind", "#population+children+ind",
                             "#population+adults+ind",
                             "#population+elderly+ind", "#affected+hh",
                             "#affected+ind", "#affected+f+ind",
                             "#affected+m+ind", "#affected+killed+ind",
                             "#affected+missing+ind",
                             "#affected+displaced+ind", "#inneed+ind",
                             "#reached+hh", "#reached+ind"],
                   "HXL by village: the tags")
        T.check_eq(recs[2:], [
            # 乙 (E4 B9 99) < 甲 (E7 94 B2). 乙村: P4 (a girl, through
            # her duplicate's check-in in a shelter: affected, displaced,
            # accounted for); H2 home and warned: reached.
            ["乙村", "1", "1", "1", "0", "1", "0", "0", "1", "1", "1", "0",
             "0", "0", "1", "0", "1", "1"],
            # 甲村: P1 (f, 1940, in a shelter), P2 (m, 1990, sheltered
            # household, no check-in: displaced, placement not recorded,
            # not accounted for), P3 (dead; no sex, no year). Needing aid:
            # P1, P2. Accounted for: P1, P3.
            ["甲村", "1", "3", "1", "1", "0", "1", "1", "1", "3", "1", "1",
             "1", "0", "2", "2", "1", "2"],
            # No village: P5 (m, 1985), missing.
            ["", "0", "1", "0", "1", "0", "1", "0", "0", "1", "0", "1",
             "0", "1", "0", "0", "0", "0"]], "HXL by village: the rows")
        recs = read_csv("--by", "site")
        T.check_eq(recs[1], ["#loc+name", "#loc+code", "#loc+type",
                             "#capacity+ind", "#population+ind",
                             "#population+f+ind", "#population+m+ind",
                             "#population+children+ind",
                             "#population+adults+ind",
                             "#population+elderly+ind"],
                   "HXL by site: the tags")
        T.check_eq(recs[2:], [
            # 一 (E4 B8 80) < 三 (E4 B8 89) < 二 (E4 BA 8C).
            ["测试一号", s1, "shelter", "30", "1", "1", "0", "0", "0", "1"],
            ["测试三号", s3, "village_office", "", "0", "0", "0", "0", "0",
             "0"],
            ["测试二号", s2, "shelter", "10", "1", "1", "0", "1", "0", "0"],
        ], "HXL by site: the rows")
        r = n.run("report", "hxl", "--by", "grid")
        T.check_eq(r.rc, T.EXIT_USAGE, "hxl --by grid: exit 2")

        xml = n.out("report", "pfif", "--domain", "test.example")
        for secret in ("110105194001010018", "13811112222", "disabled",
                       h1, h2):
            T.check(secret not in xml, "PFIF holds no ID number, phone, "
                    "flag or household")
        ns = {"pfif": "http://zesty.ca/pfif/1.4"}
        root = ET.fromstring(xml.encode("utf-8"))
        T.check_eq(root.tag, "{http://zesty.ca/pfif/1.4}pfif", "the root")

        def text(el, name):
            x = el.find("pfif:" + name, ns)
            return None if x is None else x.text

        got = []
        for p in root.findall("pfif:person", ns):
            note = p.find("pfif:note", ns)
            T.check_eq(text(note, "person_record_id"),
                       text(p, "person_record_id"), "the note names it")
            got.append((text(p, "person_record_id"), text(p, "full_name"),
                        text(p, "sex"), text(p, "date_of_birth"),
                        text(p, "home_city"), text(note, "note_record_id"),
                        text(note, "status"),
                        text(note, "last_known_location")))
        d = "test.example/"
        T.check_eq(got, [
            (d + "person." + pid(1), "测试甲一", "female", "1940", "甲村",
             d + "note." + pid(1), "believed_alive", "测试一号"),
            (d + "person." + pid(2), "测试甲二", "male", "1990", "甲村",
             d + "note." + pid(2), "information_sought", None),
            (d + "person." + pid(3), "测试甲三", None, None, "甲村",
             d + "note." + pid(3), "believed_dead", None),
            (d + "person." + pid(4), "测试乙一", "female", "2020", "乙村",
             d + "note." + pid(4), "believed_alive", "测试二号"),
            (d + "person." + pid(5), "测试丙一", "male", "1985", None,
             d + "note." + pid(5), "believed_missing", None),
        ], "PFIF: one person a record, by id, with its status")
        r = n.run("report", "pfif", "--domain", "Bad Domain")
        T.check_eq(r.rc, T.EXIT_USAGE, "pfif --domain with a space: exit 2")


@cases.case
def bad_input_changes_nothing():
    with T.TempDir("report") as work:
        n = T.Node.create(work, "测试乡镇", "town", env=ENV)
        hid = n.put("households", "head_name=测试甲户", "village=甲村")
        before = n.state_hash()
        for what, fields in [
                ("both household and facility",
                 ["household=" + hid, "facility=桥梁", "village=甲村"]),
                ("neither household nor facility", ["house=collapsed"]),
                ("village with a household",
                 ["household=" + hid, "village=甲村"])]:
            r = n.run("put", "damage", *fields, "loss_yuan=100",
                      "time=%d" % T1)
            T.check_eq(r.rc, T.EXIT_INPUT, "put damage, %s: exit 4" % what)
        r = n.run("put", "relief", "household=" + hid, "method=cash",
                  "time=%d" % T1)
        T.check_eq(r.rc, T.EXIT_INPUT, "put relief with no amount: exit 4")
        T.check_eq(n.state_hash(), before, "state hash unchanged")
        for d in ("2026-02-30", "2023-02-29", "2024-13-01"):
            r = n.run("report", "disaster", "--date", d)
            T.check_eq(r.rc, T.EXIT_USAGE, "--date %s: exit 2" % d)
        n.run("report", "disaster", "--date", "2024-02-29", expect=0)
        r = n.run("report", "show", "0000000000000000000000000000abcd")
        T.check_eq(r.rc, T.EXIT_NOTFOUND, "report show of no report: exit 3")
        T.check_eq(n.state_hash(), before, "state hash still unchanged")



@cases.case
def out_is_written_or_refused_never_ignored():
    """`report disaster --out 灾情.csv` once printed the table, said
    "已写入 灾情.csv" and wrote nothing."""
    with T.TempDir("report") as work:
        n = T.Node.create(work, "测试乡镇", "town", env=ENV)
        n.put("households", "head_name=测试甲户", "village=甲村")
        by_name = [("disaster", "灾情.CSV", "csv"), ("relief", "表10.xlsx",
                                                     "xlsx"),
                   ("recovery", "恢复.json", "json"),
                   ("completeness", "名单.csv", "csv"),
                   ("disclosure", "公示.xlsx", "xlsx")]
        for report, name, kind in by_name:
            path = os.path.join(work, name)
            r = n.run("report", report, "--out", path, expect=0)
            with open(path, "rb") as f:
                data = f.read()
            looks = {"csv": lambda d: b"," in d and not d.startswith(b"{"),
                     "xlsx": lambda d: d.startswith(b"PK"),
                     "json": lambda d: d.startswith(b"{")}[kind]
            T.check(looks(data) and name in r.out,
                    "report %s --out %s: the file is %s (its name says so),"
                    " and it says it wrote it" % (report, name, kind))
            os.remove(path)
        refused = [(["disaster", "--out", "灾情.txt"], "--out needs a name"),
                   (["relief", "--out", "表10"], "--out needs a name"),
                   (["recovery", "--format", "table", "--out", "x.csv"],
                    "a table is for the screen"),
                   (["completeness", "--out", "名单.xlsx"],
                    "this report is table, json or csv")]
        for args, says in refused:
            r = n.run("--lang", "en", "report", *args[:-1],
                      os.path.join(work, args[-1]))
            T.check(r.rc == T.EXIT_USAGE and r.out == "" and says in r.err,
                    "report %s: exit 2 (%s), no output" % (" ".join(args),
                                                            says))
            T.check(os.listdir(work) == ["town"],
                    "... and no file written (%s)" % os.listdir(work))
        nowhere = os.path.join(work, "no-such-dir", "灾情.csv")
        r = n.run("report", "disaster", "--submit", "--out", nowhere)
        T.check(r.rc == T.EXIT_FAIL and "no-such-dir" in r.err and
                n.js("report", "submitted") == [],
                "--submit with an --out that cannot be written: exit 1 and"
                " nothing submitted (a retry would submit twice)")
        for fmt in ("table", "csv", "xlsx"):
            r = n.run("--json", "report", "relief", "--format", fmt)
            T.check(r.rc == T.EXIT_USAGE and r.out == "" and
                    "--format %s" % fmt in r.err,
                    "--json --format %s with no --out: exit 2 (stdout would"
                    " not be JSON)" % fmt)
        path = os.path.join(work, "x.out")
        n.run("--json", "report", "relief", "--out", path, expect=0)
        with open(path, "rb") as f:
            T.check(f.read().startswith(b'{"report":"relief"'),
                    "--json with --out: the JSON, whatever the name")


if __name__ == "__main__":
    cases.main()
