/*
** share.h -- a process-wide registry of counted handles shared by key
** (the SQLite and PostgreSQL sinks share one connection per database).
** An entry is embedded as the first member of the caller's struct.
*/
#ifndef CW_SHARE_H
#define CW_SHARE_H

#include <pthread.h>

#include "core/cw.h"

typedef struct cw_shared {
    struct cw_shared *next; /* next in its registry */
    char *key;              /* what it is shared by (owned by the caller) */
    int refs;               /* users */
} cw_shared;

typedef struct cw_registry {
    pthread_mutex_t lock; /* guards the list and every entry's 'refs' */
    cw_shared *head;      /* entries, newest first */
} cw_registry;

#define CW_REGISTRY_INIT                                                       \
    {                                                                          \
        PTHREAD_MUTEX_INITIALIZER, NULL                                        \
    }

/*
** Lock 'g' and look for the entry of 'key' that 'usable' accepts (NULL:
** any).  Found: one more reference, 'g' unlocked, the entry returned.
** Not found: NULL with 'g' still locked, so that no one else opens the
** same key meanwhile; the caller then opens one and calls cw__reg_add(),
** or cw__reg_unlock() when opening failed.
*/
cw_shared *cw__reg_get(cw_registry *g, const char *key,
                       int (*usable)(const cw_shared *e));
/* Link 'e' (its key set) with one reference, and unlock 'g'. */
void cw__reg_add(cw_registry *g, cw_shared *e);
void cw__reg_unlock(cw_registry *g);
/* One reference less; 1 when it was the last: 'e' is unlinked and the
** caller frees it. */
int cw__reg_put(cw_registry *g, cw_shared *e);

/*
** A transaction shared by the sinks on one connection: each sink joins
** it and keeps its number; the last member's commit commits it; a
** member closed without commit rolls it back for all.  The connection
** embeds one (zeroed); the sink runs the SQL and reports here.
*/
typedef struct cw_tx {
    int open;              /* a transaction is open */
    int pending;           /* members not yet committed */
    unsigned long gen;     /* number of the current (or last) one */
    unsigned long okgen;   /* the last one committed, 0 for none */
    unsigned long lostgen; /* the last one whose COMMIT lost the
                              connection (outcome unknown), 0 for none */
} cw_tx;

/* The caller began a transaction (none was open): number it. */
void cw__tx_begun(cw_tx *t);
/* Join the open transaction; its number, for the member to keep. */
unsigned long cw__tx_join(cw_tx *t);
/* A member commits: 1 when it is the last, which must now COMMIT. */
int cw__tx_last(cw_tx *t);
/* The open transaction ended: 1 committed, 0 rolled back, -1 unknown. */
void cw__tx_ended(cw_tx *t, int outcome);
/* 1 when transaction 'gen' is no longer open (it ended, or another
** member rolled it back). */
int cw__tx_lost(const cw_tx *t, unsigned long gen);
/* What became of transaction 'gen': 1 committed, -1 unknown, else 0. */
int cw__tx_outcome(const cw_tx *t, unsigned long gen);

#endif
