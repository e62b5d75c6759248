/*
** pool.h -- worker threads that run a job on batches of records, the
** results taken back in the order the records were put in.  The caller
** (one thread) copies each record into the batch being filled; a full
** batch goes to the first idle worker; the caller takes batches back
** oldest first, each once every record of it has had its job run.  The
** plan uses it to run the recipe's parallel fn steps, one Lua state per
** worker.
*/
#ifndef CW_POOL_H
#define CW_POOL_H

#include "core/record.h"

/* One record in a batch: a copy of the record and of its original
** fields, and what its job made of it. */
typedef struct cw_slot {
    cw_rec rec;     /* the copy: every field in its own arena */
    cw_field *orig; /* the original fields, copied into the same arena */
    size_t norig;   /* count of 'orig' */
    size_t capo;    /* room in 'orig' */
    size_t bytes;   /* bytes copied for it */
    int rc;         /* the job's status: CW_OK, else the run stops here */
    int verdict;    /* the job's outcome (the plan's CW_FN_* value) */
    cw_buf reason;  /* a reject's reason */
    cw_err err;     /* the failure when 'rc' is not CW_OK */
} cw_slot;

/* The job: run on slot 's' by worker 'w': 0 .. nworkers - 1 are the
** pool's threads, 'nworkers' the caller's thread, which runs queued
** batches itself rather than wait for a worker to; they run in
** parallel, each on slots of its own.  The status lands in
** s->rc; a failure ends the batch (its later slots are not run). */
typedef int (*cw_pool_job)(void *ud, size_t w, cw_slot *s);

typedef struct cw_pool cw_pool;

/* Start 'nworkers' threads (0 to CW_WORKERS_MAX) running 'job'.
** CW_OK, CW_ENOMEM, or CW_EIO when a thread cannot be started. */
int cw__pool_new(size_t nworkers, cw_pool_job job, void *ud, cw_pool **out);
/* Stop the workers (a batch at work is left after the record its job
** is running on), drop what is queued and free everything.  NULL is a
** no-op. */
void cw__pool_free(cw_pool *p);

/* 1 when a record can be put without taking a batch back first. */
int cw__pool_room(const cw_pool *p);
/* Copy 'rec' and its 'norig' original fields into the batch being
** filled, handing the batch to the workers once it is full.  'onebuf' 1:
** the original fields are views into one buffer (a CSV reader's), which
** is copied in one piece.  Needs cw__pool_room().  CW_OK or CW_ENOMEM. */
int cw__pool_put(cw_pool *p, const cw_rec *rec, const cw_field *orig,
                 size_t norig, int onebuf);
/* Hand the batch being filled (if any) to the workers now. */
void cw__pool_flush(cw_pool *p);
/* The oldest batch handed over, once its job has run on all of it
** (waiting for that when 'wait' is 1); NULL when no batch is out, or
** when 'wait' is 0 and it is still at work.  Its slots are read with
** cw__pool_slot() until cw__pool_done() gives it back. */
size_t cw__pool_take(cw_pool *p, int wait);
cw_slot *cw__pool_slot(cw_pool *p, size_t i);
void cw__pool_done(cw_pool *p);

#endif /* CW_POOL_H */
