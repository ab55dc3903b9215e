/* gen_vectors.c - write the proto/ test vectors from the code itself.
 *
 *   gen_vectors OUT_DIR
 *
 * Every vector is made by the library it describes: valid entries by
 * in-memory nodes writing through hz_batch / hz_node_commit and moving
 * entries with relay_each / relay_ingest; invalid ones by signing crafted
 * bytes with entry_sign or by hand. Everything is deterministic (fixed
 * seeds, clocks, row ids and PRNG; gen_common.h), so two runs write
 * identical files. CI checks that (unit.vectors_fresh) instead of
 * rewriting proto/vectors.
 *
 * Before writing, the generator checks its own claims against the code:
 * every valid entry decodes, re-encodes and verifies; every invalid entry
 * meets the fate it is labelled with; the state hash equals BLAKE2b of the
 * bytes written out as its input. One file of proto/vectors per
 * gen_<name>.c, in the table below; the files are described in
 * proto/README.md ("Test vectors"). */
#include "gen_common.h"

#include <stdio.h>

/* Each file of proto/vectors and the generator that writes it, in the
 * order they are written. */
static const struct {
    const char *file;
    json_t *(*gen)(struct gen *g);
} files[] = {
    {"entries.json", gen_entries},
    {"invalid.json", gen_invalid},
    {"ed25519.json", gen_ed25519},
    {"state.json", gen_state},
    {"bundle.json", gen_bundle},
    {"vector.json", gen_vector},
    {"ingest.json", gen_ingest},
    {"clock.json", gen_clock},
    {"values.json", gen_values},
    {"schema.json", gen_schema},
    {"certs.json", gen_certs},
    {"trust-bundles.json", gen_trust_bundles},
    {"handshake.json", gen_handshake},
    {"session.json", gen_session},
    {"beacon.json", gen_beacon},
};

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_vectors OUT_DIR\n");
        return 2;
    }
    det_rng_install();
    if (hz_init() != 0)
        die("libsodium");
    det_rng_reset("gen_vectors");
    struct gen g;
    gen_init(&g, argv[1]);
    for (size_t i = 0; i < N(files); i++)
        write_json(g.dir, files[i].file, files[i].gen(&g));
    gen_close(&g);
    return 0;
}
