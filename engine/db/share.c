/*
** share.c -- the registry of counted handles shared by key (share.h).
*/
#include "db/share.h"

#include <string.h>

cw_shared *cw__reg_get(cw_registry *g, const char *key,
                       int (*usable)(const cw_shared *e))
{
    pthread_mutex_lock(&g->lock);
    for (cw_shared *e = g->head; e != NULL; e = e->next)
        if (strcmp(e->key, key) == 0 && (usable == NULL || usable(e))) {
            e->refs++;
            pthread_mutex_unlock(&g->lock);
            return e;
        }
    return NULL;
}

void cw__reg_add(cw_registry *g, cw_shared *e)
{
    e->refs = 1;
    e->next = g->head;
    g->head = e;
    pthread_mutex_unlock(&g->lock);
}

void cw__reg_unlock(cw_registry *g)
{
    pthread_mutex_unlock(&g->lock);
}

int cw__reg_put(cw_registry *g, cw_shared *e)
{
    cw_shared **p;

    pthread_mutex_lock(&g->lock);
    if (--e->refs > 0) {
        pthread_mutex_unlock(&g->lock);
        return 0;
    }
    for (p = &g->head; *p != NULL; p = &(*p)->next)
        if (*p == e) {
            *p = e->next;
            break;
        }
    pthread_mutex_unlock(&g->lock);
    return 1;
}

/* ==== Shared transactions ==== */

void cw__tx_begun(cw_tx *t)
{
    t->open = 1;
    t->gen++;
    t->pending = 0;
}

unsigned long cw__tx_join(cw_tx *t)
{
    t->pending++;
    return t->gen;
}

int cw__tx_last(cw_tx *t)
{
    return --t->pending <= 0;
}

void cw__tx_ended(cw_tx *t, int outcome)
{
    if (t->open && outcome > 0)
        t->okgen = t->gen;
    else if (t->open && outcome < 0)
        t->lostgen = t->gen;
    t->open = 0;
}

int cw__tx_lost(const cw_tx *t, unsigned long gen)
{
    return !t->open || t->gen != gen;
}

int cw__tx_outcome(const cw_tx *t, unsigned long gen)
{
    return t->okgen == gen ? 1 : t->lostgen == gen ? -1 : 0;
}
