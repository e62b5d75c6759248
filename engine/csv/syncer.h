/*
** syncer.h -- a thread that makes a file being written durable as it
** grows (fdatasync), so that the fsync of the commit finds little left
** to do: on a disk with a write cache, or a virtual disk over the host's
** page cache, most of that fsync's time is the flush of what was written,
** and the syncer overlaps it with the run.  The fsync of the commit
** stays what makes a file durable; the syncer only does part of its work
** earlier, and hands back any error it met so that none is lost (Linux
** reports a writeback error to one fsync only).
*/
#ifndef CW_SYNCER_H
#define CW_SYNCER_H

typedef struct cw_syncer cw_syncer;

/* A syncer with no thread yet: the first cw__syncer_ask() starts it.
** NULL when out of memory. */
cw_syncer *cw__syncer_new(void);
/* Ask for an fdatasync of the file open as 'fd' (without waiting).
** Asks made while one runs are folded into one.  The syncer works on a
** duplicate of 'fd' until cw__syncer_forget(fd); one file at a time:
** an ask for another file is ignored until then.  Failures to start
** are ignored too (the commit's fsync does the work). */
void cw__syncer_ask(cw_syncer *s, int fd);
/* Stop syncing 'fd' (waiting for an fdatasync at work to end) and
** return the errno of a failed one since the first ask, or 0.  Call it
** before the commit's fsync and before closing 'fd'. */
int cw__syncer_forget(cw_syncer *s, int fd);
/* End the thread and free.  NULL is a no-op. */
void cw__syncer_free(cw_syncer *s);

#endif /* CW_SYNCER_H */
