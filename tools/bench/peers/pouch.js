// tools/bench/peers/pouch.js - PouchDB's own replication between two
// instances over HTTP on 127.0.0.1, for tools/bench/peers/run.sh.
//
//   node pouch.js load DIR RECORDS.ndjson REPORT.json
//       setup (not the measured sync): a PouchDB on disk (LevelDB adapter)
//       at DIR/src, one document a record: _id = the row id, type = the
//       table, the columns as properties; bulkDocs 1,000 at a time.
//   node pouch.js serve DIR REPORT.json
//       the source: express + express-pouchdb ("minimumForPouchDB" mode:
//       the routes replication needs, gzip on responses as CouchDB clients
//       ask for it) over the databases in DIR, on 127.0.0.1, a port of the
//       system's choosing; prints {"listening":"127.0.0.1:PORT"} once it
//       listens. Every accepted socket is kept, so that on SIGTERM it can
//       write REPORT.json: bytes read + written on all of them (HTTP
//       request and response bytes, headers included; TCP/IP headers not),
//       requests, connections, its peak RSS (VmHWM) and CPU; then exits 0.
//   node pouch.js replicate URL DIR PREP.json REPORT.json [BATCH_SIZE]
//       the target: a PouchDB on disk at DIR/dst (LevelDB adapter), then
//       PouchDB.replicate(URL, target) once until complete (PouchDB's
//       defaults unless BATCH_SIZE: 100 documents a batch, 10 batches
//       ahead). Timed from opening the target to the replication's end;
//       peak RSS and CPU are read then. Afterwards (not timed) it checks
//       that the target holds every document, with the digest of
//       prep.js.
'use strict';

const path = require('path');
const c = require('./common');

const PROG = 'pouch.js';
const [cmd, ...args] = process.argv.slice(2);

function pouch() {
  return require('pouchdb-node');
}

async function load(dir, recordsFile, rep) {
  const PouchDB = pouch();
  const t0 = process.hrtime.bigint();
  const db = new PouchDB(path.join(dir, 'src'));
  let batch = [];
  let docs = 0;
  const flush = async () => {
    const res = await db.bulkDocs(batch);
    for (const r of res) {
      if (r.error) c.die(PROG, 'load: ' + r.id + ': ' + (r.reason || r.error));
    }
    docs += batch.length;
    batch = [];
  };
  await c.eachRecord(recordsFile, async (r) => {
    batch.push({ _id: r.id, type: r.t, ...r.f });
    if (batch.length >= 1000) await flush();
  });
  if (batch.length) await flush();
  const info = await db.info();
  await db.close();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  c.report(rep, { docs, doc_count: info.doc_count, update_seq: info.update_seq, seconds: s });
}

function serve(dir, rep) {
  const PouchDB = pouch().defaults({ prefix: path.resolve(dir) + path.sep });
  const express = require('express');
  const expressPouch = require('express-pouchdb');
  const app = express();
  let requests = 0;
  app.use((req, res, next) => {
    requests++;
    next();
  });
  app.use('/', expressPouch(PouchDB, { mode: 'minimumForPouchDB' }));
  const sockets = [];
  const server = app.listen(0, '127.0.0.1', () => {
    c.sayListening(server);
  });
  server.on('connection', (s) => sockets.push(s));
  let done = false;
  process.on('SIGTERM', () => {
    if (done) return;
    done = true;
    const { read, written } = c.socketBytes(sockets);
    c.report(rep, {
      bytes_read: read,
      bytes_written: written,
      requests,
      connections: sockets.length,
      vmhwm_kib: c.vmhwmKiB(),
      cpu_s: c.cpuSeconds(),
    });
    for (const s of sockets) s.destroy();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}

async function replicate(url, dir, prepFile, rep, batchSize) {
  const PouchDB = pouch();
  const want = JSON.parse(require('fs').readFileSync(prepFile, 'utf8'));
  const total = want.records + want.others;
  const cpu0 = c.cpuSeconds();
  const t0 = process.hrtime.bigint();
  const target = new PouchDB(path.join(dir, 'dst'));
  const opts = {};
  if (batchSize) opts.batch_size = batchSize;
  const res = await PouchDB.replicate(url, target, opts);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const hwm = c.vmhwmKiB();
  const cpu = c.cpuSeconds() - cpu0;
  // The check, not timed: every document, with the records' digest.
  const info = await target.info();
  const lines = [];
  let startkey;
  for (;;) {
    const o = { include_docs: true, limit: 10000 };
    if (startkey !== undefined) {
      o.startkey = startkey;
      o.skip = 1;
    }
    const page = await target.allDocs(o);
    if (page.rows.length === 0) break;
    for (const row of page.rows) {
      const { _id, _rev, type, ...f } = row.doc;
      lines.push(c.canonLine(type, _id, f));
    }
    startkey = page.rows[page.rows.length - 1].id;
  }
  await target.close();
  const digest = c.digestLines(lines);
  c.report(rep, {
    seconds: s,
    cpu_s: cpu,
    vmhwm_kib: hwm,
    ok: res.ok,
    docs_read: res.docs_read,
    docs_written: res.docs_written,
    doc_write_failures: res.doc_write_failures,
    errors: (res.errors || []).length,
    doc_count: info.doc_count,
    expected_docs: total,
    digest,
    digest_ok: digest === want.digest,
    batch_size: batchSize || 100,
  });
}

(async () => {
  if (cmd === 'load' && args.length === 3) await load(...args);
  else if (cmd === 'serve' && args.length === 2) serve(...args);
  else if (cmd === 'replicate' && (args.length === 4 || args.length === 5)) {
    await replicate(args[0], args[1], args[2], args[3], args[4] ? Number(args[4]) : 0);
  } else c.die(PROG, 'usage: see the header of pouch.js');
})().catch((e) => c.die(PROG, (e && e.stack) || String(e)));
