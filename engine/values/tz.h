/*
** tz.h -- IANA time zones without touching the process's TZ.  Reads a
** TZif file (versions 1-3) from the zoneinfo directory and converts
** between UTC and local time, using the file's POSIX TZ footer for times
** after its last transition.  Thread-safe once loaded.
*/
#ifndef CW_TZ_H
#define CW_TZ_H

#include "core/cw.h"

typedef struct cw_tz cw_tz;

/*
** Load zone 'name' ("America/New_York", "UTC") from 'dir' (NULL means
** /usr/share/zoneinfo).  Names with "..", a leading '/' or characters
** outside [A-Za-z0-9_+-/] are refused with CW_EUSAGE.
*/
int cw__tz_read(const char *dir, const char *name, cw_tz **out, cw_err *err);
void cw__tz_free(cw_tz *z);

/* Offset from UTC in seconds at UTC instant 't' (seconds since epoch). */
long cw__tz_offset_utc(const cw_tz *z, long long t);

/*
** Convert local wall time 'local' (seconds since epoch as if UTC) to a UTC
** instant.  Returns 0 and stores it in '*utc'; in an overlap (fall back)
** the earlier instant is chosen and 1 is returned; in a gap (spring
** forward) -1 is returned and '*utc' is the instant shifted forward.
*/
int cw__tz_local_to_utc(const cw_tz *z, long long local, long long *utc);

/* Days since 1970-01-01 for a proleptic Gregorian date, and back. */
long long cw__days_from_civil(long long y, unsigned m, unsigned d);
void cw__civil_from_days(long long days, long long *y, unsigned *m,
                         unsigned *d);

#endif /* CW_TZ_H */
