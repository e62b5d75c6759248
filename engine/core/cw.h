/*
** cw.h -- internals shared by every engine file: the allocation point,
** error filling, a growable byte buffer, and files kept inside a folder.
*Private to engine/.
*/
#ifndef CW_CW_H
#define CW_CW_H

#include "crosswalk.h"

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define CW_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CW_PRINTF(f, a)
#endif

/* The one allocation point (mem.c).  cw__alloc(0) returns NULL. */
void *cw__alloc(size_t size);
void *cw__realloc(void *ptr, size_t size);
void cw__free(void *ptr);
/* 1 when cw_set_allocator() installed an allocator of the caller's. */
int cw__alloc_custom(void);
/* A NUL-terminated copy of 'len' bytes at 's', or NULL when out of memory. */
char *cw__strndup(const char *s, size_t len);
char *cw__strdup(const char *s);

/*
** Record 'code' and a printf-style message in 'err' (which may be NULL),
** then return 'code', so that a failing path reads
**     return cw__fail(&r->err, CW_EPARSE, "%s:%lu: stray quote", f, line);
*/
int cw__fail(cw_err *err, int code, const char *fmt, ...) CW_PRINTF(3, 4);

/* Copy 'src' into 'dst' (either may be NULL) and return src->code. */
int cw__errcopy(cw_err *dst, const cw_err *src);

/*
** Return 'vec' grown to hold at least 'need' elements of 'size' bytes,
** updating '*cap'; or NULL when out of memory, 'vec' being then intact.
*/
void *cw__grow(void *vec, size_t *cap, size_t need, size_t size);

/* A growable byte string.  Zero-initialise it; cw__buf_free releases. */
typedef struct cw_buf {
    char *p;    /* bytes, NUL-terminated when len < cap */
    size_t len; /* bytes used */
    size_t cap; /* bytes allocated */
} cw_buf;

int cw__buf_add(cw_buf *b, const void *p, size_t len); /* CW_OK/ENOMEM */
int cw__buf_addc(cw_buf *b, char c);
int cw__buf_adds(cw_buf *b, const char *s);
int cw__buf_printf(cw_buf *b, const char *fmt, ...) CW_PRINTF(2, 3);
int cw__buf_vprintf(cw_buf *b, const char *fmt, va_list ap) CW_PRINTF(2, 0);
void cw__buf_free(cw_buf *b);

/* 1 when the 'len' bytes at 's' are valid UTF-8 (no overlongs, no
** surrogates); else 0 and the byte offset of the first bad byte in '*bad'. */
int cw__utf8_valid(const char *s, size_t len, size_t *bad);

/* 1 when the 'len' bytes at 's' are nothing but spaces and tabs. */
int cw__blank(const char *s, size_t len);

/* Case-insensitive (ASCII) comparison of two byte strings: 1 if equal. */
int cw__eqi(const char *a, size_t alen, const char *b, size_t blen);

/* 'msg' without a leading "file:line:col: " (which reports give apart), or
** 'msg' itself when it has none. */
const char *cw__msg_nopos(const char *msg);

/* What cw__path_inside() found (path.c). */
enum {
    CW_PATH_OK,      /* a regular file inside the folder */
    CW_PATH_MISSING, /* no such file (or a part of the path is no folder) */
    CW_PATH_OUTSIDE, /* a symbolic link leads outside the folder */
    CW_PATH_ERROR    /* not a regular file, or unreadable: see errno */
};

/* Room for a resolved path (PATH_MAX on Linux). */
#define CW_PATH_MAX 4096

/*
** Resolve 'path' (every symbolic link followed) and check that it is a
** regular file inside the folder 'root' (resolved too).  On CW_PATH_OK,
** 'real' holds the resolved path, to be opened rather than 'path' (so a
** link changed meanwhile is not followed again); otherwise "".
*/
int cw__path_inside(const char *root, const char *path, char real[CW_PATH_MAX]);

#endif /* CW_CW_H */
