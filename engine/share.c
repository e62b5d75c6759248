/*
** share.c -- the registry of counted handles shared by key (share.h).
*/
#include "share.h"

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
