/* sim_gen.h - what the random writer (sim_gen.c) builds: actions of a
 * few operations each, with the canonical values the model will expect,
 * committed through the public batch API and recorded in the model
 * (sim_gen_ops.c). Private to the simulator. */
#ifndef HZ_SIM_GEN_H
#define HZ_SIM_GEN_H

#include "sim.h"

#define OPS_MAX 6

struct gen_field {
    char col[32];
    char text[200];
    char *canon; /* the value the model expects; NULL: none */
};

enum gen_kind {
    GEN_SET,
    GEN_DEL,
    GEN_INS,
};

struct gen_op {
    enum gen_kind kind;
    const struct table_def *t;
    bool random_id; /* the library draws the id */
    uint8_t id[HZ_ROW_LEN];
    char hex[2 * HZ_ROW_LEN + 1];
    long row;  /* SET, DEL: the model row, -1 when new */
    long ev;   /* INS: the model event written again, -1 when new */
    bool noop; /* INS: the node has this event already */
    struct gen_field f[SIM_COLS_MAX];
    size_t n;
    struct m_event proto; /* a new event's facts */
    size_t sup[SIM_COLS_MAX][64];
    size_t n_sup[SIM_COLS_MAX];
    struct m_ref seen[256];
    size_t n_seen;
};

/* What an action did on purpose, added to w->stats once it commits. */
struct gen_tally {
    unsigned merges, chains, unmerges, touched;
    unsigned relief, relief_to_dup, relief_reversed;
};

struct gen_batch {
    int node;
    const struct sim_view *v;
    struct gen_op ops[OPS_MAX];
    size_t n;
    int expect; /* 0, or the error the commit must return */
    const char *what;
    struct gen_tally tally;
};

/* ---- sim_gen_ops.c */

const struct table_def *gen_table(const char *name);
int gen_col(const struct table_def *t, const char *name);
char *gen_dup(const char *s);
void gen_hex_of(const uint8_t *id, char *out);
void gen_id_of_hex(const char *hex, uint8_t *id);

/* A new op at the end of @b; fails the run when the batch is full. */
struct gen_op *gen_op_new(struct sim_world *w, struct gen_batch *b,
                          enum gen_kind kind, const struct table_def *t);
/* A new row's id: drawn by the library (when @random_ok, half the time)
 * or chosen by the simulator. */
void gen_op_new_id(struct sim_world *w, struct gen_op *o, bool random_ok);
void gen_op_row(struct gen_op *o, const struct m_row *r, size_t row);

/* Fields: the text a person types and the canonical value it stands
 * for. */
void gen_field_add(struct sim_world *w, struct gen_op *o, const char *col,
                   const char *text, const char *canon);
bool gen_has_field(const struct gen_op *o, const char *col);
void gen_scalar_field(struct sim_world *w, struct gen_op *o, const char *col);
void gen_enum_field(struct sim_world *w, struct gen_op *o, const char *col,
                    const char *name);
void gen_ref_field(struct sim_world *w, struct gen_op *o, const char *col,
                   const char *hex);
void gen_int_field(struct sim_world *w, struct gen_op *o, const char *col,
                   int64_t x);

/* A random live row of @t in view @v other than @except, or -1. */
long gen_pick_row(struct sim_world *w, const struct sim_view *v,
                  const struct table_def *t, long except);
/* Mostly one of the two oldest live rows of @t. */
long gen_pick_hot_row(struct sim_world *w, const struct sim_view *v,
                      const struct table_def *t);
long gen_pick_deleted_row(struct sim_world *w, const struct sim_view *v);

/* Commit @b on its node and check the outcome (an entry, a no-op, or
 * the refusal b->expect names, which must change nothing); record what
 * was written in the model. */
void gen_commit(struct sim_world *w, struct gen_batch *b);
void gen_batch_free(struct gen_batch *b);

#endif
