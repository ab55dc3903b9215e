#!/usr/bin/python3
"""Donations and their use (捐赠, issue 16): money and goods received
(`huzhu donation`), committed, disbursed and spent (`huzhu ledger`, the
IATI transaction types), and the public disclosure (`huzhu report
disclosure`) per organisation and for the township. What is used of a
donation never exceeds what it received on one node: each refusal (more
than is left, nonsense amounts, no such donation, a correction of a
corrected row) writes nothing; two nodes that each spend what they see
left while apart keep both and flag the donation overdrawn on both. The
disclosure's totals are the same in its JSON, CSV and XLSX, and none of
its forms holds a recipient's name, ID number or phone. Expectations are
written out by hand (proto/schema.md, "Donations and their use";
proto/reports.md, "Donation disclosure")."""
import csv
import io
import os
import sys
from decimal import Decimal

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("donations")

ENV = {"TZ": "CST-8"}

# Sentinel personal data of recipients: none may reach a disclosure.
SENTINELS = ["哨兵户主甲", "哨兵户主乙", "哨兵成员丙", "110101199003074514",
             "13900001111", "13900002222", "哨兵经办人", "哨兵备注"]


def node(td, name):
    return T.Node.create(td, name, env=ENV)


def by_id(rows, key, id_):
    return [r for r in rows if r[key] == id_][0]


def sections(text):
    """The disclosure CSV as {title: (headings, rows)}; the title line
    under the key ""."""
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    out = {"": (lines[0], [])}
    i = 1
    while i < len(lines):
        T.check(lines[i] == [], "an empty line before each section")
        title, heads, i = lines[i + 1][0], lines[i + 2], i + 3
        rows = []
        while i < len(lines) and lines[i] != []:
            rows.append(lines[i])
            i += 1
        out[title] = (heads, rows)
    return out


def fen(yuan):
    return int(Decimal(str(yuan)) * 100)


@cases.case
def ledger_refusals_and_corrections():
    with T.TempDir("donations") as td:
        n = node(td, "乡镇")
        red = n.out("org", "add", "--name", "红十字会", "--kind", "social_org")
        d1 = n.out("donation", "add", "--kind", "money", "--amount", "1000",
                   "--donor", "某企业", "--org", red, "--restriction",
                   "饮用水")
        T.check(T.is_hex(d1, 32), "donation add prints the id")
        c1 = n.out("ledger", "commit", d1, "--amount", "600",
                   "--purpose", "购买饮用水")
        s1 = n.out("ledger", "spend", d1, "--amount", "400.50",
                   "--purpose", "购买饮用水", "--village", "东村")
        n.out("ledger", "disburse", d1, "--amount", "200", "--village", "西村")
        # Left: 400 to commit (600 committed), 399.50 to use (600.50 used).
        r = n.refused_all([
            (["ledger", "spend", d1, "--amount", "399.51"], 4,
             "more than is left to use"),
            (["--lang", "en", "ledger", "commit", d1, "--amount", "400.01"], 4,
             "more than is left to commit"),
            (["ledger", "spend", d1, "--amount", "0"], 2, "amount 0"),
            (["ledger", "spend", d1, "--amount", "1.234"], 2, "3 decimals"),
            (["ledger", "spend", d1, "--amount", "-5"], 2, "amount -5"),
            (["ledger", "spend", "0" * 32, "--amount", "1"], 3,
             "no such donation"),
            (["ledger", "spend", d1, "--amount", "1", "--relief", "0" * 32], 3,
             "no such relief payment"),
            (["donation", "add", "--kind", "goods", "--amount", "5", "--qty",
              "3"], 2, "goods without --goods or --item"),
            (["donation", "add", "--kind", "money", "--amount", "5", "--qty",
              "3"], 2, "money with a quantity"),
            # The node's own check, through put (what web writes use).
            (["put", "ledger", "donation=" + d1, "kind=expenditure",
              "amount=40000", "time=1717200000"], 4, "put more than is left"),
            (["put", "ledger", "donation=" + d1, "kind=commitment",
              "amount=100", "reverses=" + s1, "time=1717200000"], 4,
             "a correction that changes the kind"),
            (["donation", "reverse", d1], 4, "a donation in use")])
        T.check("399.50" in r[0].err and "未写入" in r[0].err,
                "says what is left, in Chinese: " + r[0].err)
        T.check("left to commit (400.00 yuan)" in r[1].err, "in English too")
        T.check("left to use" in r[9].err, "the node says why: " + r[9].err)
        # Corrections: the spending no longer counts, a second is refused.
        n.out("ledger", "reverse", s1)
        n.refused(["ledger", "reverse", s1], 4, "a second correction")
        got = n.js("donation", "show", d1)
        T.check_eq((got["received"], got["committed"], got["used"],
                    got["balance"], got["overdrawn"], len(got["ledger"])),
                   (100000, 60000, 20000, 80000, 0, 3),
                   "totals follow the events, the correction not listed")
        T.check_eq(by_id(got["ledger"], "tx", s1)["reversed_by"] is not None,
                   True, "the reversed spending says so")
        T.check_eq(by_id(got["ledger"], "tx", c1)["kind"], "commitment",
                   "the commitment")
        n.out("ledger", "spend", d1, "--amount", "800")
        T.check_eq(n.js("donation", "ls", "--org", red)[0]["balance"], 0,
                   "spent to the fen after the correction")
        n.refused_all([
            (["donation", "ls", "--org", "红十字会"], T.EXIT_INPUT,
             "donation ls --org with a name, not an id"),
            (["donation", "ls", "--org", d1], T.EXIT_NOTFOUND,
             "donation ls --org with a donation's id"),
            (["ledger", "ls", "--donation", "xyz"], T.EXIT_INPUT,
             "ledger ls --donation xyz"),
            (["ledger", "ls", "--donation", red], T.EXIT_NOTFOUND,
             "ledger ls --donation with an organisation's id")])
        # A donation nothing uses is corrected, once.
        d2 = n.out("donation", "add", "--kind", "money", "--amount", "50",
                   "--donor", "某人", "--org", red)
        n.out("donation", "reverse", d2)
        n.refused(["donation", "reverse", d2], 4, "a donation reversed twice")
        got = n.js("donation", "show", d2)
        T.check_eq((got["reversed_by"] is not None, got["received"]),
                   (True, 0), "the reversed donation says so, received 0")


def scenario(n):
    """Two organisations, money in two currencies and goods; relief paid
    to households with sentinel names, ID numbers and phones, and paid
    for from a donation; notes and names of staff that stay private."""
    red = n.out("org", "add", "--name", "红十字会", "--kind", "social_org")
    firm = n.out("org", "add", "--name", "粮油公司", "--kind", "firm")
    water = n.out("item", "add", "--name", "矿泉水", "--unit", "箱")
    h1 = n.js("household", "add", "--head", "哨兵户主甲", "--village", "东村",
              "--phone", "13900001111", "--member",
              "哨兵成员丙,女,1950")["id"]
    n.out("person", "add", "--household", h1, "--name", "哨兵户主甲",
          "--id-number", "110101199003074514", "--phone", "13900001111")
    h2 = n.js("household", "add", "--head", "哨兵户主乙", "--village", "东村",
              "--phone", "13900002222")["id"]
    r1 = n.out("relief", h1, "--method", "cash", "--cash", "300",
               "--by", "哨兵经办人")
    r2 = n.out("relief", h2, "--method", "cash", "--cash", "200")
    d1 = n.out("donation", "add", "--kind", "money", "--amount", "1000",
               "--donor", "某企业", "--org", red, "--note", "哨兵备注")
    d2 = n.out("donation", "add", "--kind", "goods", "--amount", "250.5",
               "--goods", "矿泉水", "--qty", "50", "--item", water,
               "--anonymous", "--donor", "不愿具名者")
    d3 = n.out("donation", "add", "--kind", "money", "--amount", "100",
               "--currency", "USD", "--donor-org", firm, "--org", red)
    for args in (["spend", d1, "--amount", "300", "--relief", r1,
                  "--purpose", "困难户救助", "--by", "哨兵经办人",
                  "--note", "哨兵备注"],
                 ["spend", d1, "--amount", "200", "--relief", r2,
                  "--purpose", "困难户救助"],
                 ["commit", d1, "--amount", "900", "--purpose", "救助"],
                 ["disburse", d2, "--amount", "250.5", "--village", "西村",
                  "--org", firm],
                 ["spend", d3, "--amount", "30.25", "--village", "西村"]):
        n.out("ledger", *args)
    return red, d1, d2, d3


@cases.case
def disclosure_agrees_in_every_format_without_personal_data():
    with T.TempDir("donations") as td:
        n = node(td, "乡镇")
        red, d1, d2, d3 = scenario(n)
        whole = n.js("report", "disclosure")
        T.check_eq([(t["currency"], t["donations"], t["received"],
                     t["committed"], t["disbursed"], t["spent"], t["used"],
                     t["balance"], t["overdrawn"]) for t in whole["totals"]],
                   [("CNY", 2, 125050, 90000, 25050, 50000, 75050, 50000, 0),
                    ("USD", 1, 10000, 0, 0, 3025, 3025, 6975, 0)],
                   "the township's totals per currency, CNY first")
        T.check_eq([(v["village"], v["currency"], v["households"],
                     v["amount"], v["transactions"])
                    for v in whole["villages"]],
                   [("东村", "CNY", 2, 50000, 2), ("西村", "CNY", 0, 25050, 1),
                    ("西村", "USD", 0, 3025, 1)],
                   "households paid counted per village, never named")
        anon = by_id(whole["donations"], "donation", d2)
        T.check_eq((anon["donor"], anon["anonymous"]), (None, 1),
                   "an anonymous donor is not disclosed")
        org = n.js("report", "disclosure", "--org", red)
        T.check_eq(sorted(d["donation"] for d in org["donations"]),
                   sorted([d1, d3]), "an organisation's own donations")
        T.check_eq(org["organisation"]["name"], "红十字会", "named")
        n.refused(["report", "disclosure", "--org", "0" * 32], 3,
                  "no such organisation")

        csv_zh = os.path.join(td, "d.csv")
        csv_en = os.path.join(td, "d_en.csv")
        xlsx = os.path.join(td, "d.xlsx")
        n.out("report", "disclosure", "--format", "csv", "--out", csv_zh)
        n.out("--lang", "en", "report", "disclosure", "--format", "csv",
              "--out", csv_en)
        n.out("report", "disclosure", "--format", "xlsx", "--out", xlsx)
        with open(csv_zh, encoding="utf-8") as f:
            text_zh = f.read()
        s = sections(text_zh)
        heads, rows = s["合计"]
        T.check_eq(heads[:3], ["币种", "捐赠笔数", "接收"], "the headings")
        T.check_eq([[r[0]] + [fen(x) for x in r[2:8]] for r in rows],
                   [["人民币", 125050, 90000, 25050, 50000, 75050, 50000],
                    ["美元", 10000, 0, 0, 3025, 3025, 6975]],
                   "CSV totals in yuan equal the JSON's")
        T.check_eq(len(s["捐赠明细"][1]), 3, "every donation listed")
        T.check_eq(len(s["使用明细"][1]), 5, "every use listed")
        T.check_eq([r[:3] for r in s["各村受益"][1]],
                   [["东村", "人民币", "2"], ["西村", "人民币", "0"],
                    ["西村", "美元", "0"]], "per village")
        T.check("匿名" in text_zh, "the anonymous donor shown as such")

        import openpyxl  # Debian: python3-openpyxl
        wb = openpyxl.load_workbook(xlsx)
        T.check_eq(wb.sheetnames, ["合计", "捐赠明细", "使用明细", "各村受益"],
                   "the workbook's sheets")
        got = [list(r) for r in wb["合计"].iter_rows(min_row=3,
                                                    values_only=True)]
        T.check_eq([[r[0]] + [round(x * 100) for x in r[2:8]] for r in got],
                   [["人民币", 125050, 90000, 25050, 50000, 75050, 50000],
                    ["美元", 10000, 0, 0, 3025, 3025, 6975]],
                   "XLSX totals equal the CSV's")
        T.check_eq(wb["使用明细"].max_row - 2, 5, "XLSX: every use")
        # The uses, handed to the command row by row (never held at
        # once), are the same rows in the same order in every form.
        uses = whole["ledger"]
        T.check_eq((len(uses), whole["ledger_count"]), (5, 5),
                   "every use in the JSON, and counted")
        T.check_eq([(r[0], r[3], fen(r[5]), r[6]) for r in s["使用明细"][1]],
                   [(u["tx"], u["donation"], u["amount"], u["purpose"] or "")
                    for u in uses], "the CSV's uses are the JSON's, in order")
        xl = [list(r) for r in wb["使用明细"].iter_rows(min_row=3,
                                                    values_only=True)]
        T.check_eq([[c if c is not None else "" for c in r[:5]] +
                    [round(r[5] * 100)] +
                    [c if c is not None else "" for c in r[6:]] for r in xl],
                   [r[:5] + [fen(r[5])] + r[6:] for r in s["使用明细"][1]],
                   "the XLSX's uses are the CSV's")
        T.check_eq([str(m) for m in wb["使用明细"].merged_cells.ranges],
                   ["A1:K1"], "the uses' title merged across the sheet")
        T.check_eq([len(n.js("report", "disclosure", *a)["ledger"])
                    for a in ([], ["--org", red])],
                   [5, len([u for u in uses
                            if u["donation"] in (d1, d3)])],
                   "an organisation's uses are the township's that are its")

        table = n.out("report", "disclosure")
        T.check("使用记录 5 条" in table, "the table counts the uses")
        xml = b""
        import zipfile
        with zipfile.ZipFile(xlsx) as z:
            for name in z.namelist():
                xml += z.read(name)
        texts = [("json", str(whole) + str(org)), ("csv", text_zh),
                 ("csv en", open(csv_en, encoding="utf-8").read()),
                 ("table", table), ("xlsx", xml.decode("utf-8", "replace"))]
        for what, text in texts:
            for s_ in SENTINELS:
                T.check(s_ not in text, "%s holds no %s" % (what, s_))


@cases.case
def a_household_paid_twice_through_a_merge_counts_once():
    """Relief paid to two records of one family, each from a donation: the
    disclosure counts the households paid per village through merges, as
    every view counts a merged record as the one it stands for."""
    with T.TempDir("donations-merge") as td:
        n = node(td, "乡镇")
        keep = n.js("household", "add", "--head", "测试户主", "--village",
                    "东村")["id"]
        dup = n.js("household", "add", "--head", "测试户主(重复)", "--village",
                   "东村")["id"]
        other = n.js("household", "add", "--head", "测试邻户", "--village",
                     "东村")["id"]
        d = n.out("donation", "add", "--kind", "money", "--amount", "1000",
                  "--donor", "某企业")
        for hh, cash in ((keep, "300"), (dup, "200"), (other, "100")):
            r = n.out("relief", hh, "--method", "cash", "--cash", cash)
            n.out("ledger", "spend", d, "--amount", cash, "--relief", r,
                  "--purpose", "困难户救助")

        def east():
            return [(v["households"], v["amount"], v["transactions"])
                    for v in n.js("report", "disclosure")["villages"]
                    if v["village"] == "东村"]

        T.check_eq(east(), [(3, 60000, 3)], "three records paid")
        n.out("merge", "households", keep, dup)
        T.check_eq(east(), [(2, 60000, 3)],
                   "the duplicate counts as the record it stands for")
        n.out("unmerge", "households", dup)
        T.check_eq(east(), [(3, 60000, 3)], "and apart again once unmerged")


@cases.case
def concurrent_overdraw_flagged_on_both_nodes():
    with T.TempDir("donations") as td:
        a = node(td, "甲")
        b = node(td, "乙")
        d = a.out("donation", "add", "--kind", "money", "--amount", "1000")
        path = os.path.join(td, "a.bundle")
        a.export(path)
        b.import_(path)
        # Apart, each node spends what it sees left: 800 + 700 > 1000.
        a.out("ledger", "spend", d, "--amount", "800")
        b.out("ledger", "spend", d, "--amount", "700")
        T.exchange(td, a, b)
        for n in (a, b):
            got = n.js("donation", "show", d)
            T.check_eq((got["used"], got["balance"], got["overdrawn"],
                        len(got["ledger"])), (150000, -50000, 1, 2),
                       "both kept, the donation flagged overdrawn")
            T.check("超支" in n.run("donation", "ls").out, "in Chinese")
            T.check_eq([x["donation"] for x in
                        n.js("donation", "ls", "--overdrawn")], [d],
                       "listed for a person to resolve")
            T.check_eq(n.js("report", "disclosure")["totals"][0]["overdrawn"],
                       1, "the disclosure shows it")
        a.refused(["ledger", "spend", d, "--amount", "0.01"], 4,
                  "nothing left to use")


if __name__ == "__main__":
    cases.main()
