/* bench_seal.c - the network side of the import benchmark: a member node
 * of the benchmark's network, and the cost of sealing and unsealing a
 * bundle measured apart from the import (bench_seal.h).
 *
 * A networked node seals what it exports and an import opens a sealed
 * bundle into its staging file before anything else (src/store/seal.c,
 * src/store/bundle.c). The import's own timing includes that; the
 * measurements here isolate it, per byte of bundle, next to a plain copy
 * of the same file (what staging does with an unsealed bundle). */
#include "bench_seal.h"

#include "huzhu/bundle.h"

#include "store/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEAL_PATH_LEN 4096
#define COPY_BUF 65536

int seal_bench_enter(hz_node *node, const char *dir,
                     const struct gen_network *net)
{
    struct hz_err err = {0};
    if (network_enter(node, net->id, "bench network", &err) != 0) {
        fprintf(stderr, "bench: enter network: %s\n", err.msg);
        return -1;
    }
    return gen_network_secret_write(dir, net);
}

static uint64_t size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* One pass of each measured step: 0, or an HZ_E code / -1. */
static int seal_once(hz_node *n, const char *in_path, const char *out_path,
                     struct hz_err *err)
{
    static uint8_t buf[COPY_BUF];
    FILE *in = fopen(in_path, "rb");
    FILE *out = fopen(out_path, "wb");
    struct seal_out *so = NULL;
    int rv = in != NULL && out != NULL ? seal_begin(n, out, &so, err) : -1;
    size_t got;
    while (rv == 0 && (got = fread(buf, 1, sizeof buf, in)) > 0)
        rv = seal_write(so, buf, got);
    if (rv == 0 && ferror(in))
        rv = -1;
    if (so != NULL && rv == 0)
        rv = seal_end(so, err);
    else if (so != NULL)
        seal_free(so);
    if (in != NULL)
        fclose(in);
    if (out != NULL && fclose(out) != 0)
        rv = -1;
    return rv;
}

static int unseal_once(hz_node *n, const char *in_path, const char *out_path,
                       struct hz_err *err)
{
    FILE *in = fopen(in_path, "rb");
    FILE *out = fopen(out_path, "wb");
    int rv = in != NULL && out != NULL ? unseal_file(n, in, out, err) : -1;
    if (in != NULL)
        fclose(in);
    if (out != NULL && fclose(out) != 0)
        rv = -1;
    return rv;
}

static int copy_once(hz_node *n, const char *in_path, const char *out_path,
                     struct hz_err *err)
{
    (void)n;
    (void)err;
    static uint8_t buf[COPY_BUF];
    FILE *in = fopen(in_path, "rb");
    FILE *out = fopen(out_path, "wb");
    int rv = in != NULL && out != NULL ? 0 : -1;
    size_t got;
    while (rv == 0 && (got = fread(buf, 1, sizeof buf, in)) > 0) {
        if (fwrite(buf, 1, got, out) != got)
            rv = -1;
    }
    if (rv == 0 && ferror(in))
        rv = -1;
    if (in != NULL)
        fclose(in);
    if (out != NULL && fclose(out) != 0)
        rv = -1;
    return rv;
}

typedef int (*step_fn)(hz_node *n, const char *in_path, const char *out_path,
                       struct hz_err *err);

/* Repeat @step until at least @min_s wall seconds have passed; the rate
 * counts @bytes per pass. */
static int repeat(const char *what, step_fn step, hz_node *n,
                  const char *in_path, const char *out_path, uint64_t bytes,
                  double min_s, struct rate *out)
{
    struct clocks t0, t1;
    uint64_t passes = 0;
    clocks_now(&t0);
    do {
        struct hz_err err = {0};
        if (step(n, in_path, out_path, &err) != 0) {
            fprintf(stderr, "bench: %s: %s\n", what,
                    err.msg[0] ? err.msg : strerror(errno));
            return -1;
        }
        passes++;
        clocks_now(&t1);
    } while (t1.wall_s - t0.wall_s < min_s);
    *out = rate_between(passes * bytes, &t0, &t1);
    return 0;
}

int seal_bench_measure(const char *dir, const struct gen_network *net,
                       const char *sealed, const char *plain, double min_s,
                       struct seal_costs *out)
{
    memset(out, 0, sizeof *out);
    char node_dir[SEAL_PATH_LEN], scratch[SEAL_PATH_LEN];
    snprintf(node_dir, sizeof node_dir, "%s/sealer", dir);
    snprintf(scratch, sizeof scratch, "%s/scratch.hzb", dir);
    struct hz_err err = {0};
    hz_node *n = NULL;
    struct hz_node_opts no = {.version = HZ_NODE_OPTS_VERSION};
    if (hz_node_create(node_dir, "bench-sealer", &no, &n, &err) != 0) {
        fprintf(stderr, "bench: create sealer node: %s\n", err.msg);
        return -1;
    }
    out->sealed_bytes = size_of(sealed);
    int rv = seal_bench_enter(n, node_dir, net);
    /* The first pass gives the plain size the rate counts. */
    if (rv == 0) {
        rv = unseal_once(n, sealed, plain, &err);
        if (rv != 0)
            fprintf(stderr, "bench: unseal: %s\n", err.msg);
    }
    out->plain_bytes = size_of(plain);
    if (rv == 0)
        rv = repeat("unseal", unseal_once, n, sealed, plain, out->plain_bytes,
                    min_s, &out->unseal);
    if (rv == 0)
        rv = repeat("seal", seal_once, n, plain, scratch, out->plain_bytes,
                    min_s, &out->seal);
    if (rv == 0)
        rv = repeat("copy", copy_once, n, plain, scratch, out->plain_bytes,
                    min_s, &out->copy);
    remove(scratch);
    hz_node_close(n);
    return rv;
}
