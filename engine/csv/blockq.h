/*
** blockq.h -- a bounded queue of byte blocks between the caller's thread,
** which fills them, and a thread of the queue's own, which hands each one
** to a consumer function in order (blockq.c).  The CSV writer uses it to
** encode and write its rows off the caller's thread.  When every block is
** full and the queue's thread is not at work, the caller consumes the
** oldest block itself rather than wait.
*/
#ifndef CW_BLOCKQ_H
#define CW_BLOCKQ_H

#include "core/cw.h"

/*
** The consumer: take the 'len' bytes at 'p' (one block, as filled) and
** return CW_OK, or an error status, after which it is not called again and
** the queue hands the status to the producer.  Called on the queue's
** thread, with every signal blocked, or on the producer's, in
** cw__blockq_room() or cw__blockq_sync(); never on two at once.
*/
typedef int (*cw_blockq_fn)(void *ud, const char *p, size_t len);

typedef struct cw_blockq cw_blockq; /* opaque */

/*
** Start a queue of 'nblocks' blocks (2 or more) of 'size' bytes each and
** its thread.  Return CW_OK, or CW_ENOMEM or CW_EIO when the blocks or the
** thread could not be had ('*out' NULL: the caller does the work itself).
** The blocks are the queue's memory, all of it: a producer that gets ahead
** waits for the consumer.
*/
int cw__blockq_start(size_t size, size_t nblocks, cw_blockq_fn fn, void *ud,
                     cw_blockq **out);

/*
** Point '*at' at 'need' bytes (at most the block size) at the end of the
** block being filled, handing that block over first when it lacks the room
** (which waits while every block is queued).  Return CW_OK, or the
** consumer's error status once it has failed.
*/
int cw__blockq_room(cw_blockq *q, size_t need, char **at);

/*
** The bytes free at the end of the block being filled, from '*at' on
** (the whole block when it is empty): a producer that fills them in one
** pass and calls cw__blockq_room() for the next block only when they are
** too few need not know beforehand how many it will take.
*/
size_t cw__blockq_free(cw_blockq *q, char **at);

/* The 'n' bytes written at the last cw__blockq_room() or
** cw__blockq_free() belong to the block. */
void cw__blockq_add(cw_blockq *q, size_t n);

/*
** Hand over the block being filled and wait until the consumer has taken
** every block, so that the caller may touch what the consumer owns until
** its next cw__blockq_room().  Return the consumer's status.
*/
int cw__blockq_sync(cw_blockq *q);

/*
** Stop the thread and free 'q'.  'discard' 0: every filled byte is first
** handed to the consumer; 1: what is queued is dropped and the thread
** stops after the block it is working on.  Return the consumer's status.
** NULL is a no-op.
*/
int cw__blockq_end(cw_blockq *q, int discard);

/*
** The processors this process may run on: those online, or, on Linux,
** those its CPU affinity allows (1 under "taskset -c 0").
*/
long cw__blockq_cores(void);

#endif /* CW_BLOCKQ_H */
