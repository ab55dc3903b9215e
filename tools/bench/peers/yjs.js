// tools/bench/peers/yjs.js - Yjs state sync between two documents in two
// processes over a loopback TCP socket, for tools/bench/peers/run.sh.
//
//   node yjs.js build RECORDS.ndjson SHAPE OUT.update REPORT.json
//       setup (not the measured sync): document A, one Y.Map per table
//       (doc.getMap(table)) keyed by row id. SHAPE "fields": a row of an
//       entity table (households, persons, sites, items) is a nested
//       Y.Map, one entry a column, so that concurrent edits of different
//       fields merge as huzhu's per-field registers do; an event (stays,
//       warnings, stock_moves: written once) is a plain object value.
//       SHAPE "plain": every row is a plain object value (one register a
//       row: the cheapest shape for Yjs, and a concurrent edit of another
//       field of the same row is lost). Writes Y.encodeStateAsUpdate(A) to
//       OUT.update, as an application would persist its document.
//   node yjs.js send A.update REPORT.json
//       process A: loads A.update into a new Y.Doc (Y.applyUpdate; an
//       application opening its persisted document), listens on
//       127.0.0.1, a port of the system's choosing, and prints
//       {"listening":"127.0.0.1:PORT"}. Per connection, the state-vector
//       exchange of y-protocols' sync steps 1 and 2, in frames of a 4-byte
//       length and the bytes: each side sends Y.encodeStateVector(own
//       doc); each answers the other's with Y.encodeStateAsUpdate(own doc,
//       that vector) and applies the update it receives. On SIGTERM writes
//       REPORT.json (bytes read + written on its sockets, peak RSS, CPU,
//       load time) and exits 0.
//   node yjs.js recv ADDR PREP.json REPORT.json
//       process B: an empty Y.Doc, connects to A and runs the exchange;
//       timed from just before connect() until it has applied A's update
//       and sent its own; peak RSS and CPU are read then. Afterwards (not
//       timed) it checks the rows against prep.js's count and digest.
//
// Nothing in Yjs is signed, and nothing here is written to disk on B: the
// document lives in memory (a persistence provider such as y-leveldb
// would be extra work on top).
'use strict';

const fs = require('fs');
const net = require('net');
const Y = require('yjs');
const c = require('./common');

const PROG = 'yjs.js';
const [cmd, ...args] = process.argv.slice(2);

function frame(bytes) {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(bytes.length, 0);
  return [h, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)];
}

// Calls onFrame(Uint8Array) for each length-prefixed frame on the socket.
function frames(sock, onFrame) {
  let chunks = [];
  let have = 0;
  let need = -1;
  sock.on('data', (d) => {
    chunks.push(d);
    have += d.length;
    for (;;) {
      if (need < 0) {
        if (have < 4) return;
        const b = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        need = b.readUInt32BE(0);
        chunks = [b.subarray(4)];
        have -= 4;
      }
      if (have < need) return;
      const b = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      const f = new Uint8Array(b.buffer, b.byteOffset, need);
      chunks = [b.subarray(need)];
      have -= need;
      need = -1;
      onFrame(f);
    }
  });
}

function send(sock, bytes) {
  for (const b of frame(bytes)) sock.write(b);
}

async function build(recordsFile, shape, out, rep) {
  if (shape !== 'fields' && shape !== 'plain') c.die(PROG, 'SHAPE: fields or plain');
  const t0 = process.hrtime.bigint();
  const doc = new Y.Doc();
  const maps = {};
  let batch = [];
  const flush = () => {
    doc.transact(() => {
      for (const r of batch) {
        const m = maps[r.t] || (maps[r.t] = doc.getMap(r.t));
        if (shape === 'fields' && c.ENTITY_TABLES.has(r.t)) {
          m.set(r.id, new Y.Map(Object.entries(r.f)));
        } else {
          m.set(r.id, r.f);
        }
      }
    });
    batch = [];
  };
  const n = await c.eachRecord(recordsFile, (r) => {
    batch.push(r);
    if (batch.length >= 1000) flush();
  });
  flush();
  const u = Y.encodeStateAsUpdate(doc);
  fs.writeFileSync(out, u);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  c.report(rep, { rows: n, shape, update_bytes: u.length, seconds: s, vmhwm_kib: c.vmhwmKiB() });
}

function serve(updateFile, rep) {
  const t0 = process.hrtime.bigint();
  const doc = new Y.Doc();
  Y.applyUpdate(doc, fs.readFileSync(updateFile));
  const loadS = Number(process.hrtime.bigint() - t0) / 1e9;
  const sockets = [];
  const server = net.createServer((sock) => {
    sockets.push(sock);
    sock.on('error', () => {});
    send(sock, Y.encodeStateVector(doc));
    let n = 0;
    frames(sock, (f) => {
      n++;
      if (n === 1) send(sock, Y.encodeStateAsUpdate(doc, f)); // B's vector
      else if (n === 2) Y.applyUpdate(doc, f); // B's update
    });
  });
  server.listen(0, '127.0.0.1', () => {
    c.sayListening(server);
  });
  let done = false;
  process.on('SIGTERM', () => {
    if (done) return;
    done = true;
    const { read, written } = c.socketBytes(sockets);
    c.report(rep, {
      bytes_read: read,
      bytes_written: written,
      connections: sockets.length,
      load_s: loadS,
      vmhwm_kib: c.vmhwmKiB(),
      cpu_s: c.cpuSeconds(),
    });
    for (const s of sockets) s.destroy();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}

function recv(addr, prepFile, rep) {
  const want = JSON.parse(fs.readFileSync(prepFile, 'utf8'));
  const m = /^127\.0\.0\.1:(\d+)$/.exec(addr);
  if (!m) c.die(PROG, 'ADDR must be 127.0.0.1:PORT');
  const doc = new Y.Doc();
  const cpu0 = c.cpuSeconds();
  const t0 = process.hrtime.bigint();
  const sock = net.connect(Number(m[1]), '127.0.0.1');
  let n = 0;
  sock.on('connect', () => send(sock, Y.encodeStateVector(doc)));
  sock.on('error', (e) => c.die(PROG, 'socket: ' + e.message));
  frames(sock, (f) => {
    n++;
    if (n === 1) {
      send(sock, Y.encodeStateAsUpdate(doc, f)); // A's vector: our update
    } else if (n === 2) {
      Y.applyUpdate(doc, f); // A's update
      // Our update is written before A's update can arrive (A sends it
      // on our vector); wait until it has left the socket's buffer.
      const finish = () => {
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        const hwm = c.vmhwmKiB();
        const cpu = c.cpuSeconds() - cpu0;
        const bytesRead = sock.bytesRead;
        const bytesWritten = sock.bytesWritten;
        sock.end();
        check(doc, want, rep, { seconds: s, cpu_s: cpu, vmhwm_kib: hwm, bytes_read: bytesRead, bytes_written: bytesWritten, update_bytes: f.length });
      };
      if (sock.writableLength === 0) finish();
      else sock.once('drain', finish);
    }
  });
}

function check(doc, want, rep, r) {
  const lines = [];
  const tables = {};
  let records = 0;
  let others = 0;
  for (const t of [...c.RECORD_TABLES, ...c.OTHER_TABLES]) {
    const map = doc.getMap(t);
    tables[t] = map.size;
    if (c.RECORD_TABLES.includes(t)) records += map.size;
    else others += map.size;
    for (const [id, v] of map) {
      lines.push(c.canonLine(t, id, v instanceof Y.Map ? v.toJSON() : v));
    }
  }
  const digest = c.digestLines(lines);
  c.report(rep, {
    ...r,
    records,
    others,
    tables,
    digest,
    digest_ok: digest === want.digest && records === want.records && others === want.others,
  });
}

(async () => {
  if (cmd === 'build' && args.length === 4) await build(...args);
  else if (cmd === 'send' && args.length === 2) serve(...args);
  else if (cmd === 'recv' && args.length === 3) recv(...args);
  else c.die(PROG, 'usage: see the header of yjs.js');
})().catch((e) => c.die(PROG, (e && e.stack) || String(e)));
