/* bench_idno.h - a real-looking resident ID number for the benchmarks'
 * fictional persons: local input takes only numbers that pass GB 11643's
 * check (proto/schema.md, "ID numbers"), and the old "TEST..." fillers no
 * longer do. 18 characters as before, so sizes stay comparable: a fixed
 * test region (110105), the birth date (@year, a month and day from @k),
 * a sequence from @k, and the MOD 11-2 check character. */
#ifndef HZ_BENCH_IDNO_H
#define HZ_BENCH_IDNO_H

#include <stdint.h>
#include <stdio.h>

static inline void bench_idno(char out[19], uint64_t k, unsigned year)
{
    static const int weight[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                   3, 7, 9,  10, 5, 8, 4, 2};
    snprintf(out, 19, "110105%04u%02u%02u%03u", year % 10000u,
             (unsigned)(k % 12u) + 1u, (unsigned)(k % 28u) + 1u,
             (unsigned)(k % 1000u));
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (out[i] - '0') * weight[i];
    out[17] = "10X98765432"[sum % 11];
    out[18] = '\0';
}

#endif
