/*
** tempfile.h -- what the CSV writer and whole-file writing share: temp
** files beside their final path and durable renames (tempfile.c).
*/
#ifndef CW_TEMPFILE_H
#define CW_TEMPFILE_H

#include "core/cw.h"

/*
** Create the temp file of the final path 'path' beside it, named
** ".<basename>.crosswalk-<pid>.XXXXXX" so that a later run can tell the
** files of a process that died (see cw__writer_sweep()); close-on-exec,
** mode 0666 minus the umask.  Store its path (owned by the caller) in
** '*tmp' and return its descriptor, or -1 with errno set and '*tmp' NULL.
*/
int cw__temp_make(const char *path, char **tmp);

/* Fsync the directory 'dir', so that renames in it are durable: 0, or -1
** with errno set.  EINVAL (a file system that cannot sync directories)
** is not an error. */
int cw__fsync_dir(const char *dir);

#endif /* CW_TEMPFILE_H */
