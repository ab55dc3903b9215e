/* dl.c - dl.h: load a library with dlopen the first time it is needed.
 *
 * RTLD_NOW: every function the shim names is looked up at once, so a
 * library too old to have one fails the load with a message instead of
 * a crash mid-command. RTLD_LOCAL: its symbols do not join the global
 * scope, so nothing else resolves against them by accident. The handle
 * is never closed (the functions may be called until exit). */
#include "dl.h"

#include "error_int.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Called with the lock held: 0, or -1 with lib->why set. */
static int open_all(struct hz_dl *lib)
{
    void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char *why = dlerror();
        snprintf(lib->why, sizeof lib->why, "%s", why != NULL ? why : "");
        return -1;
    }
    for (size_t i = 0; i < lib->count; i++) {
        void *p = dlsym(h, lib->names[i]);
        if (p == NULL) {
            snprintf(lib->why, sizeof lib->why, "no function %s",
                     lib->names[i]);
            dlclose(h);
            return -1;
        }
        /* POSIX: a function's address from dlsym comes as a data
         * pointer; copying its bytes is the portable conversion. */
        memcpy(&lib->slots[i], &p, sizeof p);
    }
    lib->handle = h;
    return 0;
}

int hz_dl_load(struct hz_dl *lib, struct hz_err *err)
{
    int state = atomic_load_explicit(&lib->state, memory_order_acquire);
    if (state == 0) {
        pthread_mutex_lock(&lib->lock);
        state = atomic_load_explicit(&lib->state, memory_order_relaxed);
        if (state == 0) {
            state = open_all(lib) == 0 ? 1 : -1;
            atomic_store_explicit(&lib->state, state, memory_order_release);
        }
        pthread_mutex_unlock(&lib->lock);
    }
    if (state > 0)
        return 0;
    return hz_err_set(err, HZ_EIO,
                      "the shared library %s is not installed (sudo apt"
                      " install %s): %s",
                      lib->soname, lib->package, lib->why);
}

/* Load @lib or end the process: its caller skipped hz_dl_load. */
static void need(struct hz_dl *lib)
{
    if (atomic_load_explicit(&lib->state, memory_order_acquire) > 0)
        return;
    struct hz_err err = {0};
    if (hz_dl_load(lib, &err) != 0) {
        fprintf(stderr, "huzhu: %s\n", err.msg);
        abort();
    }
}

hz_dl_fn hz_dl_sym(struct hz_dl *lib, size_t i)
{
    need(lib);
    return lib->slots[i];
}

void *hz_dl_data(struct hz_dl *lib, const char *name)
{
    need(lib);
    return dlsym(lib->handle, name);
}
