#!/usr/bin/python3
"""Warning campaigns (预警信息到户到人, `huzhu alert`): a notice whose area
is a set of villages and grids makes a campaign; deliveries per household
and method; reached and not yet reached per village and per responsible
cadre, the unreached vulnerable first; the delivery list as CSV; a CAP 1.2
alert imported as a notice (villages matched by areaDesc and geocode),
malformed and foreign ones refused writing nothing; a delivery for an
unknown campaign or a household outside its area refused writing nothing;
a failed try delivers nothing; two staff on two nodes reaching one
household count once after the nodes exchange bundles. Expectations are
written out by hand (proto/schema.md, "Warning campaigns"; proto/cli.md,
"alert")."""
import csv
import io
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("warnings")

ENV = {"TZ": "CST-8"}
CAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cap")
D1 = 1717200000  # 2024-06-01 08:00 in UTC+8


def node(td, name):
    return T.Node.create(td, name, env=ENV)


def household(n, head, village, cadre=None, grid=None, *member):
    args = ["household", "add", "--head", head, "--village", village]
    if cadre:
        args += ["--cadre", cadre]
    if grid:
        args += ["--grid", grid]
    for m in member:
        args += ["--member", m]
    return n.js(*args)["id"]


def village_setup(n):
    """东村: 甲 (王干部), 乙 with a disabled elder (赵干部, after 王干部 in
    byte order, so only the vulnerable-first rule lists 乙 first); 西村: 丙 in
    网格3 (王干部); 北村: 丁 in 网格3; 南村: 戊 (outside the area)."""
    h = {
        "甲": household(n, "甲", "东村", "王干部"),
        "乙": household(n, "乙", "东村", "赵干部", None, "乙老人,男,1940,残疾"),
        "丙": household(n, "丙", "西村", "王干部", "网格3"),
        "丁": household(n, "丁", "北村", None, "网格3"),
        "戊": household(n, "戊", "南村", "王干部"),
    }
    w = n.js("alert", "add", "--event", "暴雨", "--headline", "暴雨橙色预警",
             "--villages", "东村， 西村", "--grids", "网格3", "--severity",
             "severe", "--urgency", "immediate", "--certainty", "likely",
             "--instruction", "立即转移到安置点", "--sent", str(D1))["id"]
    return h, w


def heads(n, rows):
    names = {}
    for r in rows:
        names[r["household"]] = r["head_name"]
    return [names[r["household"]] for r in rows]


@cases.case
def campaign_counts_per_village_and_cadre():
    with T.TempDir("warn") as td:
        n = node(td, "村委会")
        h, w = village_setup(n)
        rep = n.js("alert", "show", w)
        T.check_eq(rep["notice"]["villages"], "东村,西村", "the list as kept")
        T.check_eq(rep["totals"], {"households": 4, "reached": 0,
                                   "unreached": 4, "unreached_vulnerable": 1},
                   "four households in the area, none reached")
        # The unreached vulnerable first, then by village, cadre, head.
        T.check_eq(heads(n, rep["households"]), ["乙", "甲", "丁", "丙"],
                   "the vulnerable first")

        n.out("alert", "deliver", w, h["甲"], "--method", "phone", "--by",
              "张三", "--time", str(D1 + 600))
        n.out("alert", "deliver", w, h["乙"], "--method", "phone",
              "--not-reached", "--note", "无人接听", "--time", str(D1 + 700))
        n.out("alert", "deliver", w, h["丁"], "--method", "loudspeaker",
              "--time", str(D1 + 800))
        n.out("alert", "deliver", w, h["甲"], "--method", "door", "--by",
              "李四", "--time", str(D1 + 900))
        rep = n.js("alert", "show", w)
        T.check_eq(rep["totals"], {"households": 4, "reached": 2,
                                   "unreached": 2, "unreached_vulnerable": 1},
                   "甲 reached twice counts once; 乙's failed try does not")
        T.check_eq([(r["village"], r["households"], r["reached"],
                     r["unreached"], r["unreached_vulnerable"])
                    for r in rep["by_village"]],
                   [("东村", 2, 1, 1, 1), ("北村", 1, 1, 0, 0),
                    ("西村", 1, 0, 1, 0)], "per village")
        T.check_eq([(r["cadre"], r["households"], r["reached"])
                    for r in rep["by_cadre"]],
                   [(None, 1, 1), ("王干部", 2, 1), ("赵干部", 1, 0)],
                   "per cadre")
        by = {r["head_name"]: r for r in rep["households"]}
        T.check_eq((by["乙"]["reached"], by["乙"]["tries"],
                    by["乙"]["method"], by["乙"]["note"]),
                   (False, 1, "phone", "无人接听"), "乙: tried, not reached")
        T.check_eq((by["甲"]["tries"], by["甲"]["method"], by["甲"]["by"]),
                   (2, "door", "李四"), "甲: the latest delivery that reached")

        un = n.js("alert", "unreached", w)
        T.check_eq([r["head_name"] for r in un], ["乙", "丙"],
                   "unreached, the vulnerable first")
        T.check_eq([r["head_name"]
                    for r in n.js("alert", "unreached", w, "--village",
                                  "西村")], ["丙"], "one village's")
        text = n.out("alert", "show", w)
        for want in ("暴雨橙色预警", "已送达 2 / 共 4 户", "包保责任人",
                     "赵干部", "严重"):
            T.check(want in text, "show says %s: %s" % (want, text))
        ls = n.js("alert", "ls")
        T.check_eq([(x["id"], x["totals"]["reached"]) for x in ls], [(w, 2)],
                   "ls: the campaign and how far it got")

        path = os.path.join(td, "unreached.csv")
        n.out("alert", "unreached", w, "--csv", path)
        with open(path, encoding="utf-8-sig") as f:
            rows = list(csv.reader(io.StringIO(f.read())))
        T.check_eq(rows[0][:7], ["村/社区", "网格", "包保责任人", "户主",
                                 "电话", "弱势人数", "送达情况"],
                   "CSV headings")
        T.check_eq([(r[3], r[5], r[6], r[10]) for r in rows[1:]],
                   [("乙", "1", "未送达(已尝试)", "1"),
                    ("丙", "0", "未通知", "0")], "CSV: the unreached")
        path = os.path.join(td, "all.csv")
        n.out("alert", "show", w, "--csv", path)
        with open(path, encoding="utf-8-sig") as f:
            rows = list(csv.reader(io.StringIO(f.read())))
        T.check_eq([(r[3], r[6], r[7], r[8]) for r in rows[1:]],
                   [("乙", "未送达(已尝试)", "电话", ""),
                    ("丙", "未通知", "", ""),
                    ("甲", "已送达", "入户", "李四"),
                    ("丁", "已送达", "广播/喇叭", "")],
                   "CSV: the whole delivery list")
        path = os.path.join(td, "all.xlsx")
        n.out("alert", "show", w, "--xlsx", path)
        import openpyxl  # Debian: python3-openpyxl
        ws = openpyxl.load_workbook(path).worksheets[0]
        cells = [list(r) for r in ws.iter_rows(values_only=True)]
        T.check_eq((ws.title, cells[0][0], cells[1][:4]),
                   ("预警到户", "暴雨橙色预警", ["村/社区", "网格", "包保责任人",
                                          "户主"]),
                   "XLSX: the sheet, its title and headings")
        T.check_eq([tuple(r[k] or "" for k in (3, 6, 7, 8)) for r in cells[2:]],
                   [tuple(r[k] for k in (3, 6, 7, 8)) for r in rows[1:]],
                   "XLSX: the lines the CSV has")

        # A duplicate merged into 甲 and a removed household in the area
        # are no households of the campaign, in the list of campaigns (all
        # summed in one pass) as in the campaign's own report.
        dup = household(n, "甲", "东村")
        n.out("merge", "households", h["甲"], dup)
        n.out("household", "add", "--head", "庚", "--village", "西村",
              "--status", "removed")
        rep = n.js("alert", "show", w)
        T.check_eq(rep["totals"], {"households": 4, "reached": 2,
                                   "unreached": 2, "unreached_vulnerable": 1},
                   "the merged and the removed are not counted")
        T.check_eq([x["totals"] for x in n.js("alert", "ls")],
                   [rep["totals"]], "ls sums as show does")


@cases.case
def failed_try_is_not_contact():
    """A try that did not reach a household (reached false) does not
    account for it (proto/schema.md, "Who is not accounted for")."""
    with T.TempDir("warn") as td:
        n = node(td, "村委会")
        h, w = village_setup(n)

        def reason():
            rows = n.js("show", "unaccounted")["rows"]
            return [r["reason"] for r in rows
                    if r["household"] == h["丙"]]

        T.check_eq(reason(), ["not_contacted"], "before any try")
        n.out("alert", "deliver", w, h["丙"], "--method", "phone",
              "--not-reached")
        T.check_eq(reason(), ["not_contacted"], "after a failed try")
        n.out("alert", "deliver", w, h["丙"], "--method", "door")
        T.check_eq(reason(), [], "reached")


@cases.case
def refusals_write_nothing():
    with T.TempDir("warn") as td:
        n = node(td, "村委会")
        h, w = village_setup(n)
        r = n.refused(["alert", "deliver", w, h["戊"], "--method", "door"],
                    4, "a household outside the area")
        T.check("不在此预警信息的区域内" in r.err, r.err)
        r = n.refused(["alert", "deliver", "0" * 32, h["甲"], "--method",
                        "door"], 3, "an unknown campaign")
        T.check("预警信息" in r.err, r.err)
        # The node's own check, under the command's: put reaches it.
        r = n.refused(["put", "warnings", "campaign=" + w,
                        "household=" + h["戊"], "method=door", "notice=x",
                        "time=%d" % D1], 4, "put outside the area")
        T.check("not in the campaign's area" in r.err, r.err)
        r = n.refused(["put", "warnings", "campaign=" + "1" * 32,
                        "household=" + h["甲"], "method=door", "notice=x",
                        "time=%d" % D1], 3, "put of an unknown campaign")
        T.check("no such warning_notices row" in r.err, r.err)
        n.refused(["alert", "add", "--event", "暴雨"], 2, "no area")
        n.refused(["alert", "add", "--event", "暴雨", "--villages", "东村",
                    "--sent", "2024-02-30"], 2, "a day that does not exist")
        n.refused(["alert", "add", "--event", "暴雨", "--villages", "东村",
                    "--severity", "huge"], 4, "not a severity")
        n.refused(["alert", "deliver", w, h["甲"], "--method", "pigeon"], 4,
                "not a method")
        # A warning of no campaign is written as before 6.
        n.out("warn", h["戊"], "--method", "door", "--notice", "注意防汛")


@cases.case
def cap_import():
    with T.TempDir("warn") as td:
        n = node(td, "村委会")
        for head, village in (("甲", "东村"), ("乙", "西村"), ("丙", "南村"),
                              ("丁", "北村")):
            household(n, head, village)
        w = n.js("alert", "import", os.path.join(CAP, "rainstorm.xml"))["id"]
        notice = n.js("alert", "show", w)["notice"]
        want = {"identifier": "CN-QX-2024-0601-0042",
                "sender": "qx.example.county", "sent": D1,
                "expires": D1 + 86400, "event": "暴雨",
                "urgency": "immediate", "severity": "severe",
                "certainty": "likely", "source": "某县气象台",
                "headline": "某县气象台发布暴雨橙色预警",
                "instruction": "低洼地带人员立即转移到安置点。",
                "area_desc": "城关镇 东村、西村;河口片区;南村",
                "villages": "东村,南村,西村", "grids": None}
        T.check_eq({k: notice[k] for k in want}, want,
                   "the first info's fields; villages named by areaDesc or"
                   " geocode, in the node's order of villages")
        T.check_eq(n.js("alert", "show", w)["totals"]["households"], 3,
                   "北村 (the English info's area) is not in it")
        # The same alert again writes nothing and names the notice.
        before = n.snapshot()
        T.check_eq(n.js("alert", "import",
                        os.path.join(CAP, "rainstorm.xml"))["id"], w,
                   "imported once")
        T.check_eq(n.snapshot(), before, "a second import writes nothing")
        # Another alert (another identifier) with --villages: those
        # first, the matched ones after, none twice.
        again = os.path.join(td, "again.xml")
        with open(os.path.join(CAP, "rainstorm.xml"), encoding="utf-8") as f:
            text = f.read()
        with open(again, "w", encoding="utf-8") as f:
            f.write(text.replace("0601-0042", "0601-0045"))
        w2 = n.js("alert", "import", again, "--villages", "东村、北村")["id"]
        T.check_eq(n.js("alert", "show", w2)["notice"]["villages"],
                   "东村,北村,南村,西村", "--villages first, none twice")
        T.check_eq({x["id"]: x["totals"]["households"]
                    for x in n.js("alert", "ls")}, {w: 3, w2: 4},
                   "ls: each campaign's households")
        for name, why in (("malformed.xml", "mismatched tag"),
                          ("not_cap.xml", "not a CAP 1.2 alert"),
                          ("no_urgency.xml", "info/urgency")):
            r = n.refused(["alert", "import", os.path.join(CAP, name)], 5,
                        name)
            T.check("CAP 1.2" in r.err and why in r.err, r.err)
        big = os.path.join(td, "big.xml")
        with open(os.path.join(CAP, "rainstorm.xml"), encoding="utf-8") as f:
            text = f.read()
        with open(big, "w", encoding="utf-8") as f:
            f.write(text.replace("<status>", "<!--" + "x" * (1 << 20) +
                                 "--><status>"))
        r = n.refused(["alert", "import", big], 5, "over 1 MiB")
        T.check("over 1048576 bytes" in r.err, r.err)


@cases.case
def two_nodes_count_once():
    with T.TempDir("warn") as td:
        a = node(td, "村委会")
        b = node(td, "网格员")
        h, w = village_setup(a)
        path = os.path.join(td, "a.bundle")
        a.export(path)
        b.import_(path)
        # Apart: both reach 甲, A tries 乙 and fails, B reaches 乙.
        a.out("alert", "deliver", w, h["甲"], "--method", "phone",
              "--time", str(D1 + 60))
        b.out("alert", "deliver", w, h["甲"], "--method", "door",
              "--time", str(D1 + 120))
        a.out("alert", "deliver", w, h["乙"], "--method", "phone",
              "--not-reached", "--time", str(D1 + 180))
        b.out("alert", "deliver", w, h["乙"], "--method", "door",
              "--time", str(D1 + 240))
        # A later try that failed does not replace 甲's delivery that
        # reached; 丙 reached at the same second on both: the higher id's.
        a.out("alert", "deliver", w, h["甲"], "--method", "message",
              "--not-reached", "--time", str(D1 + 400))
        a.out("alert", "deliver", w, h["丙"], "--method", "loudspeaker",
              "--time", str(D1 + 300), "--id", "f" * 32)
        b.out("alert", "deliver", w, h["丙"], "--method", "phone",
              "--time", str(D1 + 300), "--id", "0" * 31 + "1")
        for x, y, name in ((a, b, "a2"), (b, a, "b2")):
            p = os.path.join(td, name + ".bundle")
            x.export(p, for_node=y)
            y.import_(p)
        T.same_state([a, b], "after the exchange")
        ra, rb = a.js("alert", "show", w), b.js("alert", "show", w)
        T.check_eq(ra, rb, "one campaign on both nodes")
        T.check_eq(ra["totals"], {"households": 4, "reached": 3,
                                  "unreached": 1, "unreached_vulnerable": 0},
                   "甲 and 丙 reached on two nodes count once")
        by = {r["head_name"]: r for r in ra["households"]}
        T.check_eq((by["甲"]["tries"], by["乙"]["tries"],
                    by["乙"]["method"]), (3, 2, "door"),
                   "every try kept; 乙's delivery that reached shown")
        T.check_eq((by["甲"]["method"], by["甲"]["time"]),
                   ("door", D1 + 120),
                   "甲: the latest delivery that reached, not a later"
                   " failed try")
        T.check_eq((by["丙"]["tries"], by["丙"]["method"]),
                   (2, "loudspeaker"),
                   "丙: two deliveries at one second, the higher id's shown")


if __name__ == "__main__":
    cases.main()
