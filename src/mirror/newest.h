/* newest.h - which node's view is the newest, for the county mirror's
 * writer (newest.c; DECISIONS 43; proto/cli.md, "The newest view"). */
#ifndef HZ_MIRROR_NEWEST_H
#define HZ_MIRROR_NEWEST_H

#include "huzhu/huzhu.h"

#include <stdbool.h>

/* Where a view falls short of another: the first author (8 hex) whose
 * seq is lower, and both seqs. */
struct newest_short {
    char author8[9];
    long long theirs, ours;
};

/* @n's vector as {"AUTHOR": SEQ, ...} (JSON text, keys sorted) into *@out
 * (malloc'd: free it). 0, or HZ_ENOMEM or the node's error. */
int newest_vector(hz_node *n, char **out, struct hz_err *err);
/* Does the view @ours hold at least what @theirs names (for every author
 * of @theirs a seq at least as high)? @theirs NULL (a progress row from
 * an older huzhu) is held by any view. Else *@why (may be NULL) says
 * where it falls short. Text that does not parse holds nothing. */
bool newest_holds(const char *ours, const char *theirs,
                  struct newest_short *why);
/* Is @theirs strictly newer than @ours: it holds @ours and @ours does not
 * hold it? */
bool newest_newer(const char *theirs, const char *ours);

#endif
