/*
** schema.h -- formats as data: loads schemas/<tool>/<format>.lua into
** column specs (type, required, aliases, rules) and checks header rows
** and values against them.  Owns the specs; borrows nothing.
*/
#ifndef CW_SCHEMA_H
#define CW_SCHEMA_H

#include "core/node.h"
#include "values/rules.h"

enum cw_coltype {
    CW_T_ID,
    CW_T_TEXT,
    CW_T_INTEGER,
    CW_T_NUMBER,
    CW_T_BOOLEAN,
    CW_T_DATE,
    CW_T_DATETIME,
    CW_T_PHONE,
    CW_T_EMAIL,
    CW_T_ENUM,
    CW_T_JSON
};

typedef struct cw_colspec {
    char *name;           /* canonical header */
    enum cw_coltype type; /* value type */
    int required;         /* header present and value non-blank */
    int nonblank;         /* value non-blank when present */
    int organizer_dates;  /* datetime/date: Organizer's strict forms */
    int organizer_bools;  /* boolean: Organizer's spellings only */
    long max_length;      /* characters, or -1 */
    char **aliases;       /* other spellings, matched ignoring case */
    size_t naliases;      /* count of 'aliases' */
    char **values;        /* enum values */
    size_t nvalues;       /* count of 'values' */
    cw_rule **rules;      /* extra named rules */
    size_t nrules;        /* count of 'rules' */
} cw_colspec;

typedef struct cw_schema {
    char *name;                   /* "tool/format" */
    char *title;                  /* one line */
    cw_colspec *cols;             /* columns in documented order */
    size_t ncols;                 /* count of 'cols' */
    char **key;                   /* key column names */
    size_t nkey;                  /* count of 'key' */
    char **prefixes;              /* header prefixes of column families */
    size_t nprefixes;             /* count of 'prefixes' */
    int organizer;                /* Organizer import rules apply */
    int spreadsheet;              /* files are opened in spreadsheets */
    unsigned long long max_bytes; /* file size cap, 0 = none */
    char *distinct_col;           /* column with a distinct-value cap */
    size_t distinct_max;          /* that cap, 0 = none */
} cw_schema;

/* Names of column types, for messages ("id", "text", ...). */
const char *cw__coltype_name(enum cw_coltype t);

/*
** Load schema 'name' ("organizer/text_interactions") from
** 'home'/schemas/<name>.lua in a fresh sandbox.  CW_EUSAGE for an
** unknown name or a malformed file, with a message naming the problem.
*/
int cw__schema_load(const char *home, const char *name, cw_schema **out,
                    cw_err *err);
/* The same, looking first in the recipe folder 'folder' (when not NULL):
** 'folder'/schemas/<name>.lua, refused when a symbolic link leads it
** outside 'folder'/schemas. */
int cw__schema_load_in(const char *folder, const char *home, const char *name,
                       cw_schema **out, cw_err *err);
/* Build a schema from an already loaded tree ('where' names it in
** messages). */
int cw__schema_from_node(const cw_node *n, const char *where, cw_schema **out,
                         cw_err *err);
void cw__schema_free(cw_schema *s);

/* Index of the column named 'name' (exact, then ignoring case, then an
** alias ignoring case), or -1. */
long cw__schema_find(const cw_schema *s, const char *name, size_t len);
/* 1 when 'name' matches one of the schema's prefixes. */
int cw__schema_prefixed(const cw_schema *s, const char *name, size_t len);

/*
** Append to 'b' what may explain why the required columns 'missing'
** ('nmissing' names) of schema 's' are not in the header 'hdr' ('nh'
** names): the header names the schema does not know that are close to
** one of them ("; the header has 'Profle ID': is it 'Profile ID'
** misspelled?"), else the header's names ("; the header has 'a', 'b'").
** Returns CW_OK or CW_ENOMEM.
*/
int cw__schema_missing_hint(cw_buf *b, const cw_schema *s,
                            const char *const *missing, size_t nmissing,
                            const char *const *hdr, size_t nh);

/* How well a schema knows a header (for inspect and load). */
typedef struct cw_fit {
    size_t recognised;       /* header columns it knows */
    size_t missing;          /* its columns absent from the header */
    size_t missing_required; /* of those, required ones */
    size_t unexpected;       /* header columns it does not know */
    int ok;                  /* all required there, half the header known */
} cw_fit;

/*
** Measure schema 's' against the 'ncols' header names 'cols'.  A header
** column is recognised when it names a schema column not already taken
** (by name or alias, ignoring case) or matches a column-family prefix.
** 'taken' has room for s->ncols flags and gets 1 for every schema column
** the header has; 'known', when not NULL, gets 1 for every header column
** the schema knows.
*/
void cw__schema_fit(const cw_schema *s, const char *const *cols, size_t ncols,
                    unsigned char *taken, unsigned char *known, cw_fit *out);

/* Rank two fits: negative when 'a' is the better match (a match first,
** then most recognised, fewest missing, fewest unexpected), 0 on a tie. */
int cw__fit_cmp(const cw_fit *a, const cw_fit *b);

/*
** Column 'c' of schema 's' as the checks of a file of the format apply it
** (validate, a run's outputs; not a run's inputs): under Organizer's
** import rules ('s->organizer') every row needs a value and booleans
** are Organizer's spellings only.
*/
cw_colspec cw__schema_strict(const cw_schema *s, const cw_colspec *c);

/*
** Check the value 's' of column 'c' (NULL or blank values are checked
** for required/nonblank only).  On success return 0 with '*res' the value
** to write (booleans become "true"/"false", phones E.164, others as is;
** converted bytes live in 'scratch').  On failure return -1 with 'v'.
*/
int cw__schema_check(const cw_colspec *c, const char *s, size_t len,
                     cw_buf *scratch, const char **res, size_t *reslen,
                     cw_verdict *v);

#endif /* CW_SCHEMA_H */
