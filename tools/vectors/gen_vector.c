/* gen_vector.c - proto/vectors/vector.json: a vector (proto/bundle.md,
 * "Vector").
 *
 * What hz_node_vector prints for A's node when it held A1 and A2
 * (scenario_node_a12), and the compact text of a peer holding A1, as
 * huzhu bundle export --for accepts it (bundle.json's delta is exported
 * for it). */
#include "gen_common.h"

json_t *gen_vector(struct gen *g)
{
    struct genv fg;
    hz_node *n = scenario_node_a12(g, &fg);
    json_t *vec_example = node_json(n, hz_node_vector);
    hz_node_close(n);
    char vector[512];
    scenario_vector_a1(g, vector, sizeof vector);

    json_t *vr = file_root(
        "A vector (proto/bundle.md, \"Vector\"): what a node holds, per "
        "author the highest seq of its contiguous chain and that entry's "
        "id. The output of huzhu vector, accepted verbatim by huzhu bundle "
        "export --for.");
    json_object_set_new(vr, "vector", vec_example);
    json_object_set_new(vr, "text", json_string(vector));
    return vr;
}
