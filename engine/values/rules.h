/*
** rules.h -- the validators and converters, in C.  Each primitive returns
** 0 when the value is accepted, or -1 with a stable code ("E_BOOLEAN")
** and a message naming the value.  cw_rule wraps them behind one
** interface that plans and schemas use by name.
*/
#ifndef CW_RULES_H
#define CW_RULES_H

#include "core/cw.h"
#include "core/node.h"
#include "values/tz.h"

/* Verdict details on rejection.  'code' is static; 'msg' is filled. */
typedef struct cw_verdict {
    const char *code; /* "E_BOOLEAN", ... */
    char msg[256];    /* "not a boolean: 'maybe' (use true/false, ...)" */
} cw_verdict;

/* Boolean rule: true/false, yes/no, 1/0, t/f, y/n in any case, with
** surrounding spaces ignored.  '*out' gets 1 or 0. */
int cw__rule_bool(const char *s, size_t len, int *out, cw_verdict *v);

/* Organizer's booleans only: true/false, yes/no or 1/0 in any case, as
** they stand (no trimming); everything else is refused (E_BOOLEAN). */
int cw__rule_bool_organizer(const char *s, size_t len, int *out, cw_verdict *v);

/* A parsed date/time.  Fields not given are 0; 'has_time' says whether a
** time was present, 'has_offset' whether the input named its offset. */
typedef struct cw_datetime {
    int year, month, day; /* calendar date */
    int hour, min, sec;   /* time of day, 24-hour */
    long usec;            /* microseconds */
    int has_time;         /* 1 when a time of day was given */
    int has_offset;       /* 1 when 'Z' or +hh:mm was given */
    long offset;          /* seconds east of UTC when has_offset */
} cw_datetime;

/*
** Date rule, reading: ISO 8601 "YYYY-MM-DDTHH:MM[:SS[.f]](Z|+hh:mm|+hhmm)",
** naive "YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]", "MM/DD/YYYY[ HH:MM]" and
** spreadsheet "M/D/YYYY h:mm[:ss] AM|PM".  Real calendar checks (leap
** years, no Feb 30, hours 00-23, minutes and seconds 00-59).
*/
int cw__rule_date_parse(const char *s, size_t len, cw_datetime *out,
                        cw_verdict *v);

/* Organizer's strict forms only: "MM/DD/YYYY[ HH:MM]" and
** "YYYY-MM-DD[ HH:MM]", zero-padded, 24-hour. */
int cw__rule_date_organizer(const char *s, size_t len, cw_verdict *v);

/*
** Convert 'dt' to zone 'to': a value with an offset is converted from
** that offset; a naive value is taken as being in zone 'from' (NULL:
** UTC).  A naive local time in a DST gap is rejected (E_DATE_GAP).
*/
int cw__rule_date_convert(cw_datetime *dt, const cw_tz *from, const cw_tz *to,
                          cw_verdict *v);

enum cw_datefmt {
    CW_DATEFMT_ISO,     /* YYYY-MM-DD HH:MM */
    CW_DATEFMT_US,      /* MM/DD/YYYY HH:MM */
    CW_DATEFMT_DATE,    /* YYYY-MM-DD */
    CW_DATEFMT_US_DATE, /* MM/DD/YYYY */
    CW_DATEFMT_ISO_FULL /* YYYY-MM-DDTHH:MM:SS (no offset) */
};

/* Write 'dt' in form 'f' into 'out' (at least 32 bytes); return length. */
size_t cw__rule_date_format(const cw_datetime *dt, enum cw_datefmt f,
                            char *out);

/*
** E.164 phone rule (North America by default): strip one trailing ".0",
** keep digits; 10 digits become "+1"..., 11 digits starting with 1 become
** "+"...; a leading '+' with 8-15 digits is kept for other countries.
** Scientific notation ("5.55E+09") is rejected as Excel damage, as are
** extensions ("x12") and anything else.  'out' needs 17 bytes.
*/
int cw__rule_phone(const char *s, size_t len, char *out, size_t *outlen,
                   cw_verdict *v);

/*
** Effort-name key: trimmed, inner runs of spaces collapsed to one,
** ASCII-lowercased, written to 'out' (at least 'len' bytes); returns its
** length.  Two effort names with the same key but different spelling
** draw a warning (W_EFFORT_SPELLING).
*/
size_t cw__effort_key(const char *s, size_t len, char *out);

/* Effort names compared by cw__effort_seen() are shorter than this. */
#define CW_EFFORT_MAX 512

/*
** 1 when the effort name 's' is one of the 'n' distinct names in 'seen'.
** Otherwise 0, and 'msg' ('size' bytes) gets the W_EFFORT_SPELLING
** warning when one of them differs from 's' only in case or spacing (the
** same cw__effort_key), else "".  Every name is shorter than
** CW_EFFORT_MAX bytes.
*/
int cw__effort_seen(char *const *seen, size_t n, const char *s, size_t len,
                    char *msg, size_t size);

/* ==== Named rules: one interface for plans and schemas ==== */

typedef struct cw_rule cw_rule;

/*
** One row of the rule registry (rules.c), which lists the named rules
** plans and schemas use ("boolean", "date", "phone", "enum", ...; see
** the rows for what each does).  Adding a rule is adding a row and its
** functions: building, checking arguments, applying and the messages
** that list the rules all read the registry.
*/
typedef struct cw_rulekind {
    const char *name;        /* as written in plans and schemas */
    const char *const *args; /* its argument names, NULL-terminated */
    /* Build the rule's state from 'args' (NULL, or a table holding only
    ** names of 'args') in '*data', set as soon as it is allocated: on
    ** failure 'drop' frees what was built.  NULL: the rule keeps nothing. */
    int (*make)(const cw_node *args, void **data, cw_err *err);
    /* Free what 'make' built (NULL data included); NULL: cw__free. */
    void (*drop)(void *data);
    /* Apply the rule to the non-null value 's', as cw__rule_apply()
    ** does; '*res' and '*reslen' start as 's' and 'len'. */
    int (*apply)(const void *data, const char *s, size_t len, cw_buf *scratch,
                 const char **res, size_t *reslen, cw_verdict *v);
    /* When not NULL, null and blank values are refused with this code
    ** and 'blank_msg' before 'apply'; when NULL, a null value passes and
    ** stays null. */
    const char *blank_code;
    const char *blank_msg; /* the message for 'blank_code' */
} cw_rulekind;

/* Row 'i' of the registry, or NULL past the last. */
const cw_rulekind *cw__rule_kind(size_t i);

/*
** Build the rule 'name' with arguments 'args' (a table node or NULL).
** Unknown names and arguments, and bad argument values, give CW_EUSAGE
** with a message listing the valid choices.
*/
int cw__rule_new(const char *name, const cw_node *args, cw_rule **out,
                 cw_err *err);
void cw__rule_free(cw_rule *r);
const char *cw__rule_name(const cw_rule *r);

/*
** Apply 'r' to the value 's' (NULL means null).  On success return 0 and
** set '*res'/'*reslen' to the converted value: either 's' itself or bytes
** in 'scratch' (reused, valid until its next use).  On rejection return
** -1 and fill 'v'.  A null value passes every rule but those that refuse
** blank values ("nonblank", "effort_name"), and stays null.
*/
int cw__rule_apply(const cw_rule *r, const char *s, size_t len, cw_buf *scratch,
                   const char **res, size_t *reslen, cw_verdict *v);

#endif /* CW_RULES_H */
