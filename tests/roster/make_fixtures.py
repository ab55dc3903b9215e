#!/usr/bin/python3
"""Make the roster files of tests/roster (test_roster.py; proto/roster.md):
spreadsheets shaped as village committees keep them, with fictional
names and ID numbers whose check characters are computed (GB 11643).
Run it again to rebuild them; the files are committed, so the tests do
not depend on it. Needs python3-openpyxl (Debian) for the XLSX files."""
import datetime
import os
import sys

import openpyxl
from openpyxl.styles import Alignment

HERE = os.path.dirname(os.path.abspath(__file__))
W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def idn(area, birth, seq):
    """An 18-character resident ID number with its check character."""
    body = "%s%s%03d" % (area, birth, seq)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, W)) % 11]


def bad_check(n):
    """@n with a wrong check character."""
    good = n[-1]
    return n[:-1] + ("1" if good != "1" else "2")


def write_csv(name, rows, encoding, bom=False):
    text = "\r\n".join(rows) + "\r\n"
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def gb18030_csv():
    """One row per person grouped by 户号, a title row above the headings,
    as Excel in China saves "CSV" (GB18030, no byte-order mark, CRLF); a
    note spanning two lines in quotes (so line and record numbers part)."""
    rows = [
        "测试镇测试村受灾群众花名册,,,,,,,,,,,,",
        "户号,户主姓名,姓名,与户主关系,性别,出生日期,身份证号码,联系电话,"
        "家庭人口,村,组,住址,备注",
        "001,测试张大,测试张大,户主,男,1958-03-12,%s,13800000001,3,测试村,"
        "一组,测试村一组1号," % idn("420222", "19580312", 11),
        ",,测试李花,配偶,女,1960/7/1,%s,,,,,," % idn("420222", "19600701", 22),
        ",,测试张小,长子,男,1985.11,%s,,,,,,\"在外务工，\r\n暂未联系上\""
        % idn("420222", "19851103", 31),
        "002,测试王五,测试王五,户主,男,1949年10月1日,%s,13800000002,1,测试村,"
        "二组,测试村二组7号,独居老人" % idn("420222", "19491001", 51),
        "003,测试赵六,测试赵六,户主,女,19720215,%s,13800000003,2,测试村,"
        "二组,,残疾" % idn("420222", "19720215", 62),
        "003,测试赵六,测试钱七,之子,男,2012,,,,,,,",
    ]
    write_csv("roster-gb18030.csv", rows, "gb18030")


def broken_csv():
    """UTF-8 with a byte-order mark; rows a roster must refuse, each for
    its reason, and households written from their readable rows."""
    good = idn("420222", "19700101", 71)
    rows = [
        "户号,姓名,与户主关系,性别,出生日期,身份证号,联系电话",
        "101,测试甲一,户主,男,1970-01-01,%s,13900000001" % good,
        "101,测试甲二,配偶,女,1971-02-03,%s," % bad_check(
            idn("420222", "19710203", 72)),                 # check char
        "101,测试甲三,子,男,1990-02-30,,",                  # no Feb 30
        "102,,户主,男,1965,,",                              # no name (户主)
        "102,测试乙二,配偶,女,1966,1.10105E+17,",           # a number
        "103,测试丙一,户主,未知,1980,,",                    # sex
        "103,测试丙二,女儿,女,1981,,电话没有",              # phone
        "104,测试丁一,户主,男,2099,,",                      # future
        "105,测试戊一,户主,女,1975,%s," % good,             # row 2's ID
    ]
    write_csv("roster-broken.csv", rows, "utf-8", bom=True)


def persons_xlsx():
    """An instructions sheet first; then the roster: a merged title row,
    a two-level heading (基本信息 over 姓名/性别/出生日期, 户号 and
    户主姓名 merged down both heading rows), 户号 merged down each
    household's rows, birth dates typed as dates (numbers in the file),
    and one ID number typed as a number (its last digits lost)."""
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "填表说明"
    info["A1"] = "请按户填写，每人一行。"
    ws = wb.create_sheet("花名册")
    ws["A1"] = "测试村防汛转移人员花名册"
    ws.merge_cells("A1:H1")
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["A2"] = "户号"
    ws.merge_cells("A2:A3")
    ws["B2"] = "户主姓名"
    ws.merge_cells("B2:B3")
    ws["C2"] = "基本信息"
    ws.merge_cells("C2:E2")
    ws["C3"], ws["D3"], ws["E3"] = "姓名", "性别", "出生日期"
    ws["F2"] = "身份证号码"
    ws.merge_cells("F2:F3")
    ws["G2"] = "与户主关系"
    ws.merge_cells("G2:G3")
    ws["H2"] = "是否残疾"
    ws.merge_cells("H2:H3")
    people = [
        ("A01", "测试孙一", "测试孙一", "男", datetime.date(1950, 5, 6),
         idn("420222", "19500506", 81), "户主", "否"),
        (None, None, "测试周二", "女", datetime.date(1952, 8, 9),
         idn("420222", "19520809", 82), "配偶", "是"),
        ("A02", "测试吴三", "测试吴三", "男", datetime.date(1988, 1, 31),
         idn("420222", "19880131", 83), "户主", "否"),
        (None, None, "测试郑四", "女", datetime.date(2015, 6, 1),
         None, "女儿", ""),
        ("A03", "测试冯五", "测试冯五", "女", datetime.date(1979, 12, 24),
         float(idn("420222", "19791224", 84)[:17] + "0"), "户主", "否"),
    ]
    row = 4
    starts = {}
    for p in people:
        if p[0] is not None:
            starts[p[0]] = row
        for col, v in zip("ABCDEFGH", p):
            if v is not None:
                ws["%s%d" % (col, row)] = v
        row += 1
    # 户号 and 户主姓名 merged down each household's rows.
    ends = {"A01": 5, "A02": 7, "A03": 8}
    for hh, s in starts.items():
        if ends[hh] > s:
            ws.merge_cells("A%d:A%d" % (s, ends[hh]))
            ws.merge_cells("B%d:B%d" % (s, ends[hh]))
    out = os.path.join(HERE, "roster-persons.xlsx")
    wb.save(out)
    shared_strings(out)


def shared_strings(path):
    """Rewrite @path's inline strings as a shared strings table, as Excel
    itself writes text (openpyxl writes them inline): each sheet's
    <c t="inlineStr"><is><t>X</t></is></c> becomes <c t="s"><v>i</v></c>
    with X at index i of xl/sharedStrings.xml, declared in the
    workbook's relationships and the content types."""
    import re
    import zipfile
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    strings, index = [], {}

    def share(m):
        start, rest, text = m.group(1), m.group(2), m.group(3)
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return '%s t="s"%s><v>%d</v></c>' % (start, rest, index[text])
    cell = re.compile(r'(<c [^>]*?) t="inlineStr"([^>]*)><is><t[^>]*>(.*?)'
                      r'</t></is></c>', re.S)
    for n in list(parts):
        if n.startswith("xl/worksheets/") and n.endswith(".xml"):
            xml = parts[n].decode("utf-8")
            parts[n] = cell.sub(share, xml).encode("utf-8")
    sst = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
           'main" count="%d" uniqueCount="%d">' % (len(strings), len(strings))
           + "".join("<si><t>%s</t></si>" % t for t in strings) + "</sst>")
    parts["xl/sharedStrings.xml"] = sst.encode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>",
        '<Relationship Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml" Id="rIdSst"/></Relationships>').encode()
    ct = parts["[Content_Types].xml"].decode("utf-8")
    parts["[Content_Types].xml"] = ct.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" ContentType="'
        'application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'sharedStrings+xml"/></Types>').encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


def households_xlsx():
    """One row per household, members in numbered columns, and one
    household's members named together in 家庭成员."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["户编号", "户主", "户主身份证号码", "手机号", "成员1姓名",
               "成员1身份证号", "成员2姓名", "成员2身份证号", "家庭成员",
               "村(社区)", "网格"])
    ws.append(["B01", "测试褚一", idn("420222", "19600101", 91),
               "13700000001", "测试卫二", idn("420222", "19620202", 92),
               "测试蒋三", idn("420222", "19900303", 93), None, "测试村",
               "3号网格"])
    ws.append(["B02", "测试沈四", idn("420222", "19550505", 94), None, None,
               None, None, None, "测试韩五、测试杨六", "测试村", "3号网格"])
    wb.save(os.path.join(HERE, "roster-households.xlsx"))


if __name__ == "__main__":
    gb18030_csv()
    broken_csv()
    persons_xlsx()
    households_xlsx()
    sys.exit(0)
