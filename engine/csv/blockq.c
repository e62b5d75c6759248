/*
** blockq.c -- a bounded queue of byte blocks drained by a thread of its
** own.  The producer fills one block at a time and hands it over; the
** blocks are passed to the consumer function in the order they were
** filled and given back once consumed.  A ring of 'nblocks' blocks: the
** producer fills block 'wi', the next to consume is 'ri', and 'full'
** counts the blocks handed over and not yet given back.
**
** The consumer is whichever thread holds 'cmu': the queue's thread, or
** the producer when every block is full and the queue's thread is not
** at work (on a busy machine it may wait long for a core after being
** woken).  Rather than sleep until then, the producer consumes the oldest
** block itself; 'cmu' keeps the blocks in order and the consumer's state
** to one thread at a time.
*/
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "csv/blockq.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#if defined(__linux__)
#include <sched.h>
#endif

#define MAX_BLOCKS 8 /* blocks of one queue, at most */
#define SEP 64       /* keeps each thread's fields on cache lines of its own */

struct cw_blockq {
    /* Set up once. */
    cw_blockq_fn fn;        /* the consumer ... */
    void *ud;               /* ... and its argument */
    size_t size;            /* bytes per block */
    size_t n;               /* blocks */
    char *blk[MAX_BLOCKS];  /* the blocks */
    size_t len[MAX_BLOCKS]; /* bytes filled in each, set when handed over */
    pthread_t tid;          /* the queue's thread */
    char pad0[SEP];
    /* The producer's. */
    size_t wi;   /* block being filled */
    size_t fill; /* bytes filled in it */
    char pad1[SEP];
    /* Shared, under 'mu'. */
    pthread_mutex_t mu; /* guards what follows */
    pthread_cond_t cv;  /* signalled on every change of it */
    size_t full;        /* blocks handed over, not yet given back */
    int end;            /* 1: the producer is done; drain, then stop */
    int stop;           /* 1: stop now, dropping what is queued */
    int rc;             /* the consumer's failure, or CW_OK */
    char pad2[SEP];
    /* The consumer's, under 'cmu'. */
    pthread_mutex_t cmu; /* held while a block is consumed */
    size_t ri;           /* next block to consume */
};

/*
** Consume the oldest block handed over, if any, unless the queue is
** stopping or failed.  The caller holds 'cmu'.
*/
static void consume_one(cw_blockq *q)
{
    size_t i;
    int rc;

    pthread_mutex_lock(&q->mu);
    if (q->full == 0 || q->stop || q->rc != CW_OK) {
        pthread_mutex_unlock(&q->mu);
        return;
    }
    i = q->ri;
    pthread_mutex_unlock(&q->mu);
    rc = q->fn(q->ud, q->blk[i], q->len[i]);
    q->ri = (i + 1) % q->n;
    pthread_mutex_lock(&q->mu);
    q->full--;
    q->rc = rc;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* The thread: consume blocks in order until told to stop or a failure. */
static void *consume(void *arg)
{
    cw_blockq *q = arg;

    for (;;) {
        int done;

        pthread_mutex_lock(&q->mu);
        while (q->full == 0 && !q->end && !q->stop && q->rc == CW_OK)
            pthread_cond_wait(&q->cv, &q->mu);
        done = q->full == 0 || q->stop || q->rc != CW_OK;
        pthread_mutex_unlock(&q->mu);
        if (done)
            return NULL;
        pthread_mutex_lock(&q->cmu);
        consume_one(q);
        pthread_mutex_unlock(&q->cmu);
    }
}

/* Free the blocks of 'q' and 'q'. */
static void release(cw_blockq *q)
{
    for (size_t i = 0; i < q->n; i++)
        cw__free(q->blk[i]);
    cw__free(q);
}

int cw__blockq_start(size_t size, size_t nblocks, cw_blockq_fn fn, void *ud,
                     cw_blockq **out)
{
    sigset_t all, old;
    cw_blockq *q;
    int rc;

    *out = NULL;
    if (nblocks < 2 || nblocks > MAX_BLOCKS || size == 0)
        return CW_EUSAGE;
    q = cw__alloc(sizeof *q);
    if (q == NULL)
        return CW_ENOMEM;
    *q = (cw_blockq){.fn = fn, .ud = ud, .size = size, .n = nblocks};
    for (size_t i = 0; i < nblocks; i++) {
        q->blk[i] = cw__alloc(size);
        if (q->blk[i] == NULL) {
            release(q);
            return CW_ENOMEM;
        }
    }
    if (pthread_mutex_init(&q->mu, NULL) != 0) {
        release(q);
        return CW_EIO;
    }
    if (pthread_cond_init(&q->cv, NULL) != 0) {
        pthread_mutex_destroy(&q->mu);
        release(q);
        return CW_EIO;
    }
    if (pthread_mutex_init(&q->cmu, NULL) != 0) {
        pthread_cond_destroy(&q->cv);
        pthread_mutex_destroy(&q->mu);
        release(q);
        return CW_EIO;
    }
    /* Signals stay for the caller's threads (an interrupt, SIGPIPE). */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&q->tid, NULL, consume, q);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_mutex_destroy(&q->cmu);
        pthread_cond_destroy(&q->cv);
        pthread_mutex_destroy(&q->mu);
        release(q);
        return CW_EIO;
    }
    *out = q;
    return CW_OK;
}

/*
** Wait, holding 'mu', until at most 'most' blocks are handed over and not
** consumed, or the consumer failed.  Rather than sleep while the queue's
** thread is not at work, consume the oldest block here.
*/
static void wait_full(cw_blockq *q, size_t most)
{
    while (q->full > most && q->rc == CW_OK) {
        if (pthread_mutex_trylock(&q->cmu) == 0) {
            pthread_mutex_unlock(&q->mu);
            consume_one(q);
            pthread_mutex_unlock(&q->cmu);
            pthread_mutex_lock(&q->mu);
        } else {
            pthread_cond_wait(&q->cv, &q->mu);
        }
    }
}

/*
** Hand the block being filled to the consumer, then wait for a free one
** (or the consumer's failure).  Return the consumer's status.
*/
static int hand_over(cw_blockq *q)
{
    int rc;

    pthread_mutex_lock(&q->mu);
    if (q->rc == CW_OK) {
        q->len[q->wi] = q->fill;
        q->full++;
        pthread_cond_broadcast(&q->cv);
        wait_full(q, q->n - 1);
    }
    rc = q->rc;
    pthread_mutex_unlock(&q->mu);
    q->wi = (q->wi + 1) % q->n;
    q->fill = 0;
    return rc;
}

int cw__blockq_room(cw_blockq *q, size_t need, char **at)
{
    int rc;

    if (need > q->size - q->fill && q->fill > 0 && (rc = hand_over(q)) != CW_OK)
        return rc;
    *at = q->blk[q->wi] + q->fill;
    return CW_OK;
}

size_t cw__blockq_free(cw_blockq *q, char **at)
{
    *at = q->blk[q->wi] + q->fill;
    return q->size - q->fill;
}

void cw__blockq_add(cw_blockq *q, size_t n)
{
    q->fill += n;
}

int cw__blockq_sync(cw_blockq *q)
{
    int rc = CW_OK;

    if (q->fill > 0)
        rc = hand_over(q);
    pthread_mutex_lock(&q->mu);
    wait_full(q, 0);
    if (rc == CW_OK)
        rc = q->rc;
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int cw__blockq_end(cw_blockq *q, int discard)
{
    int rc;

    if (q == NULL)
        return CW_OK;
    pthread_mutex_lock(&q->mu);
    if (discard) {
        q->stop = 1;
    } else {
        if (q->fill > 0 && q->rc == CW_OK) { /* there is always room */
            q->len[q->wi] = q->fill;
            q->full++;
        }
        q->end = 1;
    }
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->tid, NULL);
    rc = q->rc;
    pthread_mutex_destroy(&q->cmu);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    release(q);
    return rc;
}

long cw__blockq_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
#if defined(__linux__)
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) < n)
        n = CPU_COUNT(&set);
#endif
    return n > 0 ? n : 1;
}
