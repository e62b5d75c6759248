/*
** runledger.h -- a recipe run with a delivery ledger (runledger.c): what
** the recipe declares for it (its 'ledger', an input's 'since', an
** output's 'key' and 'changed'), and the calls run.c, commit.c and
** recipe.c make.  Each is a no-op for a run without a ledger.
*/
#ifndef CW_RUNLEDGER_H
#define CW_RUNLEDGER_H

#include "api/runint.h"

/* What cw__lrun_emit() says of a record. */
enum {
    CW_LRUN_WRITE = 1, /* write it (to the outputs cw__lrun_skip() allows) */
    CW_LRUN_DONE = 2   /* it was handled: rejected or sent before */
};

/* Read the recipe's declarations (after its outputs are loaded). */
int cw__lrun_decl(cw_run *r);

/*
** Before the first record, once the main input is open and the names
** resolved: open the ledger (when the run has one), take its lock,
** read its watermark and push it into a database input's query, find
** each tracked output's key, load what was delivered, begin the run.
*/
int cw__lrun_start(cw_run *r);

/*
** The main input's row 'orig' (of 'n' fields) was read: 1 when it is at
** or before the watermark (a CSV input: count it as filtered and skip
** it), else 0, noting its value of the watermark column.
*/
int cw__lrun_before(cw_run *r, const cw_field *orig, size_t n);

/* A record passed every check: decide, output by output, whether it was
** delivered before; reject it (through 'reject') when it was, with
** other content, and the policy says so.  CW_LRUN_WRITE, CW_LRUN_DONE
** or an error. */
typedef int (*cw_lrun_reject_fn)(void *ud, cw_rec *rec, const cw_field *orig,
                                 const char *column, const char *code,
                                 const char *msg);
int cw__lrun_emit(cw_run *r, cw_rec *rec, const cw_field *orig,
                  cw_lrun_reject_fn reject);

/* 1 when output 'k' does not get the record being emitted. */
int cw__lrun_skip(const cw_run *r, size_t k);

/* The record was written to file output 'k': record it. */
int cw__lrun_written(cw_run *r, size_t k);

/*
** The outputs are prepared (on disk, not renamed): warn about the rows
** that wait in pending files, drop the files of tracked outputs that got
** no row, and record the run's files and watermark in the ledger (a
** committed transaction; the run is 'writing').  Fails, recording
** nothing, when a file would replace one still pending.
*/
int cw__lrun_record(cw_run *r);

/* After the commit ('ok' 1) or its failure: the run's files that were
** renamed are pending, the others failed (or, when none is in, the run
** is forgotten). */
void cw__lrun_finish(cw_run *r, int ok);

/* 1 when the run has a ledger open (from cw__lrun_start() on). */
int cw__lrun_active(const cw_run *r);

/* Free the ledger state of 'r' (rolls back, unlocks). */
void cw__lrun_free(cw_run *r);

#endif /* CW_RUNLEDGER_H */
