// tools/bench/peers/common.js - shared by prep.js, pouch.js and yjs.js
// (tools/bench/peers/run.sh): the records file, the digest that shows a
// peer holds exactly the records huzhu synced, and the measurements every
// process reports about itself.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const readline = require('readline');

// The tables whose rows are counted as records, as sync.sh counts them
// (households + persons + events), and the setup tables that huzhu's node
// A also holds (20 sites, 40 items): the peers get those too, uncounted.
const RECORD_TABLES = ['households', 'persons', 'stays', 'warnings', 'stock_moves'];
const OTHER_TABLES = ['sites', 'items'];
const ENTITY_TABLES = new Set(['households', 'persons', 'sites', 'items']);

// Peak resident set of this process in KiB (VmHWM: the kernel's high-water
// mark of RSS, the same figure as getrusage's ru_maxrss).
function vmhwmKiB() {
  const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : -1;
}

// User + system CPU seconds of this process so far.
function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

// A record's canonical line: table, id, and its fields as JSON with the
// keys sorted (values are scalars: text, int, real, bool).
function canonLine(table, id, fields) {
  const keys = Object.keys(fields).sort();
  const o = {};
  for (const k of keys) o[k] = fields[k];
  return table + '\t' + id + '\t' + JSON.stringify(o);
}

// Digest over a set of canonical lines (sorted first, so the order the
// records come in does not matter).
function digestLines(lines) {
  lines.sort();
  const h = crypto.createHash('sha256');
  for (const l of lines) {
    h.update(l);
    h.update('\n');
  }
  return h.digest('hex');
}

// Calls fn({t, id, f}) for each record of records.ndjson (written by
// prep.js); resolves to the count.
async function eachRecord(file, fn) {
  const rl = readline.createInterface({
    input: fs.createReadStream(file, { encoding: 'utf8' }),
    crlfDelay: Infinity,
  });
  let n = 0;
  for await (const line of rl) {
    if (line.length === 0) continue;
    await fn(JSON.parse(line));
    n++;
  }
  return n;
}

// Writes one JSON object as a line to a file (the driver reads it).
function report(file, obj) {
  fs.writeFileSync(file, JSON.stringify(obj) + '\n');
}

// Says where @server listens, as the driver reads it: {"listening":"ADDR:PORT"}.
function sayListening(server) {
  const a = server.address();
  process.stdout.write(JSON.stringify({ listening: a.address + ':' + a.port }) + '\n');
}

// Bytes read and written over @sockets (every connection a server took).
function socketBytes(sockets) {
  let read = 0;
  let written = 0;
  for (const s of sockets) {
    read += s.bytesRead;
    written += s.bytesWritten;
  }
  return { read, written };
}

function die(prog, msg) {
  process.stderr.write(prog + ': ' + msg + '\n');
  process.exit(1);
}

module.exports = {
  RECORD_TABLES,
  OTHER_TABLES,
  ENTITY_TABLES,
  vmhwmKiB,
  cpuSeconds,
  canonLine,
  digestLines,
  eachRecord,
  report,
  sayListening,
  socketBytes,
  die,
};
