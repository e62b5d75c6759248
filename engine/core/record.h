/*
** record.h -- one row of data.  A layout is the append-only list of
** column names shared by every record of a run; a record holds one field
** view per column plus an arena for values made while processing it.
** Indexes into a layout never change once assigned.
*/
#ifndef CW_RECORD_H
#define CW_RECORD_H

#include "core/cw.h"

typedef struct cw_layout cw_layout; /* interned column names */

int cw__layout_new(cw_layout **out);
void cw__layout_free(cw_layout *l);
/* Index of 'name' (case-sensitive), appending it when absent.  Returns
** CW_OK or CW_ENOMEM. */
int cw__layout_intern(cw_layout *l, const char *name, size_t len, size_t *idx);
/* Index of 'name', or -1 when absent. */
long cw__layout_find(const cw_layout *l, const char *name, size_t len);
size_t cw__layout_count(const cw_layout *l);
/* Seal 'l': cw__layout_intern() then adds no name (CW_EUSAGE), so that
** threads can read it at once.  cw__layout_sealed() tells. */
void cw__layout_seal(cw_layout *l);
int cw__layout_sealed(const cw_layout *l);
/* A number no other layout made by this process has had: a cache keyed by
** a layout's address could outlive it and see another made there. */
size_t cw__layout_id(const cw_layout *l);
/* Name of column 'i', NUL-terminated, owned by 'l'. */
const char *cw__layout_name(const cw_layout *l, size_t i);

/* A field: a borrowed or arena-owned view.  'p' NULL means null/absent. */
typedef struct cw_field {
    const char *p; /* bytes, not NUL-terminated; NULL for null */
    size_t len;    /* byte count */
} cw_field;

typedef struct cw_arena_block cw_arena_block;

typedef struct cw_rec {
    cw_layout *layout;         /* column names, borrowed */
    cw_field *f;               /* one view per column of 'layout' */
    size_t cap;                /* views allocated in 'f' */
    cw_arena_block *arena;     /* bytes made for this record (stable) */
    size_t block;              /* payload of its arena's blocks; 0: 16 KB */
    const char *file;          /* input path the record came from */
    unsigned long line;        /* physical line where the record starts */
    unsigned long long rownum; /* 1-based record number in its input (a
                                  group's: numbered on after the last) */
} cw_rec;

/* Initialise 'r' on 'layout'.  Nothing is allocated yet. */
void cw__rec_init(cw_rec *r, cw_layout *layout);
/* Free what 'r' owns.  Safe on an initialised, never-used record. */
void cw__rec_free(cw_rec *r);
/* Make every field null and recycle the arena (keeps one block). */
void cw__rec_clear(cw_rec *r);
/* Make sure 'r' has a view for every column of its layout. */
int cw__rec_fit(cw_rec *r);
/* Field 'i', or a null field when 'i' is past the record's width.
** Inline, as cw__rec_setview(): every step reads and sets fields of every
** row, and a call for each cost more than the access. */
static inline cw_field cw__rec_get(const cw_rec *r, size_t i)
{
    if (i < r->cap)
        return r->f[i];
    return (cw_field){NULL, 0};
}
/* cw__rec_setview() past the record's width: grow it first. */
int cw__rec_setview_grow(cw_rec *r, size_t i, const char *p, size_t len);
/* Borrowing set: the bytes must outlive the record's current use. */
static inline int cw__rec_setview(cw_rec *r, size_t i, const char *p,
                                  size_t len)
{
    if (i >= r->cap)
        return cw__rec_setview_grow(r, i, p, len);
    r->f[i].p = p; /* member by member, as the fields are read */
    r->f[i].len = len;
    return CW_OK;
}
/* Copying set: the bytes are copied into the record's arena.  'p' NULL
** stores null. */
int cw__rec_set(cw_rec *r, size_t i, const char *p, size_t len);
/* Copying set by name, interning the name in the layout. */
int cw__rec_setname(cw_rec *r, const char *name, size_t nlen, const char *p,
                    size_t len);
/* 'len' bytes of arena space valid until the next cw__rec_clear(). */
char *cw__rec_scratch(cw_rec *r, size_t len);

#endif /* CW_RECORD_H */
