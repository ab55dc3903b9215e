/* bundle.c - entries in a file (proto/bundle.md).
 *
 *   bundle  = magic "HZBUNDLE" header-frame entry-frame* trailer-frame
 *   frame   = length (u32, big-endian, bytes of payload) kind (u8) payload
 *   header  = [1, network bin16, exporter bin32, created_ms, scope]
 *   entry   = the entry's exact bytes (proto/entry.md)
 *   trailer = [count, BLAKE2b-256 of every byte before the trailer frame]
 *
 * The header and trailer are encoded and decoded by one codec,
 * src/core/bundle.c: a reader takes only the canonical bytes the writer
 * emits ("Header and trailer").
 *
 * Import stages the file into the node directory, verifies all of it
 * without touching state, then applies it in batches of whole entries
 * (DECISIONS 20). Export writes a temporary file, fsyncs and renames it. */
#include "files.h"

#include "../../core/bundle.h"
#include "../../core/syncmsg.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"
#include "../log/log.h"
#include "../members/members.h"
#include "../state/state.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "HZBUNDLE"
#define MAGIC_LEN 8u

enum frame_kind {
    FRAME_HEADER = 1,
    FRAME_ENTRY = 2,
    FRAME_TRAILER = 3,
};

/* ---- writing */

struct writer {
    FILE *f;
    struct seal_out *seal; /* in a network: plain bytes go through it */
    crypto_generichash_state h;
    uint64_t count;
    int failed;
};

static void put_bytes(struct writer *w, const void *p, size_t len)
{
    if (w->failed)
        return;
    if (w->seal != NULL)
        w->failed = seal_write(w->seal, p, len) != 0;
    else
        w->failed = fwrite(p, 1, len, w->f) != len;
}

static void put_frame(struct writer *w, enum frame_kind kind, const uint8_t *p,
                      size_t len, int hashed)
{
    uint8_t hdr[HZ_FRAME_HDR_LEN] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16),
                                     (uint8_t)(len >> 8), (uint8_t)len,
                                     (uint8_t)kind};
    put_bytes(w, hdr, sizeof hdr);
    put_bytes(w, p, len);
    if (hashed) {
        crypto_generichash_update(&w->h, hdr, sizeof hdr);
        crypto_generichash_update(&w->h, p, len);
    }
}

/* One entry frame per stored entry walked. */
static int put_row(void *data, const struct log_row *r, struct hz_err *err)
{
    struct writer *w = data;
    put_frame(w, FRAME_ENTRY, r->bytes, r->len, 1);
    w->count++;
    if (w->failed)
        return hz_err_set(err, HZ_EIO, "write bundle: %s", strerror(errno));
    return 0;
}

static int cmp_author(const void *a, const void *b)
{
    return memcmp(a, b, HZ_KEY_LEN);
}

/* Parse the output of hz_node_vector (proto/bundle.md, "Vector"). */
static int parse_vector(hz_node *n, const char *text, struct sync_has **out,
                        size_t *count, struct hz_err *err)
{
    json_error_t jerr;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    json_t *authors = json_object_get(root, "authors");
    const char *net = json_string_value(json_object_get(root, "network"));
    uint8_t network[HZ_NET_LEN];
    int rv = 0;
    if (root == NULL || !json_is_array(authors) || net == NULL ||
        hex_decode(net, network, HZ_NET_LEN) != 0)
        rv = hz_err_set(err, HZ_EMALFORMED,
                        "not a vector (the output of huzhu vector)");
    else if (memcmp(network, n->network, HZ_NET_LEN) != 0)
        rv = hz_err_set(err, HZ_ENETWORK, "vector");
    size_t len = rv == 0 ? json_array_size(authors) : 0;
    *out = calloc(len ? len : 1, sizeof **out);
    if (rv == 0 && *out == NULL)
        rv = hz_err_set(err, HZ_ENOMEM, "vector");
    for (size_t i = 0; rv == 0 && i < len; i++) {
        json_t *a = json_array_get(authors, i);
        json_t *seq = json_object_get(a, "seq");
        const char *key = json_string_value(json_object_get(a, "author"));
        const char *hash = json_string_value(json_object_get(a, "hash"));
        if (!json_is_integer(seq) || json_integer_value(seq) < 1 ||
            key == NULL || hash == NULL ||
            hex_decode(key, (*out)[i].author, HZ_KEY_LEN) != 0 ||
            hex_decode(hash, (*out)[i].hash, HZ_HASH_LEN) != 0)
            rv = hz_err_set(err, HZ_EMALFORMED, "vector entry %zu", i);
        else
            (*out)[i].seq = (uint64_t)json_integer_value(seq);
    }
    json_decref(root);
    if (rv == 0) {
        qsort(*out, len, sizeof **out, cmp_author);
        *count = len;
    }
    return rv;
}

static int write_bundle(hz_node *n, struct writer *w, const char *vector,
                        struct hz_err *err)
{
    struct sync_has *has = NULL;
    size_t n_has = 0;
    int rv = 0;
    if (vector != NULL)
        rv = parse_vector(n, vector, &has, &n_has, err);
    if (rv != 0) {
        free(has);
        return rv;
    }
    crypto_generichash_init(&w->h, NULL, 0, HZ_HASH_LEN);
    put_bytes(w, MAGIC, MAGIC_LEN);
    crypto_generichash_update(&w->h, (const uint8_t *)MAGIC, MAGIC_LEN);
    struct bundle_header h = {
        .created_ms = env_now_ms(n),
        .scope = vector != NULL ? BUNDLE_SCOPE_DELTA : BUNDLE_SCOPE_ALL,
    };
    memcpy(h.network, n->network, HZ_NET_LEN);
    memcpy(h.exporter, n->id.pk, HZ_KEY_LEN);
    struct enc e;
    enc_init(&e);
    rv = bundle_header_encode(&h, &e);
    if (rv == 0)
        put_frame(w, FRAME_HEADER, enc_data(&e), enc_len(&e), 1);
    /* Fork evidence and pending entries travel too (DECISIONS 16, 17). */
    if (rv == 0 && vector == NULL)
        rv = log_each(n, LOG_ARRIVAL, put_row, w, err);
    if (rv == 0 && vector == NULL)
        rv = log_each(n, LOG_FORKS, put_row, w, err);
    if (rv == 0 && vector == NULL)
        rv = log_each(n, LOG_PENDING, put_row, w, err);
    else if (rv == 0)
        rv = relay_delta(n, has, n_has, put_row, w, err);
    struct bundle_trailer t = {.count = w->count};
    crypto_generichash_final(&w->h, t.digest, sizeof t.digest);
    if (rv == 0)
        rv = bundle_trailer_encode(&t, &e);
    if (rv == 0)
        put_frame(w, FRAME_TRAILER, enc_data(&e), enc_len(&e), 0);
    enc_close(&e);
    free(has);
    if (rv == 0 && w->failed)
        rv = hz_err_set(err, HZ_EIO, "write bundle: %s", strerror(errno));
    return rv;
}

static int fsync_parent(const char *path)
{
    char *dir = strdup(path);
    if (dir == NULL)
        return -1;
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    free(dir);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Open @path for writing as a new file, replacing a leftover. */
static FILE *create_new(const char *path)
{
    FILE *f = fopen(path, "wbx");
    if (f == NULL && errno == EEXIST && unlink(path) == 0)
        f = fopen(path, "wbx");
    return f;
}

static int finish_file(FILE *f, int rv, struct hz_err *err)
{
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        rv = rv != 0 ? rv
                     : hz_err_set(err, errno == ENOSPC ? HZ_ENOSPC : HZ_EIO,
                                  "sync bundle");
    if (fclose(f) != 0 && rv == 0)
        rv = hz_err_set(err, HZ_EIO, "close bundle");
    return rv;
}

int hz_bundle_export(hz_node *n, const char *path, const char *vector_json,
                     uint64_t *n_entries, struct hz_err *err)
{
    size_t len = strlen(path) + 16;
    char *tmp = malloc(len);
    if (tmp == NULL)
        return hz_err_set(err, HZ_ENOMEM, "path");
    snprintf(tmp, len, "%s.tmp", path);
    struct writer w = {0};
    w.f = create_new(tmp);
    if (w.f == NULL) {
        int rv = hz_err_set(err, HZ_EIO, "create %s: %s", tmp, strerror(errno));
        free(tmp);
        return rv;
    }
    /* One read transaction: a consistent snapshot of the log. In a
     * network the plain bundle exists only in memory, sealed as it is
     * written (the destination is a USB stick). */
    int rv = txn_begin_read(n, err);
    if (rv == 0 && n->networked)
        rv = seal_begin(n, w.f, &w.seal, err);
    if (rv == 0)
        rv = write_bundle(n, &w, vector_json, err);
    if (w.seal != NULL) {
        if (rv == 0)
            rv = seal_end(w.seal, err);
        else
            seal_free(w.seal);
    }
    txn_rollback(n);
    rv = finish_file(w.f, rv, err);
    if (rv == 0 && rename(tmp, path) != 0)
        rv = hz_err_set(err, HZ_EIO, "rename bundle: %s", strerror(errno));
    if (rv == 0 && fsync_parent(path) != 0)
        rv = hz_err_set(err, HZ_EIO, "sync directory");
    if (rv != 0)
        unlink(tmp);
    free(tmp);
    if (rv == 0 && n_entries != NULL)
        *n_entries = w.count;
    return rv;
}

/* ---- reading */

/* An entry's record in the ids file of an import: its id, and 1 when it
 * was held at pass 1. */
#define IDS_RECORD (HZ_HASH_LEN + 1u)

struct reader {
    FILE *f;
    uint8_t *buf; /* HZ_FRAME_LEN_MAX bytes */
    size_t len;
    enum frame_kind kind;
    crypto_generichash_state h;
    /* Pass 1 writes each entry's id here, pass 2 reads them back: every
     * entry is hashed and its signature checked once (an unlinked file
     * in the node directory, so a large import keeps little memory). */
    FILE *ids;
    /* The digest of the file is taken in pass 1 only: pass 2 reads the
     * staged copy pass 1 checked against its trailer. */
    bool hashing;
};

/* Next frame into r->buf. 0, 1 at a clean end of file, or an error. */
static int next_frame(struct reader *r, struct hz_err *err)
{
    uint8_t hdr[HZ_FRAME_HDR_LEN];
    size_t got = fread(hdr, 1, sizeof hdr, r->f);
    if (got == 0 && feof(r->f))
        return 1;
    if (got != sizeof hdr)
        return hz_err_set(err, HZ_EMALFORMED, "bundle is truncated");
    size_t len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 |
                 (size_t)hdr[2] << 8 | hdr[3];
    if (len > HZ_FRAME_LEN_MAX - HZ_FRAME_HDR_LEN)
        return hz_err_set(err, HZ_ETOOBIG, "bundle frame of %zu bytes", len);
    if (hdr[4] < FRAME_HEADER || hdr[4] > FRAME_TRAILER)
        return hz_err_set(err, HZ_EMALFORMED, "bundle frame kind %u", hdr[4]);
    if (fread(r->buf, 1, len, r->f) != len)
        return hz_err_set(err, HZ_EMALFORMED, "bundle is truncated");
    r->len = len;
    r->kind = (enum frame_kind)hdr[4];
    if (r->kind != FRAME_TRAILER && r->hashing) {
        crypto_generichash_update(&r->h, hdr, sizeof hdr);
        crypto_generichash_update(&r->h, r->buf, len);
    }
    return 0;
}

static int read_header(hz_node *n, struct reader *r, struct hz_err *err)
{
    uint8_t magic[MAGIC_LEN];
    crypto_generichash_init(&r->h, NULL, 0, HZ_HASH_LEN);
    size_t got = fread(magic, 1, MAGIC_LEN, r->f);
    if (got == 0)
        return hz_err_set(err, HZ_EMALFORMED, "empty file, not a bundle");
    if (got != MAGIC_LEN || memcmp(magic, MAGIC, MAGIC_LEN) != 0)
        return hz_err_set(err, HZ_EMALFORMED, "not a huzhu bundle");
    crypto_generichash_update(&r->h, magic, MAGIC_LEN);
    int rv = next_frame(r, err);
    if (rv == 1 || (rv == 0 && r->kind != FRAME_HEADER))
        return hz_err_set(err, HZ_EMALFORMED, "bundle has no header");
    if (rv != 0)
        return rv;
    struct bundle_header h;
    rv = bundle_header_decode(&h, r->buf, r->len, err);
    if (rv == 0 && memcmp(h.network, n->network, HZ_NET_LEN) != 0)
        rv = hz_err_set(err, HZ_ENETWORK, "bundle");
    return rv;
}

/* Check the trailer against what was read, and that nothing follows. */
static int check_trailer(struct reader *r, uint64_t count, struct hz_err *err)
{
    struct bundle_trailer t;
    uint8_t mine[HZ_HASH_LEN];
    int rv = bundle_trailer_decode(&t, r->buf, r->len, err);
    if (rv != 0)
        return rv;
    crypto_generichash_final(&r->h, mine, sizeof mine);
    if (t.count != count)
        return hz_err_set(
            err, HZ_EMALFORMED, "bundle holds %llu entries, trailer says %llu",
            (unsigned long long)count, (unsigned long long)t.count);
    if (sodium_memcmp(mine, t.digest, HZ_HASH_LEN) != 0)
        return hz_err_set(err, HZ_EMALFORMED,
                          "bundle digest does not match (tampered?)");
    uint8_t extra;
    if (fread(&extra, 1, 1, r->f) != 0)
        return hz_err_set(err, HZ_EMALFORMED, "bytes after the trailer");
    return 0;
}

/* Pass 1 checks the signatures of the entries not held on every core: a
 * chunk of entries is read, decoded and looked up in the log in file order
 * on this thread, then their signatures are checked by up to
 * VERIFY_THREADS threads (this one among them), then their ids are written
 * in order. What is refused, and the entry an error names, are as if the
 * entries were checked one by one: the first failing entry in file
 * order. */
#define CHUNK_ENTRIES 1024u
#define CHUNK_BYTES (4u * 1024u * 1024u)
/* Two: a Pi and this project's machines have 2 to 4 cores, and a third
 * thread would take a core from the import's own. (An import that stopped
 * in pass 1 under qemu-user with two threads was qemu running the cross
 * toolchain's loader with the system's libc, which hung pthread_create;
 * tools/aarch64.sh runs arm64's own loader and libc since, and pass 1 on
 * two threads passes there.) */
#define VERIFY_THREADS 2u

struct chunk {
    uint8_t *buf; /* CHUNK_BYTES + HZ_FRAME_LEN_MAX */
    size_t used, count;
    uint64_t first; /* entries of the file before the chunk */
    struct entry e[CHUNK_ENTRIES];
    size_t at[CHUNK_ENTRIES], len[CHUNK_ENTRIES]; /* their bytes in buf */
    bool held[CHUNK_ENTRIES];
    int rv[CHUNK_ENTRIES];
    /* The last author's top in the log, in the chunk's read transaction:
     * one question a chunk and author, not a lookup by id an entry. */
    bool top_known;
    uint64_t top;
    uint8_t top_author[HZ_KEY_LEN];
};

/* One thread's share of a chunk: entries from, from + step, ... Each
 * thread writes only its own entries' results: no shared counter (an
 * atomic one spun for ever under qemu-user's aarch64 emulation). */
struct verify_job {
    struct chunk *c;
    size_t from, step;
};

static void *verify_work(void *arg)
{
    struct verify_job *j = arg;
    struct chunk *c = j->c;
    for (size_t i = j->from; i < c->count; i += j->step)
        c->rv[i] = c->held[i] ? 0
                              : entry_verify_bytes(&c->e[i], c->buf + c->at[i],
                                                   c->len[i], NULL);
    return NULL;
}

/* A signature check hashes its message (SHA-512, about 7 instructions a
 * byte here) besides its fixed curve work (about 160,000): 16 KiB of
 * message cost about one signature's fixed work. */
#define VERIFY_UNIT_BYTES 16384u

static unsigned verify_threads(const struct chunk *c)
{
    /* the entries whose signatures are checked: those not held */
    size_t entries = 0, bytes = 0;
    for (size_t i = 0; i < c->count; i++) {
        entries += !c->held[i];
        bytes += c->held[i] ? 0 : c->len[i];
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n > (long)VERIFY_THREADS)
        n = VERIFY_THREADS;
    /* A thread for less than 16 signatures' work costs more than it
     * saves; a chunk of 27 entries of 1,000 operations (4 MiB) is work
     * for both. */
    size_t units = entries + bytes / VERIFY_UNIT_BYTES;
    if (n > (long)(units / 16))
        n = (long)(units / 16);
    return n < 1 ? 1u : (unsigned)n;
}

/* Check the chunk's signatures and write its ids; the chunk is empty
 * afterwards. A thread that cannot start leaves its share to the others. */
static int finish_chunk(hz_node *n, struct chunk *c, FILE *ids,
                        struct hz_err *err)
{
    if (db_in_txn(&n->db))
        txn_rollback(n); /* take_entry's read transaction */
    pthread_t th[VERIFY_THREADS];
    struct verify_job job[VERIFY_THREADS];
    unsigned want = verify_threads(c), started = 0;
    for (unsigned t = 1; t < want; t++) {
        job[t] = (struct verify_job){c, t, want};
        if (pthread_create(&th[t], NULL, verify_work, &job[t]) != 0)
            break;
        started = t; /* threads 1..started run */
    }
    /* This thread: share 0, and the shares of threads that did not
     * start. */
    for (unsigned t = 0; t < want; t++) {
        if (t != 0 && t <= started)
            continue;
        struct verify_job own = {c, t, want};
        verify_work(&own);
    }
    for (unsigned t = 1; t <= started; t++)
        pthread_join(th[t], NULL);
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < c->count; i++) {
        if (c->rv[i] != 0) {
            rv = hz_err_set(err, c->rv[i], "entry");
            hz_err_wrap(err, "bundle entry %llu",
                        (unsigned long long)(c->first + i + 1));
        } else {
            /* its id, and whether it was held (pass 2 does not decode
             * the body of an entry that was) */
            uint8_t rec[IDS_RECORD];
            memcpy(rec, c->e[i].id, HZ_HASH_LEN);
            rec[HZ_HASH_LEN] = c->held[i];
            if (fwrite(rec, 1, IDS_RECORD, ids) != IDS_RECORD)
                rv = hz_err_set(err, HZ_EIO, "import ids: %s", strerror(errno));
        }
    }
    c->first += c->count;
    c->count = 0;
    c->used = 0;
    return rv;
}

/* Read one entry frame into the chunk: decoded, and looked up. A chunk's
 * lookups share one read transaction (one statement alone is a
 * transaction of its own: two locks of the WAL index each); it ends with
 * the chunk, so that no snapshot is held for the whole file. */
static int take_entry(hz_node *n, struct chunk *c, const struct reader *r,
                      struct hz_err *err)
{
    uint8_t *p = c->buf + c->used;
    memcpy(p, r->buf, r->len);
    size_t i = c->count;
    const struct entry *e = &c->e[i];
    int rv = entry_decode(&c->e[i], p, r->len, err);
    if (rv == 0 && !db_in_txn(&n->db)) {
        rv = txn_begin_read(n, err);
        c->top_known = false;
    }
    if (rv == 0 &&
        (!c->top_known || memcmp(c->top_author, e->author, HZ_KEY_LEN) != 0)) {
        rv = log_top(n, e->author, &c->top, err);
        c->top_known = rv == 0;
        memcpy(c->top_author, e->author, HZ_KEY_LEN);
    }
    if (rv == 0)
        rv = ingest_held_above(n, e, p, r->len, c->top, &c->held[i], err);
    if (rv != 0) {
        hz_err_wrap(err, "bundle entry %llu",
                    (unsigned long long)(c->first + i + 1));
        return rv;
    }
    c->at[i] = c->used;
    c->len[i] = r->len;
    c->used += r->len;
    c->count++;
    return 0;
}

/* Pass 1: every frame, every entry's transport checks; no state. */
static int verify_frames(hz_node *n, struct reader *r, struct chunk *c,
                         struct hz_err *err)
{
    int rv = read_header(n, r, err);
    while (rv == 0) {
        rv = next_frame(r, err);
        if (rv == 1)
            return hz_err_set(err, HZ_EMALFORMED,
                              "bundle is truncated (no trailer)");
        if (rv != 0)
            break;
        if (r->kind == FRAME_TRAILER) {
            uint64_t count = c->first + c->count;
            rv = finish_chunk(n, c, r->ids, err);
            return rv != 0 ? rv : check_trailer(r, count, err);
        }
        if (r->kind != FRAME_ENTRY)
            return hz_err_set(err, HZ_EMALFORMED, "second bundle header");
        rv = take_entry(n, c, r, err);
        if (rv == 0 && (c->count == CHUNK_ENTRIES || c->used >= CHUNK_BYTES))
            rv = finish_chunk(n, c, r->ids, err);
    }
    return rv;
}

static int verify_file(hz_node *n, struct reader *r, uint64_t *count,
                       struct hz_err *err)
{
    *count = 0;
    struct chunk *c = calloc(1, sizeof *c);
    uint8_t *buf = malloc(CHUNK_BYTES + HZ_FRAME_LEN_MAX);
    if (c == NULL || buf == NULL) {
        free(c);
        free(buf);
        return hz_err_set(err, HZ_ENOMEM, "import chunk");
    }
    c->buf = buf;
    r->hashing = true;
    int rv = verify_frames(n, r, c, err);
    /* Refused after some entries were read: an earlier entry's bad
     * signature is what is reported, as if checked one by one. */
    if (rv != 0 && c->count > 0) {
        struct hz_err first = {0};
        if (finish_chunk(n, c, r->ids, &first) != 0) {
            rv = first.code;
            if (err != NULL)
                *err = first;
        }
    }
    if (db_in_txn(&n->db))
        txn_rollback(n);
    *count = c->first + c->count;
    free(c->buf);
    free(c);
    return rv;
}

/* Entries per transaction: HZ_IMPORT_BATCH, or for tests that kill an
 * import between commits of a small bundle, HUZHU_TEST_IMPORT_BATCH
 * (what a commit guarantees does not depend on its size); *@timed: also
 * commit after HZ_IMPORT_BATCH_MS (not in such a test: its commits fall
 * where it counts them). */
static unsigned import_batch(bool *timed)
{
    const char *t = getenv("HUZHU_TEST_IMPORT_BATCH");
    unsigned long v = t != NULL ? strtoul(t, NULL, 10) : 0;
    *timed = !(v > 0 && v < HZ_IMPORT_BATCH);
    return *timed ? HZ_IMPORT_BATCH : (unsigned)v;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Pass 2 reads ahead (DECISIONS 45): a second thread reads the next
 * entries of the staged file and their ids, and decodes each entry, its
 * body and the search documents of the rows it may insert, while this
 * thread applies the one before. The file was checked in pass 1 and is
 * ours: a read or decoding error here is an error of the import, as it
 * was before.
 *
 * What waits is bounded in entries (AHEAD_SLOTS) and in bytes: the reader
 * starts another entry only while those read and not yet applied hold
 * less than AHEAD_BYTES (a decoded body takes several times its bytes;
 * two entries of 1,000 operations keep the applier busy). A thread waits
 * only when it must, and is woken only when it waits: the reader when
 * half the slots are free again and the bytes are under the bound, the
 * applier when an entry is ready (small entries pass without a system
 * call each). A slot keeps a small entry's buffer for the next; a large
 * one's is freed once applied. */
#define AHEAD_SLOTS 16u
#define AHEAD_BYTES (256u * 1024u)
#define AHEAD_KEEP (16u * 1024u)

struct ahead_slot {
    uint8_t *buf; /* the frame, cap bytes */
    size_t len, cap;
    int rv; /* 0, 1 at the trailer or the end, or an error */
    struct hz_err err;
    struct entry e;
    bool decoded; /* body.rv and body.b hold the body's decoding */
    struct body_ahead body;
    struct search_ahead *docs; /* the search documents its ops name */
};

struct ahead {
    struct reader *r;
    const struct schema *schema;
    pthread_mutex_t mu;
    pthread_cond_t room, ready; /* for the reader, for the applier */
    uint64_t made, taken;       /* slots filled and taken, ever */
    size_t bytes;               /* of the slots filled and not taken */
    bool reader_waits, applier_waits;
    bool stop;     /* the applying thread wants no more */
    bool threaded; /* the reader runs on its own thread */
    pthread_t th;
    struct ahead_slot s[AHEAD_SLOTS];
};

/* Read and decode the next entry of the file into @s; 1 at the trailer
 * (the file ends there: pass 1 checked it). */
static int ahead_fill(struct ahead *a, struct ahead_slot *s)
{
    struct reader *r = a->r;
    s->len = 0;
    s->decoded = false;
    s->err = (struct hz_err){0};
    int rv = next_frame(r, &s->err);
    if (rv != 0 || r->kind == FRAME_TRAILER)
        return rv != 0 ? rv : 1;
    if (s->cap < r->len) {
        uint8_t *b = realloc(s->buf, r->len);
        if (b == NULL)
            return hz_err_set(&s->err, HZ_ENOMEM, "import read-ahead");
        s->buf = b;
        s->cap = r->len;
    }
    memcpy(s->buf, r->buf, r->len);
    s->len = r->len;
    uint8_t rec[IDS_RECORD];
    if (fread(rec, 1, IDS_RECORD, r->ids) != IDS_RECORD)
        return hz_err_set(&s->err, HZ_EIO, "import ids");
    rv = entry_decode_known(&s->e, s->buf, s->len, rec, &s->err);
    if (rv == 0 && rec[HZ_HASH_LEN] == 0) {
        /* Its body is not read for an entry pass 1 found held (these
         * very bytes stored): its turn finds it so, and should it not,
         * the applier decodes the body itself. */
        s->body.why = (struct hz_err){0};
        s->body.rv = body_decode(&s->body.b, a->schema, s->e.body.p,
                                 s->e.body.len, &s->body.why);
        s->decoded = true;
        /* and the search document of each row it may insert */
        if (s->body.rv == 0 && !s->body.b.trust)
            rv = search_ahead_docs(&s->body.b, &s->docs, &s->err);
    }
    return rv;
}

/* May the reader start another entry? */
static bool ahead_room(const struct ahead *a)
{
    return a->made - a->taken < AHEAD_SLOTS &&
           (a->made == a->taken || a->bytes < AHEAD_BYTES);
}

static void *ahead_work(void *arg)
{
    struct ahead *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->stop && !ahead_room(a)) {
            a->reader_waits = true;
            pthread_cond_wait(&a->room, &a->mu);
        }
        a->reader_waits = false;
        if (a->stop)
            break;
        struct ahead_slot *s = &a->s[a->made % AHEAD_SLOTS];
        pthread_mutex_unlock(&a->mu);
        s->rv = ahead_fill(a, s);
        pthread_mutex_lock(&a->mu);
        a->made++;
        a->bytes += s->len;
        if (a->applier_waits)
            pthread_cond_signal(&a->ready);
        if (s->rv != 0)
            break; /* the trailer, the end or an error: nothing follows */
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* The next slot in file order: waited for, or (no thread) filled here. */
static struct ahead_slot *ahead_next(struct ahead *a)
{
    struct ahead_slot *s = &a->s[a->taken % AHEAD_SLOTS];
    if (!a->threaded) {
        s->rv = ahead_fill(a, s);
        return s;
    }
    pthread_mutex_lock(&a->mu);
    while (a->made == a->taken) {
        a->applier_waits = true;
        pthread_cond_wait(&a->ready, &a->mu);
    }
    a->applier_waits = false;
    pthread_mutex_unlock(&a->mu);
    return s;
}

/* Give back the slot ahead_next returned. */
static void ahead_done(struct ahead *a, struct ahead_slot *s)
{
    if (s->decoded)
        body_close(&s->body.b);
    s->decoded = false;
    size_t len = s->len;
    if (s->cap > AHEAD_KEEP) {
        free(s->buf);
        s->buf = NULL;
        s->cap = 0;
        search_ahead_free(&s->docs);
    }
    if (!a->threaded) {
        a->taken++;
        return;
    }
    pthread_mutex_lock(&a->mu);
    a->taken++;
    a->bytes -= len;
    if (a->reader_waits && a->made - a->taken <= AHEAD_SLOTS / 2 &&
        a->bytes < AHEAD_BYTES)
        pthread_cond_signal(&a->room);
    pthread_mutex_unlock(&a->mu);
}

static void ahead_start(struct ahead *a, struct reader *r,
                        const struct schema *schema)
{
    *a = (struct ahead){.r = r, .schema = schema};
    /* On one core, or when no thread starts, this thread reads each
     * entry when it needs it (and in tests that ask for it). */
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
        getenv("HUZHU_TEST_IMPORT_NO_AHEAD") != NULL ||
        pthread_mutex_init(&a->mu, NULL) != 0)
        return;
    bool room = pthread_cond_init(&a->room, NULL) == 0;
    bool ready = room && pthread_cond_init(&a->ready, NULL) == 0;
    a->threaded = ready && pthread_create(&a->th, NULL, ahead_work, a) == 0;
    if (!a->threaded) {
        if (ready)
            pthread_cond_destroy(&a->ready);
        if (room)
            pthread_cond_destroy(&a->room);
        pthread_mutex_destroy(&a->mu);
    }
}

/* Stop the reader thread, free the slots. */
static void ahead_end(struct ahead *a)
{
    if (a->threaded) {
        pthread_mutex_lock(&a->mu);
        a->stop = true;
        pthread_cond_signal(&a->room);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->th, NULL);
        pthread_cond_destroy(&a->ready);
        pthread_cond_destroy(&a->room);
        pthread_mutex_destroy(&a->mu);
    }
    for (size_t i = 0; i < AHEAD_SLOTS; i++) {
        if (a->s[i].decoded)
            body_close(&a->s[i].body.b);
        search_ahead_free(&a->s[i].docs);
        free(a->s[i].buf);
    }
}

/* Pass 2: store and apply, import_batch() whole entries per transaction;
 * an interruption loses no committed batch. */
static int apply_file(hz_node *n, struct reader *r,
                      struct hz_ingest_stats *stats, struct hz_err *err)
{
    HZ_ASSERT(!db_in_txn(&n->db));
    bool timed;
    const unsigned batch = import_batch(&timed);
    r->hashing = false;
    int rv = read_header(n, r, err);
    unsigned in_batch = 0;
    size_t batch_bytes = 0;
    uint64_t batch_began = 0;
    ingest_begin_counting(n, stats);
    if (rv == 0)
        rv = db_cache_kib(&n->db, HZ_IMPORT_CACHE_KIB, err);
    /* Freed space is not zeroed while entries apply: what an import
     * frees (a row's old values, search segments merged, facts moved, the
     * staging of documents) is derived from signed entries the log keeps
     * in full, or is a stranger's entry not kept (capacity), whose bytes
     * the staged copy of the bundle held as well; zeroing it hides
     * nothing (BENCHMARKS.md, "An edit takes a short path; freed space
     * not zeroed while an import applies"). */
    if (rv == 0)
        rv = db_secure_delete(&n->db, false, err);
    struct ahead a = {.r = r};
    if (rv == 0)
        ahead_start(&a, r, n->schema);
    while (rv == 0) {
        struct ahead_slot *s = ahead_next(&a);
        if (s->rv != 0) {
            rv = s->rv;
            if (rv != 1 && err != NULL)
                *err = s->err;
            break;
        }
        if (in_batch == 0) {
            rv = txn_begin(n, err);
            batch_began = mono_ms();
        }
        /* Checked in pass 1 (verify_file), and the staged file is ours:
         * the fields and the body were read ahead, the id is pass 1's. */
        enum ingest_result res;
        if (rv == 0)
            rv = ingest_checked_ahead(n, &s->e, s->buf, s->len,
                                      s->decoded ? &s->body : NULL, &res, err);
        size_t len = s->len;
        ahead_done(&a, s);
        if (rv == HZ_ETOOBIG) {
            /* Pending is full (DECISIONS 7): this one is not kept. */
            stats->refused++;
            rv = 0;
        } else if (rv != 0) {
            break;
        } else {
            ingest_count(stats, res);
        }
        batch_bytes += len;
        /* The clock is read every 256 entries, not each. */
        if (++in_batch == batch || batch_bytes >= HZ_IMPORT_BATCH_BYTES ||
            (timed && in_batch % 256 == 0 &&
             mono_ms() - batch_began >= HZ_IMPORT_BATCH_MS)) {
            rv = txn_commit(n, err);
            in_batch = 0;
            batch_bytes = 0;
        }
    }
    ahead_end(&a);
    if (rv == 1)
        rv = 0;
    if (rv == 0 && in_batch > 0)
        rv = txn_commit(n, err);
    if (rv != 0)
        txn_rollback(n);
    /* Back to the node's cache (the pages over it are freed) and to
     * zeroing what is freed. */
    int cache = db_cache_kib(&n->db, DB_CACHE_KIB, NULL);
    int zero = db_secure_delete(&n->db, true, NULL); /* whatever the cache */
    int end = ingest_end_counting(n, err);
    if (rv == 0 && end == 0 && (cache != 0 || zero != 0))
        return hz_err_set(err, cache != 0 ? cache : zero,
                          cache != 0 ? "page cache" : "secure_delete");
    return rv != 0 ? rv : end;
}

/* Copy the bundle into the node directory and fsync it, so the import
 * does not depend on the USB stick staying in. */
static char *staged_path(hz_node *n)
{
    size_t len = strlen(n->dir) + 32;
    char *p = malloc(len);
    if (p != NULL)
        snprintf(p, len, "%s/%s", n->dir, HZ_STAGED_FILE);
    return p;
}

static int stage(hz_node *n, const char *path, char **staged,
                 struct hz_err *err)
{
    *staged = staged_path(n);
    if (*staged == NULL)
        return hz_err_set(err, HZ_ENOMEM, "path");
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        return hz_err_set(err, errno == ENOENT ? HZ_ENOTFOUND : HZ_EIO,
                          "open bundle: %s", strerror(errno));
    /* The staged copy holds records in the clear: 0600, like node.db. */
    int fd = open(*staged, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *out = fd < 0 ? NULL : fdopen(fd, "wb");
    if (fd >= 0 && out == NULL)
        close(fd);
    int rv = 0;
    if (out == NULL)
        rv = hz_err_set(err, HZ_EIO, "stage bundle: %s", strerror(errno));
    char buf[65536];
    size_t got = fread(buf, 1, 8, in);
    bool sealed = seal_is_sealed((const uint8_t *)buf, got);
    if (rv == 0 && sealed) {
        /* Sealed: what is staged is the opened, plain bundle. */
        rewind(in);
        rv = unseal_file(n, in, out, err);
        got = 0;
    } else if (rv == 0 && got > 0 && fwrite(buf, 1, got, out) != got) {
        rv = hz_err_set(err, errno == ENOSPC ? HZ_ENOSPC : HZ_EIO,
                        "stage bundle: %s", strerror(errno));
    }
    while (rv == 0 && !sealed && (got = fread(buf, 1, sizeof buf, in)) > 0) {
        if (fwrite(buf, 1, got, out) != got)
            rv = hz_err_set(err, errno == ENOSPC ? HZ_ENOSPC : HZ_EIO,
                            "stage bundle: %s", strerror(errno));
    }
    if (rv == 0 && ferror(in))
        rv = hz_err_set(err, HZ_EIO, "read bundle");
    fclose(in);
    if (out != NULL) {
        if (rv == 0 && (fflush(out) != 0 || fsync(fileno(out)) != 0))
            rv = hz_err_set(err, HZ_EIO, "sync staged bundle");
        if (fclose(out) != 0 && rv == 0)
            rv = hz_err_set(err, HZ_EIO, "close staged bundle");
    }
    return rv;
}

/* The stdio buffer of the staged copy and of the ids file. */
#define READ_BUFFER 65536u

/* A scratch file for the ids pass 1 computes, unlinked at once: nothing
 * to clean up after a crash. */
static int open_ids(hz_node *n, FILE **out, struct hz_err *err)
{
    size_t len = strlen(n->dir) + 32;
    char *path = malloc(len);
    if (path == NULL)
        return hz_err_set(err, HZ_ENOMEM, "path");
    snprintf(path, len, "%s/import.ids", n->dir);
    unlink(path); /* a crash between open and unlink left it */
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0)
        unlink(path);
    free(path);
    *out = fd >= 0 ? fdopen(fd, "w+b") : NULL;
    if (*out == NULL) {
        if (fd >= 0)
            close(fd);
        return hz_err_set(err, errno == ENOSPC ? HZ_ENOSPC : HZ_EIO,
                          "import ids: %s", strerror(errno));
    }
    (void)setvbuf(*out, NULL, _IOFBF, READ_BUFFER);
    return 0;
}

int hz_bundle_import(hz_node *n, const char *path,
                     struct hz_ingest_stats *stats, struct hz_err *err)
{
    struct hz_ingest_stats local = {0};
    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (n->flags & HZ_OPEN_READONLY)
        return hz_err_set(err, HZ_EREADONLY, "node opened read-only");
    if (n->dir == NULL)
        return hz_err_set(err, HZ_EINVAL, "node has no directory");
    char *staged = NULL;
    struct reader r = {0};
    r.buf = malloc(HZ_FRAME_LEN_MAX);
    int rv = 0;
    if (r.buf == NULL) {
        rv = hz_err_set(err, HZ_ENOMEM, "frame buffer");
    } else if (path != NULL) {
        rv = stage(n, path, &staged, err);
    } else {
        /* Resume: the staged copy an interrupted import left behind. */
        staged = staged_path(n);
        if (staged == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "path");
        else if (access(staged, R_OK) != 0)
            rv = hz_err_set(err, HZ_ENOTFOUND, "no interrupted import");
    }
    if (rv == 0) {
        r.f = fopen(staged, "rb");
        if (r.f == NULL)
            rv = hz_err_set(err, HZ_EIO, "open staged bundle");
        else /* read twice: a system call per 64 KiB, not per 4 KiB */
            (void)setvbuf(r.f, NULL, _IOFBF, READ_BUFFER);
    }
    if (rv == 0)
        rv = open_ids(n, &r.ids, err);
    uint64_t count = 0;
    bool verified = false;
    if (rv == 0)
        rv = verify_file(n, &r, &count, err);
    if (rv == 0 && (fseek(r.f, 0, SEEK_SET) != 0 || fflush(r.ids) != 0 ||
                    fseek(r.ids, 0, SEEK_SET) != 0))
        rv = hz_err_set(err, HZ_EIO, "rewind staged bundle");
    if (rv == 0) {
        verified = true;
        stats->entries = count;
        rv = apply_file(n, &r, stats, err);
    }
    if (r.f != NULL)
        fclose(r.f);
    if (r.ids != NULL)
        fclose(r.ids);
    /* A refused file is gone; an interrupted import stays staged so that
     * `bundle import --resume` finishes it without the USB stick. */
    if (staged != NULL && (rv == 0 || !verified))
        unlink(staged);
    else if (staged != NULL)
        env_logf(n, HZ_LOG_WARN, "import interrupted code=%s staged=1",
                 hz_errname(rv));
    free(staged);
    free(r.buf);
    if (rv == 0)
        rv = rekey_followup(n, err);
    /* the import's pages out of the WAL and the WAL off the card (db.h;
     * a reader on an older snapshot leaves it for later) */
    if (rv == 0)
        db_wal_trim(&n->db);
    if (rv == 0)
        env_logf(n, HZ_LOG_INFO,
                 "import entries=%llu applied=%llu duplicate=%llu"
                 " pending=%llu rejected=%llu forks=%llu",
                 (unsigned long long)stats->entries,
                 (unsigned long long)stats->applied,
                 (unsigned long long)stats->duplicate,
                 (unsigned long long)stats->pending,
                 (unsigned long long)stats->rejected,
                 (unsigned long long)stats->forks);
    return rv;
}
