// tools/bench/peers/prep.js - turn the rows exported from a huzhu node
// (`huzhu -d NODE --json ls TABLE`, one file TABLE.json per table) into
// records.ndjson, one record a line: {"t": table, "id": row id, "f":
// {column: value, ...}}, and the digest the peers must reach.
//
//   node prep.js EXPORT_DIR OUT.ndjson REPORT.json
//
// REPORT.json: {"records", "others", "tables": {table: rows}, "digest",
// "ndjson_bytes"}. Records are households + persons + events (stays,
// warnings, stock_moves), as tools/bench/sync.sh counts them; "others" the
// sites and items, which the peers also get.
'use strict';

const fs = require('fs');
const path = require('path');
const c = require('./common');

const [dir, out, rep] = process.argv.slice(2);
if (!rep) c.die('prep.js', 'usage: node prep.js EXPORT_DIR OUT.ndjson REPORT.json');

const tables = {};
const lines = [];
const seen = new Set();
const fd = fs.openSync(out, 'w');
let bytes = 0;
let records = 0;
let others = 0;
for (const t of [...c.RECORD_TABLES, ...c.OTHER_TABLES]) {
  const rows = JSON.parse(fs.readFileSync(path.join(dir, t + '.json'), 'utf8'));
  if (!Array.isArray(rows)) c.die('prep.js', t + '.json is not an array');
  tables[t] = rows.length;
  let buf = '';
  for (const row of rows) {
    const { id, ...f } = row;
    if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id)) {
      c.die('prep.js', t + ': a row without a 32-hex id');
    }
    // One id space across tables, so that a PouchDB _id is the row id.
    if (seen.has(id)) c.die('prep.js', 'row id ' + id + ' appears twice');
    seen.add(id);
    for (const k of Object.keys(f)) {
      if (k === 'type' || k.startsWith('_')) c.die('prep.js', t + ' has a column ' + k);
    }
    buf += JSON.stringify({ t, id, f }) + '\n';
    if (buf.length > 1 << 20) {
      bytes += fs.writeSync(fd, buf);
      buf = '';
    }
    lines.push(c.canonLine(t, id, f));
  }
  bytes += fs.writeSync(fd, buf);
  if (c.RECORD_TABLES.includes(t)) records += rows.length;
  else others += rows.length;
}
fs.closeSync(fd);
c.report(rep, {
  records,
  others,
  tables,
  digest: c.digestLines(lines),
  ndjson_bytes: bytes,
});
