/*
** pool.c -- worker threads running a job on batches of records, taken
** back in order.  A ring of NBATCH batches per worker: the caller fills
** batch 'fill' (or none is being filled: -1), hands it over, and takes
** batches back from 'head' on; each batch keeps its sequence number, and
** an idle worker takes the queued batch with the lowest.  Workers share
** one mutex: they take it twice a batch, and a batch holds up to
** BATCH_RECORDS records.
*/
#include "steps/pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#define BATCH_RECORDS 64           /* records of one batch, at most */
#define BATCH_BYTES (256u << 10)   /* bytes copied into one, at most */
#define NBATCH 3                   /* batches per thread in the ring */
#define SLOT_BLOCK 1024            /* arena block of a slot's record */
#define MAX_WORKERS CW_WORKERS_MAX /* workers of one pool, at most */

enum { B_FREE, B_QUEUED, B_RUNNING, B_DONE };

typedef struct batch {
    cw_slot slot[BATCH_RECORDS]; /* its records */
    size_t n;                    /* slots filled */
    size_t bytes;                /* bytes copied into them */
    int state;                   /* a B_ value, under 'mu' */
    unsigned long long seq;      /* order of hand-over */
} batch;

struct cw_pool {
    cw_pool_job job;            /* the job ... */
    void *ud;                   /* ... and its argument */
    size_t nw;                  /* workers */
    pthread_t tid[MAX_WORKERS]; /* their threads */
    size_t started;             /* threads started */
    batch *b;                   /* the ring */
    size_t nb;                  /* its batches */
    /* The caller's. */
    long fill;              /* batch being filled, or -1 */
    size_t head;            /* oldest batch out (to take back next) */
    size_t out;             /* batches handed over, not given back */
    unsigned long long seq; /* sequence number of the next hand-over */
    /* Shared, under 'mu'. */
    pthread_mutex_t mu;
    pthread_cond_t work; /* a batch was queued, or 'stop' set */
    pthread_cond_t done; /* a batch is done */
    atomic_int stop;     /* 1: workers end, leaving a batch at work
                            unfinished (read without 'mu' there) */
};

/* The queued batch with the lowest sequence number, or NULL.  Under
** 'mu'. */
static batch *next_queued(cw_pool *p)
{
    batch *best = NULL;

    for (size_t i = 0; i < p->nb; i++)
        if (p->b[i].state == B_QUEUED &&
            (best == NULL || p->b[i].seq < best->seq))
            best = &p->b[i];
    return best;
}

/* Run the job on batch 'b' as worker 'w'.  Called and returns under
** 'mu', which it releases meanwhile. */
static void runbatch(cw_pool *p, batch *b, size_t w)
{
    b->state = B_RUNNING;
    pthread_mutex_unlock(&p->mu);
    /* A pool being freed stops between records: a slow job must not
    ** hold up the end of a failed or interrupted run by a whole batch. */
    for (size_t i = 0; i < b->n && !atomic_load(&p->stop); i++) {
        cw_slot *s = &b->slot[i];

        s->rc = p->job(p->ud, w, s);
        if (s->rc != CW_OK)
            break;
    }
    pthread_mutex_lock(&p->mu);
    b->state = B_DONE;
}

static void *worker(void *arg)
{
    cw_pool *p = arg;
    size_t w;

    pthread_mutex_lock(&p->mu);
    w = p->started++;
    for (;;) {
        batch *b = NULL;

        while (!p->stop && (b = next_queued(p)) == NULL)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->stop)
            break;
        runbatch(p, b, w);
        pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void freeslots(cw_pool *p)
{
    for (size_t i = 0; i < p->nb; i++)
        for (size_t k = 0; k < BATCH_RECORDS; k++) {
            cw_slot *s = &p->b[i].slot[k];

            cw__rec_free(&s->rec);
            cw__free(s->orig);
            cw__buf_free(&s->reason);
        }
    cw__free(p->b);
}

int cw__pool_new(size_t nworkers, cw_pool_job job, void *ud, cw_pool **out)
{
    sigset_t all, old;
    cw_pool *p;

    *out = NULL;
    if (nworkers > MAX_WORKERS)
        return CW_EUSAGE;
    p = cw__alloc(sizeof *p);
    if (p == NULL)
        return CW_ENOMEM;
    *p = (cw_pool){.job = job, .ud = ud, .nw = nworkers, .fill = -1};
    p->nb = NBATCH * (nworkers + 1);
    p->b = cw__alloc(p->nb * sizeof *p->b);
    if (p->b == NULL) {
        cw__free(p);
        return CW_ENOMEM;
    }
    memset(p->b, 0, p->nb * sizeof *p->b);
    if (pthread_mutex_init(&p->mu, NULL) != 0)
        goto nomutex;
    if (pthread_cond_init(&p->work, NULL) != 0)
        goto nowork;
    if (pthread_cond_init(&p->done, NULL) != 0)
        goto nodone;
    /* Signals stay for the caller's threads (an interrupt, SIGPIPE). */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (size_t i = 0; i < nworkers; i++)
        if (pthread_create(&p->tid[i], NULL, worker, p) != 0) {
            p->nw = i;
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            cw__pool_free(p);
            return CW_EIO;
        }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    *out = p;
    return CW_OK;

nodone:
    pthread_cond_destroy(&p->work);
nowork:
    pthread_mutex_destroy(&p->mu);
nomutex:
    freeslots(p);
    cw__free(p);
    return CW_EIO;
}

void cw__pool_free(cw_pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < p->nw; i++)
        pthread_join(p->tid[i], NULL);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->mu);
    freeslots(p);
    cw__free(p);
}

int cw__pool_room(const cw_pool *p)
{
    return p->fill >= 0 || p->out < p->nb;
}

/* Hand batch 'fill' to the workers. */
static void handover(cw_pool *p)
{
    batch *b = &p->b[p->fill];

    p->fill = -1;
    if (b->n == 0) /* a first put that ran out of memory: nothing to do */
        return;
    p->out++;
    pthread_mutex_lock(&p->mu);
    b->seq = p->seq++;
    b->state = B_QUEUED;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}

/*
** The span of memory holding the original fields when they are views
** into one buffer, in order, at most 3 bytes apart (a delimiter and two
** quotes): '*lo' and '*hi', or both 0.  Only a caller that knows them to
** be in one buffer (a CSV reader's batch) asks; the order and the gaps
** are checked all the same, so that a field unquoted elsewhere only
** costs a copy of its own.  Empty fields are left out.
*/
static void span(const cw_field *orig, size_t norig, uintptr_t *lo,
                 uintptr_t *hi)
{
    uintptr_t start = 0, end = 0;

    for (size_t i = 0; i < norig; i++) {
        uintptr_t a = (uintptr_t)orig[i].p;

        if (orig[i].p == NULL || orig[i].len == 0)
            continue;
        if (start == 0) {
            start = a;
        } else if (a < end || a - end > 3) {
            *lo = *hi = 0;
            return;
        }
        end = a + orig[i].len;
    }
    *lo = start;
    *hi = end;
}

/* 1 when the field 'f' (not null) lies in the span [lo, hi). */
static int inspan(cw_field f, uintptr_t lo, uintptr_t hi)
{
    return (uintptr_t)f.p >= lo && (uintptr_t)f.p + f.len <= hi;
}

/* 'f' moved onto the copy at 'base' of the span [lo, hi) when it lies in
** it, else copied to '*to' (advanced past it).  An empty field views
** 'base'. */
static cw_field moved(cw_field f, uintptr_t lo, uintptr_t hi, char *base,
                      char **to)
{
    if (f.p == NULL)
        return f;
    if (f.len == 0)
        return (cw_field){base, 0};
    if (inspan(f, lo, hi))
        return (cw_field){base + ((uintptr_t)f.p - lo), f.len};
    memcpy(*to, f.p, f.len);
    *to += f.len;
    return (cw_field){*to - f.len, f.len};
}

/*
** Copy the fields of 'rec' and 'orig' into the arena of slot 's': the
** span of the original fields in one piece when 'onebuf' says they are
** in one buffer (every field viewing it is moved onto the copy), and the
** others (made by steps, or from a source whose fields are apart) one
** by one.
*/
static int copyrow(cw_slot *s, const cw_rec *rec, const cw_field *orig,
                   size_t norig, int onebuf)
{
    uintptr_t lo = 0, hi = 0;
    size_t total, ncap = rec->cap;
    char *to, *base;

    if (onebuf)
        span(orig, norig, &lo, &hi);
    total = hi - lo;
    for (size_t i = 0; i < norig; i++)
        if (orig[i].p != NULL && !inspan(orig[i], lo, hi))
            total += orig[i].len;
    for (size_t i = 0; i < ncap; i++)
        if (rec->f[i].p != NULL && !inspan(rec->f[i], lo, hi))
            total += rec->f[i].len;
    if ((to = base = cw__rec_scratch(&s->rec, total)) == NULL)
        return CW_ENOMEM;
    s->bytes = total;
    if (hi > lo) {
        memcpy(to, (const void *)lo, hi - lo);
        to += hi - lo;
    }
    for (size_t i = 0; i < norig; i++)
        s->orig[i] = moved(orig[i], lo, hi, base, &to);
    for (size_t i = 0; i < ncap; i++)
        s->rec.f[i] = moved(rec->f[i], lo, hi, base, &to);
    return CW_OK;
}

int cw__pool_put(cw_pool *p, const cw_rec *rec, const cw_field *orig,
                 size_t norig, int onebuf)
{
    batch *b;
    cw_slot *s;

    if (p->fill < 0) { /* the batch after the newest one out is free */
        p->fill = (long)((p->head + p->out) % p->nb);
        b = &p->b[p->fill];
        b->n = 0;
        b->bytes = 0; /* its state stays B_DONE (or B_FREE) */
    }
    b = &p->b[p->fill];
    s = &b->slot[b->n];
    if (s->rec.layout != rec->layout) {
        cw__rec_free(&s->rec);
        cw__rec_init(&s->rec, rec->layout);
        s->rec.block = SLOT_BLOCK;
    }
    cw__rec_clear(&s->rec); /* frees a big record's block */
    if (norig > s->capo) {
        cw_field *o = cw__alloc(norig * sizeof *o);

        if (o == NULL)
            return CW_ENOMEM;
        cw__free(s->orig);
        s->orig = o;
        s->capo = norig;
    }
    if (cw__rec_fit(&s->rec) != CW_OK || s->rec.cap < rec->cap ||
        copyrow(s, rec, orig, norig, onebuf) != CW_OK)
        return CW_ENOMEM;
    s->norig = norig;
    s->rec.file = rec->file;
    s->rec.line = rec->line;
    s->rec.rownum = rec->rownum;
    s->rc = CW_OK;
    b->n++;
    b->bytes += s->bytes;
    if (b->n == BATCH_RECORDS || b->bytes >= BATCH_BYTES)
        handover(p);
    return CW_OK;
}

void cw__pool_flush(cw_pool *p)
{
    if (p->fill >= 0)
        handover(p);
}

size_t cw__pool_take(cw_pool *p, int wait)
{
    batch *b = &p->b[p->head];
    int state;

    if (p->out == 0)
        return 0;
    pthread_mutex_lock(&p->mu);
    while (wait && b->state != B_DONE) {
        batch *q = next_queued(p);

        /* Rather than sleep, the caller runs a queued batch itself. */
        if (q != NULL)
            runbatch(p, q, p->nw);
        else
            pthread_cond_wait(&p->done, &p->mu);
    }
    state = b->state;
    pthread_mutex_unlock(&p->mu);
    return state == B_DONE ? b->n : 0;
}

cw_slot *cw__pool_slot(cw_pool *p, size_t i)
{
    return &p->b[p->head].slot[i];
}

void cw__pool_done(cw_pool *p)
{
    /* The batch stays B_DONE, which no worker looks at, until it is
    ** handed over again. */
    p->head = (p->head + 1) % p->nb;
    p->out--;
}
