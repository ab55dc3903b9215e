/* tlscert.c - the certificate a node's web interface speaks HTTPS with
 * (DECISIONS 38): made by the node the first time it serves, kept in the
 * node directory (web-tls.key, mode 0600, and web-tls.crt), never sent
 * anywhere else. Nobody on a flooded site's Wi-Fi can get a certificate
 * from a public authority for a laptop's address, so the certificate is
 * self-signed; people check its SHA-256 fingerprint, which `huzhu
 * status` and serve print, against what the browser shows.
 *
 * ECDSA P-256 (every phone browser in use takes it), serial random, valid
 * from 2020 with no well-defined end (RFC 5280, 4.1.2.5): a Pi that boots
 * in 1970 still makes a certificate a phone accepts. */
#include "tlscert.h"

#include "../core/error_int.h"
#include "../dl/dl.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_FILE "web-tls.key"
#define CRT_FILE "web-tls.crt"
#define PEM_MAX (16u * 1024u)
/* 2020-01-01T00:00:00Z */
#define VALID_FROM ((time_t)1577836800)

static int read_file(const char *path, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 1 : -1;
    char *buf = malloc(PEM_MAX + 1);
    ssize_t got = buf != NULL ? read(fd, buf, PEM_MAX + 1) : -1;
    close(fd);
    if (got <= 0 || (size_t)got > PEM_MAX) {
        free(buf);
        return -1;
    }
    buf[got] = '\0';
    *out = buf;
    *len = (size_t)got;
    return 0;
}

/* Write @len bytes to @path through a temporary file, fsynced. */
static int write_file(const char *dir, const char *name, const void *p,
                      size_t len, mode_t mode)
{
    char tmp[4200], path[4200];
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    bool ok = write(fd, p, len) == (ssize_t)len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d >= 0) {
        fsync(d);
        close(d);
    }
    return 0;
}

static int fail(struct hz_err *err, const char *what, int rc)
{
    return hz_err_set(err, HZ_EIO, "web certificate: %s: %s", what,
                      gnutls_strerror(rc));
}

/* Make a key and a self-signed certificate for @name into PEM. */
static int make(const char *name, gnutls_datum_t *key_pem,
                gnutls_datum_t *crt_pem, struct hz_err *err)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    int rc = gnutls_x509_privkey_init(&key);
    const char *what = "key";
    if (rc == 0)
        rc = gnutls_x509_privkey_generate(
            key, GNUTLS_PK_ECDSA,
            GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
    if (rc == 0) {
        what = "certificate";
        rc = gnutls_x509_crt_init(&crt);
    }
    uint8_t serial[16];
    randombytes_buf(serial, sizeof serial);
    serial[0] &= 0x7f; /* a positive integer */
    serial[0] |= 0x01;
    if (rc == 0)
        rc = gnutls_x509_crt_set_version(crt, 3);
    if (rc == 0)
        rc = gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
    if (rc == 0)
        rc = gnutls_x509_crt_set_activation_time(crt, VALID_FROM);
    if (rc == 0)
        rc = gnutls_x509_crt_set_expiration_time(
            crt, GNUTLS_X509_NO_WELL_DEFINED_EXPIRATION);
    if (rc == 0)
        rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                           name, (unsigned)strlen(name));
    if (rc == 0)
        rc = gnutls_x509_crt_set_dn_by_oid(
            crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, "huzhu", 5);
    if (rc == 0)
        rc = gnutls_x509_crt_set_key(crt, key);
    if (rc == 0)
        rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1);
    if (rc == 0)
        rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE);
    if (rc == 0)
        rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER,
                                                 0);
    if (rc == 0)
        rc = gnutls_x509_crt_set_subject_alt_name(
            crt, GNUTLS_SAN_DNSNAME, "huzhu.local", 11, GNUTLS_FSAN_SET);
    if (rc == 0)
        rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
    if (rc == 0)
        rc = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, key_pem);
    if (rc == 0)
        rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, crt_pem);
    if (crt != NULL)
        gnutls_x509_crt_deinit(crt);
    if (key != NULL)
        gnutls_x509_privkey_deinit(key);
    return rc == 0 ? 0 : fail(err, what, rc);
}

/* The SHA-256 fingerprint of @pem as "AB:CD:..." into @out. */
static int fingerprint(const char *pem, size_t len, char *out,
                       struct hz_err *err)
{
    int rv = hz_dl_load(&hz_dl_gnutls, err);
    if (rv != 0)
        return rv;
    gnutls_x509_crt_t crt;
    gnutls_datum_t d = {(unsigned char *)pem, (unsigned)len};
    int rc = gnutls_x509_crt_init(&crt);
    if (rc != 0)
        return fail(err, "certificate", rc);
    rc = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM);
    uint8_t fp[32];
    size_t fp_len = sizeof fp;
    if (rc == 0)
        rc = gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp,
                                             &fp_len);
    gnutls_x509_crt_deinit(crt);
    if (rc != 0 || fp_len != sizeof fp)
        return fail(err, CRT_FILE, rc != 0 ? rc : GNUTLS_E_INTERNAL_ERROR);
    for (size_t i = 0; i < fp_len; i++)
        snprintf(out + i * 3, 4, i + 1 < fp_len ? "%02X:" : "%02X", fp[i]);
    return 0;
}

int tlscert_load(const char *dir, const char *name, struct tlscert *out,
                 struct hz_err *err)
{
    memset(out, 0, sizeof *out);
    int loaded = hz_dl_load(&hz_dl_gnutls, err);
    if (loaded != 0)
        return loaded;
    char path[4200];
    size_t klen = 0, clen = 0;
    snprintf(path, sizeof path, "%s/%s", dir, KEY_FILE);
    int k = read_file(path, &out->key_pem, &klen);
    snprintf(path, sizeof path, "%s/%s", dir, CRT_FILE);
    int c = read_file(path, &out->crt_pem, &clen);
    if (k < 0 || c < 0 || (k == 0) != (c == 0)) {
        tlscert_close(out);
        return hz_err_set(err, HZ_EIO,
                          "web certificate: cannot read %s and %s in %s"
                          " (remove both to make new ones)",
                          KEY_FILE, CRT_FILE, dir);
    }
    if (k == 1) {
        gnutls_datum_t key = {0}, crt = {0};
        int rv = make(name, &key, &crt, err);
        if (rv == 0 &&
            (write_file(dir, KEY_FILE, key.data, key.size, 0600) != 0 ||
             write_file(dir, CRT_FILE, crt.data, crt.size, 0644) != 0))
            rv = hz_err_set(err, HZ_EIO, "web certificate: write: %s",
                            strerror(errno));
        if (rv == 0) {
            out->key_pem = strndup((const char *)key.data, key.size);
            out->crt_pem = strndup((const char *)crt.data, crt.size);
            klen = key.size;
            clen = crt.size;
            out->made = true;
        }
        gnutls_free(key.data);
        gnutls_free(crt.data);
        if (rv == 0 && (out->key_pem == NULL || out->crt_pem == NULL))
            rv = hz_err_set(err, HZ_ENOMEM, "web certificate");
        if (rv != 0) {
            tlscert_close(out);
            return rv;
        }
    }
    (void)klen;
    int rv = fingerprint(out->crt_pem, clen, out->fingerprint, err);
    if (rv != 0)
        tlscert_close(out);
    return rv;
}

void tlscert_close(struct tlscert *c)
{
    if (c->key_pem != NULL)
        sodium_memzero(c->key_pem, strlen(c->key_pem));
    free(c->key_pem);
    free(c->crt_pem);
    c->key_pem = c->crt_pem = NULL;
}

int tlscert_fingerprint(const char *dir, char out[96])
{
    char path[4200], *pem = NULL;
    size_t len = 0;
    out[0] = '\0';
    snprintf(path, sizeof path, "%s/%s", dir, CRT_FILE);
    if (read_file(path, &pem, &len) != 0)
        return 1;
    int rv = fingerprint(pem, len, out, NULL);
    free(pem);
    return rv == 0 ? 0 : 1;
}
