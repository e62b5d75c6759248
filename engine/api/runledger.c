/*
** runledger.c -- a recipe run with a delivery ledger (runledger.h): the
** recipe's declarations, the watermark (filtered here for a CSV input,
** pushed into the query of a database input), the rows delivered before
** (an index in memory: a digest of each key and of its content), the
** decision for each record, and the recording of the run's files around
** the commit.  docs/decisions.md, "The delivery ledger", says why.
*/
#include "api/runledger.h"

#include "core/msg.h"
#include "ledger/hash.h"
#include "ledger/store.h"
#include "values/rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CW_LRUN_MAXKEY 16 /* columns of a key */

/* What an output does with a row whose key went out with other values. */
enum { CHANGED_REJECT, CHANGED_WARN, CHANGED_SEND };

/* One row delivered before: in the index of its output. */
typedef struct entry {
    unsigned char key[16];   /* digest of its key text */
    unsigned char hash[16];  /* digest of its content text */
    unsigned long long file; /* the file it went into; 0: an empty slot
                                (files are numbered from 1) */
} entry;

/* A file the run knows of: one holding rows of its outputs. */
typedef struct lfile {
    unsigned long long id;      /* its number in the ledger */
    unsigned long long run;     /* the run that wrote it */
    char *path;                 /* where it is */
    int state;                  /* FILE_PENDING, FILE_CONFIRMED, FILE_THIS */
    unsigned long long waiting; /* rows left out of this run: they wait in
                                   it */
} lfile;

enum { FILE_PENDING, FILE_CONFIRMED, FILE_THIS };

/* The ledger side of one output. */
typedef struct lout {
    int decl;                     /* 'key': 1 declared, -1 false, 0 none */
    char **keynames;              /* the declared key columns */
    size_t nkeynames;             /* count of 'keynames' */
    int changed;                  /* CHANGED_* */
    int tracked;                  /* its rows go through the ledger */
    size_t *key;                  /* its key columns: indexes in its columns */
    size_t nkey;                  /* count of 'key' */
    char *scope;                  /* "RECIPE/OUTPUT" */
    entry *tab;                   /* the index, open addressing */
    size_t cap, n;                /* its slots and rows */
    unsigned long long *pfile;    /* the file of each part, 0 before any row */
    unsigned long long *prows;    /* rows of each part last seen */
    size_t nparts;                /* parts known */
    size_t last;                  /* the part the last row went to */
    int skip;                     /* the record being emitted is not written */
    lfile *same;                  /* it went out before, into this file */
    cw_buf keytext, rowtext;      /* the record's key and content texts */
    unsigned char kd[32], hd[32]; /* their digests */
} lout;

struct cw_lrun {
    char *decl;  /* the recipe's 'ledger', or NULL */
    char *set;   /* cw_run_ledger()'s, or NULL */
    int none;    /* cw_run_ledger() said "none" */
    char *since; /* the main input's watermark column, or NULL */
    lout *o;     /* one per output of the run */
    size_t n;    /* count of 'o' */
    /* during the run */
    int active;             /* the run has a ledger */
    cw_lstore *st;          /* it, open and locked */
    char *recipe;           /* the recipe's name in scopes */
    unsigned long long run; /* the run's number, 0 in a dry run */
    lfile *files;           /* the files of the tracked outputs, by number */
    size_t nfiles, fcap;
    unsigned long long fake; /* a dry run's next file number */
    long sincecol;           /* the watermark column in the main input, -1 */
    char *from;              /* the watermark read past, or NULL */
    char fromkey[48];        /* its date_key(), "" when it is no date */
    cw_buf max;              /* the greatest value read since */
    char maxkey[48];         /* its date_key() */
    int havemax;             /* 'max' holds one */
    int csv;                 /* the main input is filtered here (not in SQL) */
    int pushed;              /* the condition went into the input's query */
    char *spec;              /* that input's new spec */
    unsigned long long before;   /* rows filtered at or before 'from' */
    unsigned long long recorded; /* rows recorded */
    unsigned long long waiting;  /* rows left out: pending elsewhere */
    char *to;                    /* the watermark recorded */
    int recorded_ok;             /* the run's rows are committed (writing) */
    cw_lnewfile *newf;           /* the files recorded */
    char **newstr;               /* their strings (5 each) */
    size_t nnew;
    cw_buf msg;      /* messages */
    char *scopes_in; /* "RECIPE/INPUT" of the watermark */
    char *shown;     /* the target, its password hidden */
    int full;        /* read every row: no watermark (cw_run_ledger_full) */
};

/* ==== Helpers ==== */

static int nomem(cw_run *r)
{
    return cw__fail(&r->err, CW_ENOMEM, "out of memory");
}

/* Report a warning through the run's problem callback. */
static void warn(cw_run *r, const char *file, unsigned long line,
                 const char *code, const char *msg)
{
    char shown[CW_MSG_MAX + 1];
    cw_problem p = {file, line, 0, NULL, code, shown, 1};

    cw_safe_text(shown, sizeof shown, msg, strlen(msg));
    r->sum.warnings++;
    if (r->onproblem != NULL)
        r->onproblem(r->onproblem_ud, &p);
}

static struct cw_lrun *lrun(cw_run *r)
{
    if (r->lg == NULL) {
        r->lg = cw__alloc(sizeof *r->lg);
        if (r->lg != NULL) {
            memset(r->lg, 0, sizeof *r->lg);
            r->lg->sincecol = -1;
        }
    }
    return r->lg;
}

static void freestrs(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        cw__free(v[i]);
    cw__free(v);
}

/* The 'len' bytes at 's' as a date and time that sorts as text, in
** 'out': "YYYY-MM-DDTHH:MM:SS.ffffff", converted to UTC when the value
** names its offset.  0, or -1 when it is no date. */
static int date_key(const char *s, size_t len, char out[48])
{
    cw_datetime dt;
    cw_verdict v;

    if (cw__rule_date_parse(s, len, &dt, &v) != 0 ||
        cw__rule_date_convert(&dt, NULL, NULL, &v) != 0)
        return -1;
    snprintf(out, 48, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld", dt.year, dt.month,
             dt.day, dt.hour, dt.min, dt.sec, dt.usec);
    return 0;
}

/* ==== Configuration and declarations ==== */

int cw_run_ledger(cw_run *r, const char *target)
{
    struct cw_lrun *lg = lrun(r);
    char *copy;

    if (lg == NULL)
        return nomem(r);
    if (r->executed)
        return cw__fail(&r->err, CW_EUSAGE,
                        "the ledger is set before the run executes");
    if (target == NULL || strcmp(target, "none") == 0) {
        cw__free(lg->set);
        lg->set = NULL;
        lg->none = target != NULL;
        return CW_OK;
    }
    if (target[0] == '\0')
        return cw__fail(&r->err, CW_EUSAGE,
                        "an empty ledger (give sqlite:PATH, "
                        "postgres:CONNINFO#TABLE, or none)");
    if ((copy = cw__strdup(target)) == NULL)
        return nomem(r);
    cw__free(lg->set);
    lg->set = copy;
    lg->none = 0;
    return CW_OK;
}

int cw_run_ledger_full(cw_run *r, int on)
{
    struct cw_lrun *lg = lrun(r);

    if (lg == NULL)
        return nomem(r);
    lg->full = on != 0;
    return CW_OK;
}

/* Read output 'k''s 'key' and 'changed' from its declaration 'd'. */
static int decl_output(cw_run *r, size_t k, const cw_node *d)
{
    output *o = &r->out[k];
    lout *lo = &r->lg->o[k];
    const cw_node *key = cw__node_get(d, "key");
    const cw_node *ch = cw__node_get(d, "changed");

    if (ch != NULL) {
        static const char *const names[] = {"reject", "warn", "send"};
        size_t i = 0;

        while (ch->type == CW_NODE_STR && i < 3 && strcmp(ch->str, names[i]))
            i++;
        if (ch->type != CW_NODE_STR || i == 3)
            return cw__fail(&r->err, CW_EUSAGE,
                            "%s: %s: 'changed' must be \"reject\", \"warn\" "
                            "or \"send\"",
                            r->recipe, o->where);
        lo->changed = (int)i;
    }
    if (key == NULL)
        return CW_OK;
    if (key->type == CW_NODE_BOOL && !key->b) {
        lo->decl = -1;
        return CW_OK;
    }
    if (key->type != CW_NODE_TABLE || key->narr == 0 || key->nkeys > 0)
        return cw__fail(&r->err, CW_EUSAGE,
                        "%s: %s: 'key' must list column names (or be false)",
                        r->recipe, o->where);
    if (o->table != NULL)
        return cw__fail(&r->err, CW_EUSAGE,
                        "%s: %s: 'key' is for an output written to a file "
                        "(the ledger keeps what files delivered)",
                        r->recipe, o->where);
    lo->keynames = cw__alloc(key->narr * sizeof *lo->keynames);
    if (lo->keynames == NULL)
        return nomem(r);
    for (size_t i = 0; i < key->narr; i++) {
        const cw_node *c = key->arr[i];
        size_t j = 0;

        if (c->type != CW_NODE_STR)
            return cw__fail(&r->err, CW_EUSAGE,
                            "%s: %s: 'key' must list column names", r->recipe,
                            o->where);
        while (j < o->ncols && strcmp(o->cols[j], c->str) != 0)
            j++;
        if (j == o->ncols)
            return cw__fail(&r->err, CW_EUSAGE,
                            "%s: %s: key column '%s' is not one of its "
                            "columns",
                            r->recipe, o->where, c->str);
        if ((lo->keynames[i] = cw__strdup(c->str)) == NULL)
            return nomem(r);
        lo->nkeynames = i + 1;
    }
    lo->decl = 1;
    return CW_OK;
}

int cw__lrun_decl(cw_run *r)
{
    const cw_node *t = r->tree, *ins = cw__node_get(t, "inputs");
    const cw_node *outs = cw__node_get(t, "outputs");
    const cw_node *lg = cw__node_get(t, "ledger");
    struct cw_lrun *l;
    int rc;

    if (lrun(r) == NULL)
        return nomem(r);
    l = r->lg;
    if (lg != NULL && lg->type != CW_NODE_STR)
        return cw__fail(&r->err, CW_EUSAGE,
                        "%s: 'ledger' must be a string (sqlite:PATH or "
                        "postgres:CONNINFO#TABLE)",
                        r->recipe);
    if (lg != NULL && (l->decl = cw__strdup(lg->str)) == NULL)
        return nomem(r);
    for (size_t i = 0; ins != NULL && i < ins->nkeys && i < r->nin; i++) {
        const cw_node *s = cw__node_get(ins->vals[i], "since");

        if (s == NULL)
            continue;
        if (s->type != CW_NODE_STR || s->str[0] == '\0')
            return cw__fail(&r->err, CW_EUSAGE,
                            "%s: inputs.%s: 'since' must name a column",
                            r->recipe, r->in[i].name);
        if (!r->in[i].main)
            return cw__fail(&r->err, CW_EUSAGE,
                            "%s: inputs.%s: 'since' is for the main input (a "
                            "lookup input is read whole)",
                            r->recipe, r->in[i].name);
        if ((l->since = cw__strdup(s->str)) == NULL)
            return nomem(r);
    }
    l->o = cw__alloc((r->nout ? r->nout : 1) * sizeof *l->o);
    if (l->o == NULL)
        return nomem(r);
    memset(l->o, 0, (r->nout ? r->nout : 1) * sizeof *l->o);
    l->n = r->nout;
    for (size_t k = 0; outs != NULL && k < outs->nkeys && k < r->nout; k++)
        if ((rc = decl_output(r, k, outs->vals[k])) != CW_OK)
            return rc;
    return CW_OK;
}

/* ==== The index ==== */

static size_t slot_of(const unsigned char *kd, size_t cap)
{
    size_t h = 0;

    for (int i = 0; i < 8; i++)
        h = h << 8 | kd[i];
    return h & (cap - 1);
}

static int index_add(lout *o, const unsigned char *kd, const unsigned char *hd,
                     unsigned long long file)
{
    size_t i;

    if (2 * (o->n + 1) > o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 1024;
        entry *t = cw__alloc(cap * sizeof *t);

        if (t == NULL)
            return CW_ENOMEM;
        memset(t, 0, cap * sizeof *t);
        for (size_t k = 0; k < o->cap; k++) {
            if (o->tab[k].file == 0)
                continue;
            i = slot_of(o->tab[k].key, cap);
            while (t[i].file != 0)
                i = (i + 1) & (cap - 1);
            t[i] = o->tab[k];
        }
        cw__free(o->tab);
        o->tab = t;
        o->cap = cap;
    }
    i = slot_of(kd, o->cap);
    while (o->tab[i].file != 0)
        i = (i + 1) & (o->cap - 1);
    memcpy(o->tab[i].key, kd, 16);
    memcpy(o->tab[i].hash, hd, 16);
    o->tab[i].file = file;
    o->n++;
    return CW_OK;
}

/* The rows of key 'kd': '*same' the one with the content 'hd' (NULL when
** none), '*latest' the one in the newest file (NULL when none). */
static void index_find(const lout *o, const unsigned char *kd,
                       const unsigned char *hd, const entry **same,
                       const entry **latest)
{
    *same = *latest = NULL;
    if (o->cap == 0)
        return;
    for (size_t i = slot_of(kd, o->cap); o->tab[i].file != 0;
         i = (i + 1) & (o->cap - 1)) {
        const entry *e = &o->tab[i];

        if (memcmp(e->key, kd, 16) != 0)
            continue;
        if (*same == NULL && memcmp(e->hash, hd, 16) == 0)
            *same = e;
        if (*latest == NULL || e->file > (*latest)->file)
            *latest = e;
    }
}

/* The file numbered 'id' ('files' is sorted by number). */
static lfile *file_find(struct cw_lrun *l, unsigned long long id)
{
    size_t lo = 0, hi = l->nfiles;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (l->files[mid].id == id)
            return &l->files[mid];
        if (l->files[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int file_add(struct cw_lrun *l, unsigned long long id,
                    unsigned long long run, const char *path, int state)
{
    lfile *g = cw__grow(l->files, &l->fcap, l->nfiles + 1, sizeof *g);

    if (g == NULL)
        return CW_ENOMEM;
    l->files = g;
    g[l->nfiles] = (lfile){id, run, cw__strdup(path), state, 0};
    if (g[l->nfiles].path == NULL)
        return CW_ENOMEM;
    l->nfiles++;
    return CW_OK;
}

static int hexbytes(const char *hex, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;

        for (int k = 0; k < 2; k++) {
            char c = hex[2 * i + k];

            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= (unsigned)(c - 'a' + 10);
            else
                return -1;
        }
        out[i] = (unsigned char)v;
    }
    return 0;
}

/* A live row of the ledger, into the index of its output. */
static int load_row(void *ud, const char *key, const char *hash,
                    unsigned long long file)
{
    lout *o = ud;
    unsigned char kd[32], hd[16];

    cw__sha256(key, strlen(key), kd);
    if (file == 0 || strlen(hash) != 64 || hexbytes(hash, hd, 16) != 0)
        return CW_OK; /* not ours: left alone */
    return index_add(o, kd, hd, file);
}

typedef struct files_ud {
    cw_run *r;
    int writing; /* files of writing runs count as pending (a dry run) */
} files_ud;

/* A file of the ledger: kept when it holds rows of a tracked output. */
static int load_file(void *ud, const cw_lfile *f)
{
    files_ud *u = ud;
    struct cw_lrun *l = u->r->lg;
    int state;

    if (f->state == NULL || f->scope == NULL || f->path == NULL)
        return CW_OK;
    if (strcmp(f->state, "pending") == 0 ||
        (u->writing && strcmp(f->state, "writing") == 0))
        state = FILE_PENDING;
    else if (strcmp(f->state, "confirmed") == 0)
        state = FILE_CONFIRMED;
    else
        return CW_OK;
    for (size_t k = 0; k < l->n; k++)
        if (l->o[k].tracked && strcmp(l->o[k].scope, f->scope) == 0)
            return file_add(l, f->id, f->run, f->path, state);
    return CW_OK;
}

/* ==== Starting ==== */

/* The recipe's name in the ledger: its 'name', else its folder's or
** file's name. */
static char *recipe_name(const cw_run *r)
{
    const char *n = cw_run_recipe_name(r);
    const char *p = r->recipedir != NULL ? r->recipedir : r->recipefile;
    const char *slash, *end;

    if (n != NULL)
        return cw__strdup(n);
    if (p == NULL)
        return cw__strdup("recipe");
    end = p + strlen(p);
    while (end > p + 1 && end[-1] == '/')
        end--;
    slash = end;
    while (slash > p && slash[-1] != '/')
        slash--;
    if (r->recipedir == NULL && end - slash > 4 &&
        memcmp(end - 4, ".lua", 4) == 0)
        end -= 4;
    return cw__strndup(slash, (size_t)(end - slash));
}

/* Find the key columns of output 'k' among the columns it writes. */
static int track(cw_run *r, size_t k)
{
    output *o = &r->out[k];
    lout *lo = &r->lg->o[k];
    const char *const *names = (const char *const *)lo->keynames;
    size_t n = lo->nkeynames;
    cw_buf b = {0};

    if (lo->decl < 0 || o->rowfn != NULL || o->table != NULL)
        return CW_OK;
    if (lo->decl == 0 && (o->schema == NULL || o->schema->nkey == 0))
        return CW_OK;
    if (lo->decl == 0) {
        names = (const char *const *)o->schema->key;
        n = o->schema->nkey;
    }
    if (n > CW_LRUN_MAXKEY)
        return cw__fail(&r->err, CW_EUSAGE,
                        "%s: %s: a key of %zu columns; the ledger takes at "
                        "most %d",
                        r->recipe, o->where, n, CW_LRUN_MAXKEY);
    lo->key = cw__alloc(n * sizeof *lo->key);
    if (lo->key == NULL)
        return nomem(r);
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;

        while (j < o->ncols && strcmp(o->cols[j], names[i]) != 0)
            j++;
        if (j == o->ncols)
            return cw__fail(&r->err, CW_EUSAGE,
                            "%s: %s: key column '%s'%s%s is not among the "
                            "columns it writes, so the ledger cannot tell its "
                            "rows apart (declare 'key', or key = false)",
                            r->recipe, o->where, names[i],
                            lo->decl == 0 ? " of schema " : "",
                            lo->decl == 0 ? o->schema_name : "");
        lo->key[i] = j;
    }
    lo->nkey = n;
    if (cw__buf_printf(&b, "%s/%s", r->lg->recipe, o->name) != CW_OK)
        return nomem(r);
    lo->scope = b.p;
    lo->tracked = 1;
    return CW_OK;
}

/* Append 'name' to 'b' as an SQL identifier ("a.b": each part). */
static int sql_ident(cw_buf *b, const char *name, int qualified)
{
    int rc = cw__buf_addc(b, '"');

    for (const char *p = name; rc == CW_OK && *p != '\0'; p++) {
        if (*p == '"')
            rc = cw__buf_adds(b, "\"\"");
        else if (*p == '.' && qualified)
            rc = cw__buf_adds(b, "\".\"");
        else
            rc = cw__buf_addc(b, *p);
    }
    return rc == CW_OK ? cw__buf_addc(b, '"') : rc;
}

/*
** Read only the rows past the watermark from the database input: open it
** again with its table or query wrapped in
**   SELECT * FROM (...) AS cw_since WHERE "col" > 'value'
** so that the database returns the new rows only.
*/
static int pushdown(cw_run *r)
{
    struct cw_lrun *l = r->lg;
    const char *spec = r->main->path;
    int pg = strncmp(spec, "sqlite:", 7) != 0;
    const char *hash = pg ? strchr(spec, '#') : strrchr(spec, '#');
    const char *what, *v;
    cw_inputspec in;
    cw_buf b = {0};
    size_t n;
    int rc;

    if (hash == NULL)
        return CW_OK;
    what = hash + 1;
    rc = cw__buf_add(&b, spec, (size_t)(hash - spec) + 1);
    if (rc == CW_OK)
        rc = cw__buf_adds(&b, "SELECT * FROM (");
    if (rc == CW_OK && cw__dbrow_istable(what)) {
        rc = cw__buf_adds(&b, "SELECT * FROM ");
        if (rc == CW_OK)
            rc = sql_ident(&b, what, 1);
    } else if (rc == CW_OK) {
        n = strlen(what);
        while (n > 0 && strchr(" \t\r\n;", what[n - 1]) != NULL)
            n--;
        rc = cw__buf_add(&b, what, n);
    }
    if (rc == CW_OK)
        rc = cw__buf_adds(&b, "\n) AS cw_since WHERE ");
    if (rc == CW_OK)
        rc = sql_ident(&b, r->rejcols[l->sincecol], 0);
    if (rc == CW_OK)
        rc = cw__buf_adds(&b, pg ? " > E'" : " > '");
    for (v = l->from; rc == CW_OK && *v != '\0'; v++) {
        if (*v == '\'')
            rc = cw__buf_adds(&b, "''");
        else if (*v == '\\' && pg)
            rc = cw__buf_adds(&b, "\\\\");
        else
            rc = cw__buf_addc(&b, *v);
    }
    if (rc == CW_OK)
        rc = cw__buf_addc(&b, '\'');
    if (rc != CW_OK) {
        cw__buf_free(&b);
        return nomem(r);
    }
    l->spec = b.p;
    in = r->main->spec;
    in.path = l->spec;
    n = r->src.type->ncols(r->src.s);
    cw__input_close(&r->src);
    r->src_open = 0;
    rc = cw__input_openspec(&in, r->strict ? 0 : CW_INPUT_RESYNC, &r->src,
                            &r->err);
    if (rc != CW_OK)
        return rc;
    r->src_open = 1;
    if (r->src.type->ncols(r->src.s) != n)
        return cw__fail(&r->err, CW_EIO,
                        "%s: the query past the watermark returned other "
                        "columns",
                        r->mainname);
    l->pushed = 1;
    return CW_OK;
}

/* Find the watermark column in the main input's header (as the input
** names it, or by its schema's name for it). */
static int find_since(cw_run *r)
{
    struct cw_lrun *l = r->lg;
    const cw_schema *s = r->main->schema;

    for (size_t i = 0; i < r->norig; i++) {
        const char *name = r->rejcols[i];
        long k = s != NULL ? cw__schema_find(s, name, strlen(name)) : -1;

        if (strcmp(name, l->since) == 0 ||
            (k >= 0 && strcmp(s->cols[k].name, l->since) == 0)) {
            l->sincecol = (long)i;
            return CW_OK;
        }
    }
    return cw__fail(&r->err, CW_EUSAGE,
                    "%s: inputs.%s: the watermark column '%s' (since) is not "
                    "in the header of %s",
                    r->recipe, r->main->name, l->since, r->mainname);
}

/* The ledger's file of the SQLite target 't', for the collision check of
** the run's files; NULL for another kind. */
static const char *sqlite_file(const char *t, cw_buf *b)
{
    const char *hash;

    if (cw__target_pguri(t) || strncmp(t, "postgres:", 9) == 0)
        return NULL;
    if (strncmp(t, "sqlite:", 7) == 0)
        t += 7;
    hash = strrchr(t, '#');
    b->len = 0;
    if (cw__buf_add(b, t, hash != NULL ? (size_t)(hash - t) : strlen(t)) !=
            CW_OK ||
        cw__buf_addc(b, '\0') != CW_OK)
        return NULL;
    return b->p;
}

static int start(cw_run *r, const char *target)
{
    struct cw_lrun *l = r->lg;
    unsigned long long kept, dropped;
    size_t ntracked = 0;
    const char *path, *v;
    cw_buf b = {0};
    int rc;

    /* The ledger's file is none of the run's outputs. */
    path = sqlite_file(target, &b);
    if (path != NULL && (cw_run_reserve(r, path, "the ledger") != CW_OK ||
                         (rc = cw__run_check_names(r, 1)) != CW_OK)) {
        cw__buf_free(&b);
        return r->err.code;
    }
    cw__buf_free(&b);
    if ((l->recipe = recipe_name(r)) == NULL)
        return nomem(r);
    for (size_t k = 0; k < l->n; k++) {
        if ((rc = track(r, k)) != CW_OK)
            return rc;
        ntracked += l->o[k].tracked;
    }
    if (ntracked == 0)
        return cw__fail(&r->err, CW_EUSAGE,
                        "%s: the run has a ledger, but no output whose rows it "
                        "can keep: give a file output a 'key' (the columns "
                        "that name one delivery), or a schema with a key",
                        r->recipe);
    if (l->since != NULL && (rc = find_since(r)) != CW_OK)
        return rc;
    /* A dry run creates no ledger: without one, nothing went out yet. */
    rc = cw__lstore_open(
        target, r->dryrun ? CW_LSTORE_LOOK | CW_LSTORE_MAYBE : CW_LSTORE_CREATE,
        &l->st, &r->err);
    if (rc != CW_OK)
        return rc;
    {
        char shown[512];

        cw_redact(shown, sizeof shown, target);
        if ((l->shown = cw__strdup(shown)) == NULL)
            return nomem(r);
    }
    l->active = 1;
    if (l->st == NULL) /* a dry run before the first run */
        return CW_OK;
    cw__lstore_reconciled(l->st, &kept, &dropped);
    if (kept + dropped > 0) {
        l->msg.len = 0;
        if (cw__buf_printf(&l->msg,
                           "settled what a run stopped between recording "
                           "its rows and finishing left: %llu of its files "
                           "%s in place, now pending; %llu %s not, their "
                           "rows dropped",
                           kept, kept == 1 ? "was" : "were", dropped,
                           dropped == 1 ? "was" : "were") != CW_OK)
            return nomem(r);
        warn(r, cw__lstore_shown(l->st), 0, "W_LEDGER_RECOVERED", l->msg.p);
    }
    if (l->since != NULL) {
        cw_buf sc = {0};

        if (cw__buf_printf(&sc, "%s/%s", l->recipe, r->main->name) != CW_OK)
            return nomem(r);
        l->scopes_in = sc.p;
        rc = l->full ? CW_OK
                     : cw__lstore_mark(l->st, l->scopes_in, l->since, &v);
        if (l->full)
            v = NULL;
        if (rc != CW_OK)
            return cw__fail(&r->err, rc, "%s", cw__lstore_errmsg(l->st));
        if (v != NULL && (l->from = cw__strdup(v)) == NULL)
            return nomem(r);
        if (v == NULL || date_key(v, strlen(v), l->fromkey) != 0)
            l->fromkey[0] = '\0';
        l->csv = r->main->spec.read != NULL || cw__input_iscsv(r->main->path);
        if (l->from != NULL && !l->csv && (rc = pushdown(r)) != CW_OK)
            return rc;
    }
    {
        files_ud u = {r, r->dryrun};

        rc = cw__lstore_files(l->st, load_file, &u);
    }
    for (size_t k = 0; rc == CW_OK && k < l->n; k++)
        if (l->o[k].tracked)
            rc = cw__lstore_live(l->st, l->o[k].scope, r->dryrun, load_row,
                                 &l->o[k]);
    if (rc == CW_OK && !r->dryrun)
        rc = cw__lstore_run_begin(l->st, l->recipe, &l->run);
    if (rc == CW_ENOMEM)
        return nomem(r);
    if (rc != CW_OK)
        return cw__fail(&r->err, rc, "%s", cw__lstore_errmsg(l->st));
    return CW_OK;
}

int cw__lrun_start(cw_run *r)
{
    struct cw_lrun *l = r->lg;
    const char *target;
    int rc;

    if (l == NULL || l->none)
        return CW_OK;
    target = l->set != NULL ? l->set : l->decl;
    if (target == NULL)
        return CW_OK;
    rc = start(r, target);
    if (rc != CW_OK)
        r->atheader = 1; /* nothing was read */
    return rc;
}

/* ==== Records ==== */

/* Compare two values of the watermark column: as dates and times when
** both read as such (so that 10/31/2024 08:00 and 2024-10-31T09:00-04:00
** fall in their order), else as cw__ledger_cmp() does.  'ka' and 'kb' are
** their date_key()s, "" for none. */
static int since_cmp(const char *a, size_t alen, const char *ka, const char *b,
                     size_t blen, const char *kb)
{
    if (ka[0] != '\0' && kb[0] != '\0')
        return strcmp(ka, kb);
    return cw__ledger_cmp(a, alen, b, blen);
}

int cw__lrun_before(cw_run *r, const cw_field *orig, size_t n)
{
    struct cw_lrun *l = r->lg;
    char kv[48];
    cw_field v;

    if (l == NULL || !l->active || l->sincecol < 0 || (size_t)l->sincecol >= n)
        return 0;
    v = orig[l->sincecol];
    if (v.p == NULL || cw__blank(v.p, v.len))
        return 0; /* no place in the order: always read */
    if (date_key(v.p, v.len, kv) != 0)
        kv[0] = '\0';
    if (l->csv && l->from != NULL &&
        since_cmp(v.p, v.len, kv, l->from, strlen(l->from), l->fromkey) <= 0) {
        l->before++;
        return 1;
    }
    if (!l->havemax ||
        since_cmp(v.p, v.len, kv, l->max.p, l->max.len, l->maxkey) > 0) {
        l->max.len = 0;
        if (cw__buf_add(&l->max, v.p, v.len) != CW_OK ||
            cw__buf_addc(&l->max, '\0') != CW_OK)
            return 0; /* out of memory: the row is read */
        l->max.len--;
        memcpy(l->maxkey, kv, sizeof kv);
        l->havemax = 1;
    }
    return 0;
}

/* Output 'k''s key and content texts of the record, and their digests. */
static int texts(cw_run *r, size_t k)
{
    output *o = &r->out[k];
    lout *lo = &r->lg->o[k];
    cw_field key[CW_LRUN_MAXKEY];
    size_t nk = lo->nkey;

    for (size_t i = 0; i < nk; i++)
        key[i] = o->vals[lo->key[i]];
    lo->keytext.len = lo->rowtext.len = 0;
    if (cw__ledger_keytext(&lo->keytext, key, nk) != CW_OK ||
        cw__buf_addc(&lo->keytext, '\0') != CW_OK ||
        cw__ledger_rowtext(&lo->rowtext, (const char *const *)o->cols, o->vals,
                           o->ncols, o->opts.format == CW_FMT_CSV) != CW_OK ||
        cw__buf_addc(&lo->rowtext, '\0') != CW_OK)
        return nomem(r);
    lo->keytext.len--;
    lo->rowtext.len--;
    cw__sha256(lo->keytext.p, lo->keytext.len, lo->kd);
    cw__sha256(lo->rowtext.p, lo->rowtext.len, lo->hd);
    return CW_OK;
}

/* Append a value to a message: quoted, at most 80 bytes (cut on a
** character), "null" for null. */
static int addval(cw_buf *b, const char *v)
{
    size_t n;

    if (v == NULL)
        return cw__buf_adds(b, "(none)");
    n = strlen(v);
    if (n <= 80)
        return cw__buf_printf(b, "'%s'", v);
    n = 77;
    while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
        n--;
    return cw__buf_printf(b, "'%.*s...'", (int)n, v);
}

/* Comparing the earlier version of a row with this one, column by
** column. */
typedef struct diff {
    const output *o;
    cw_buf *b;
    char *seen; /* per column of the output: 1 when the earlier row had it */
    int n;      /* differences written */
    int nul;    /* null is "" (a CSV output) */
} diff;

static int diff_col(void *ud, const char *name, const char *value)
{
    diff *d = ud;
    size_t i = 0;
    char *now = NULL;
    int rc = CW_OK;

    while (i < d->o->ncols && strcmp(d->o->cols[i], name) != 0)
        i++;
    if (i < d->o->ncols) {
        cw_field f = d->o->vals[i];

        d->seen[i] = 1;
        if (f.p != NULL || d->nul)
            now = cw__strndup(f.p != NULL ? f.p : "", f.len);
        if ((f.p != NULL || d->nul) && now == NULL)
            return CW_ENOMEM;
        if ((now == NULL && value == NULL) ||
            (now != NULL && value != NULL && strcmp(now, value) == 0)) {
            cw__free(now);
            return CW_OK;
        }
    }
    rc = cw__buf_printf(d->b, "%s%s was ", d->n++ ? "; " : "", name);
    if (rc == CW_OK)
        rc = addval(d->b, value);
    if (rc == CW_OK)
        rc = cw__buf_adds(d->b, ", is ");
    if (rc == CW_OK)
        rc = i < d->o->ncols ? addval(d->b, now)
                             : cw__buf_adds(d->b, "(not written)");
    cw__free(now);
    return rc;
}

/* The message for output 'k''s record, whose key went out before with
** other values (in 'e''s file). */
static int changed_msg(cw_run *r, size_t k, const entry *e)
{
    struct cw_lrun *l = r->lg;
    output *o = &r->out[k];
    lout *lo = &l->o[k];
    const lfile *f = file_find(l, e->file);
    const char *prev = NULL, *path = NULL;
    cw_buf *b = &l->msg;
    diff d = {o, b, NULL, 0, o->opts.format == CW_FMT_CSV};
    int rc = CW_OK;

    b->len = 0;
    rc = cw__buf_printf(b, "%s: ", o->where);
    for (size_t i = 0; rc == CW_OK && i < lo->nkey; i++) {
        cw_field v = o->vals[lo->key[i]];
        char *s = cw__strndup(v.p != NULL ? v.p : "", v.len);

        if (s == NULL)
            return nomem(r);
        rc = cw__buf_printf(b, "%s%s ", i ? ", " : "", o->cols[lo->key[i]]);
        if (rc == CW_OK)
            rc = addval(b, s);
        cw__free(s);
    }
    if (rc == CW_OK && l->st != NULL &&
        cw__lstore_previous(l->st, lo->scope, lo->keytext.p, &prev, &path) !=
            CW_OK)
        return cw__fail(&r->err, cw__lstore_errcode(l->st), "%s",
                        cw__lstore_errmsg(l->st));
    if (rc == CW_OK)
        rc = cw__buf_printf(b, " went out before, in %s, with other values: ",
                            f != NULL && f->state != FILE_THIS ? f->path
                            : path != NULL && path[0] != '\0'
                                ? path
                                : "an earlier row of this run");
    if (rc == CW_OK && prev != NULL) {
        d.seen = cw__alloc(o->ncols ? o->ncols : 1);
        if (d.seen == NULL)
            return nomem(r);
        memset(d.seen, 0, o->ncols ? o->ncols : 1);
        rc = cw__ledger_rowparse(prev, diff_col, &d);
        for (size_t i = 0; rc == CW_OK && i < o->ncols; i++) {
            if (d.seen[i])
                continue;
            rc = cw__buf_printf(b, "%s%s was (not written), is ",
                                d.n++ ? "; " : "", o->cols[i]);
            if (rc == CW_OK) {
                char *s = cw__strndup(o->vals[i].p ? o->vals[i].p : "",
                                      o->vals[i].len);

                rc = s != NULL ? addval(b, s) : CW_ENOMEM;
                cw__free(s);
            }
        }
        cw__free(d.seen);
    } else if (rc == CW_OK) {
        rc = cw__buf_adds(b, "(the earlier row is not in the ledger yet)");
    }
    if (rc == CW_OK)
        rc = cw__buf_printf(b, " (%s)",
                            f != NULL && f->state == FILE_CONFIRMED
                                ? "a file imported"
                            : f != NULL && f->state == FILE_PENDING
                                ? "a file not confirmed as imported yet"
                                : "written by this run");
    return rc == CW_OK ? CW_OK : nomem(r);
}

int cw__lrun_emit(cw_run *r, cw_rec *rec, const cw_field *orig,
                  cw_lrun_reject_fn reject)
{
    struct cw_lrun *l = r->lg;
    int write = 0, rc;

    if (l == NULL || !l->active)
        return CW_LRUN_WRITE;
    for (size_t k = 0; k < l->n; k++) {
        lout *lo = &l->o[k];
        const entry *same, *latest;

        lo->skip = 0;
        lo->same = NULL;
        if (!lo->tracked) {
            write = 1;
            continue;
        }
        if ((rc = texts(r, k)) != CW_OK)
            return rc;
        index_find(lo, lo->kd, lo->hd, &same, &latest);
        if (same != NULL) {
            lo->skip = 1;
            lo->same = file_find(l, same->file);
            continue;
        }
        write = 1;
        if (latest == NULL || lo->changed == CHANGED_SEND)
            continue;
        if ((rc = changed_msg(r, k, latest)) != CW_OK)
            return rc;
        if (lo->changed == CHANGED_WARN) {
            if (cw__buf_adds(&l->msg, "; written again (changed = \"warn\")") !=
                CW_OK)
                return nomem(r);
            warn(r, rec->file, rec->line, "W_ALREADY_SENT", l->msg.p);
            continue;
        }
        if (cw__buf_adds(&l->msg,
                         "; not written again: an import keeps both rows "
                         "(changed = \"reject\"; \"warn\" or \"send\" "
                         "writes it)") != CW_OK)
            return nomem(r);
        rc = reject(r, rec, orig, NULL, "E_ALREADY_SENT", l->msg.p);
        return rc == CW_OK ? CW_LRUN_DONE : rc;
    }
    for (size_t k = 0; k < l->n; k++) {
        lfile *f = l->o[k].same;

        if (l->o[k].skip && f != NULL && f->state == FILE_PENDING)
            f->waiting++;
    }
    if (!write) {
        r->sum.sent_before++;
        return CW_LRUN_DONE;
    }
    return CW_LRUN_WRITE;
}

int cw__lrun_active(const cw_run *r)
{
    return r->lg != NULL && r->lg->active;
}

int cw__lrun_skip(const cw_run *r, size_t k)
{
    const struct cw_lrun *l = r->lg;

    return l != NULL && l->active && k < l->n && l->o[k].skip;
}

/* The part of writer 'w' the last row went to (its row count grew). */
static int which_part(cw_run *r, lout *lo, cw_writer *w, size_t *part)
{
    size_t n = cw__writer_nparts(w);
    unsigned long long rows;

    if (n > lo->nparts) {
        size_t cap = lo->nparts;
        unsigned long long *f = cw__grow(lo->pfile, &cap, n, sizeof *f);

        if (f == NULL)
            return nomem(r);
        lo->pfile = f;
        cap = lo->nparts;
        f = cw__grow(lo->prows, &cap, n, sizeof *f);
        if (f == NULL)
            return nomem(r);
        lo->prows = f;
        for (size_t i = lo->nparts; i < n; i++)
            lo->pfile[i] = lo->prows[i] = 0;
        lo->nparts = n;
    }
    /* The newest part, then the last one used, then any. */
    {
        size_t try[2] = {n - 1, lo->last};

        for (int t = 0; t < 2; t++) {
            cw__writer_part(w, try[t], &rows);
            if (rows == lo->prows[try[t]] + 1) {
                *part = try[t];
                lo->prows[try[t]] = rows;
                return CW_OK;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        cw__writer_part(w, i, &rows);
        if (rows != lo->prows[i]) {
            *part = i;
            lo->prows[i] = rows;
            return CW_OK;
        }
    }
    return cw__fail(&r->err, CW_EUSAGE,
                    "internal error: the ledger cannot tell which part a row "
                    "went to");
}

int cw__lrun_written(cw_run *r, size_t k)
{
    struct cw_lrun *l = r->lg;
    lout *lo;
    size_t part = 0;
    char hex[65];
    int rc;

    if (l == NULL || !l->active || !l->o[k].tracked)
        return CW_OK;
    lo = &l->o[k];
    if ((rc = which_part(r, lo, r->out[k].out, &part)) != CW_OK)
        return rc;
    lo->last = part;
    if (lo->pfile[part] == 0) {
        unsigned long long id;

        if (r->dryrun)
            id = (1ULL << 62) + ++l->fake;
        else if (cw__lstore_file_new(l->st, l->run, lo->scope, part, &id) !=
                 CW_OK)
            return cw__fail(&r->err, cw__lstore_errcode(l->st), "%s",
                            cw__lstore_errmsg(l->st));
        lo->pfile[part] = id;
        if (file_add(l, id, l->run, cw__writer_part(r->out[k].out, part, NULL),
                     FILE_THIS) != CW_OK)
            return nomem(r);
    }
    if (index_add(lo, lo->kd, lo->hd, lo->pfile[part]) != CW_OK)
        return nomem(r);
    if (r->dryrun)
        return CW_OK;
    cw__hex(lo->hd, 32, hex);
    if (cw__lstore_row(l->st, lo->scope, lo->keytext.p, hex, lo->rowtext.p,
                       lo->pfile[part]) != CW_OK)
        return cw__fail(&r->err, cw__lstore_errcode(l->st), "%s",
                        cw__lstore_errmsg(l->st));
    l->recorded++;
    return CW_OK;
}

/* ==== Committing ==== */

/* Warn about the rows left out because they wait in pending files. */
static void warn_waiting(cw_run *r)
{
    struct cw_lrun *l = r->lg;

    for (size_t i = 0; i < l->nfiles; i++) {
        const lfile *f = &l->files[i];

        if (f->state != FILE_PENDING || f->waiting == 0)
            continue;
        l->waiting += f->waiting;
        l->msg.len = 0;
        if (cw__buf_printf(&l->msg,
                           "%llu row%s not written: %s in this file, which "
                           "run %llu wrote and which is not confirmed as "
                           "imported yet; once it is imported: crosswalk "
                           "ledger confirm %s --ledger %s; if it never will "
                           "be: crosswalk ledger release %s --ledger %s (its "
                           "rows are then written again)",
                           f->waiting, f->waiting == 1 ? " is" : "s are",
                           f->waiting == 1 ? "it waits" : "they wait", f->run,
                           f->path, l->shown, f->path, l->shown) == CW_OK)
            warn(r, f->path, 0, "W_PENDING", l->msg.p);
    }
}

/* Note file 'id' (part 'i' of writer 'w') for the ledger. */
static int note_file(cw_run *r, cw_writer *w, size_t i, unsigned long long id)
{
    struct cw_lrun *l = r->lg;
    size_t cap = l->nnew;
    cw_lnewfile *g = cw__grow(l->newf, &cap, l->nnew + 1, sizeof *g);
    char **s, dev[24], ino[24], size[24], mtime[40];
    unsigned long long rows;
    const char *final = cw__writer_part(w, i, &rows);
    struct stat st;

    if (g == NULL)
        return nomem(r);
    l->newf = g;
    cap = l->nnew;
    s = cw__grow(l->newstr, &cap, 5 * (l->nnew + 1), sizeof *s);
    if (s == NULL)
        return nomem(r);
    l->newstr = s;
    s += 5 * l->nnew;
    if (stat(cw__writer_tmp(w, i), &st) != 0)
        return cw__fail(&r->err, CW_EIO, "%s: %s", cw__writer_tmp(w, i),
                        strerror(errno));
    snprintf(dev, sizeof dev, "%llu", (unsigned long long)st.st_dev);
    snprintf(ino, sizeof ino, "%llu", (unsigned long long)st.st_ino);
    snprintf(size, sizeof size, "%lld", (long long)st.st_size);
    snprintf(mtime, sizeof mtime, "%lld.%09ld", (long long)st.st_mtim.tv_sec,
             (long)st.st_mtim.tv_nsec);
    s[0] = cw__lstore_abspath(final);
    s[1] = cw__strdup(dev);
    s[2] = cw__strdup(ino);
    s[3] = cw__strdup(size);
    s[4] = cw__strdup(mtime);
    l->nnew++; /* freed with the rest, even when incomplete */
    for (int k = 0; k < 5; k++)
        if (s[k] == NULL)
            return nomem(r);
    g[l->nnew - 1] = (cw_lnewfile){id, s[0], rows, s[1], s[2], s[3], s[4]};
    return CW_OK;
}

int cw__lrun_record(cw_run *r)
{
    struct cw_lrun *l = r->lg;
    const char *marks[3], **scopes;
    size_t nscopes = 0;
    int rc = CW_OK;

    if (l == NULL || !l->active)
        return CW_OK;
    warn_waiting(r);
    /* A tracked output with nothing new writes no file: an empty one
    ** would replace the last one, which may still wait to be imported. */
    for (size_t k = 0; k < l->n; k++) {
        cw_writer *w = r->out[k].out;
        unsigned long long total = 0, rows;

        if (!l->o[k].tracked || w == NULL)
            continue;
        for (size_t i = 0; i < cw__writer_nparts(w); i++) {
            cw__writer_part(w, i, &rows);
            total += rows;
        }
        if (total == 0) {
            cw__writer_close(w);
            r->out[k].out = NULL;
        }
    }
    if (r->dryrun)
        return CW_OK;
    for (size_t k = 0; rc == CW_OK && k < l->n; k++) {
        cw_writer *w = r->out[k].out;

        for (size_t i = 0;
             rc == CW_OK && w != NULL && l->o[k].tracked && i < l->o[k].nparts;
             i++)
            if (l->o[k].pfile[i] != 0)
                rc = note_file(r, w, i, l->o[k].pfile[i]);
    }
    if (rc != CW_OK)
        return rc;
    if (l->since != NULL && (l->havemax || l->from != NULL)) {
        l->to = cw__strdup(l->havemax ? l->max.p : l->from);
        if (l->to == NULL)
            return nomem(r);
        marks[0] = l->scopes_in;
        marks[1] = l->since;
        marks[2] = l->to;
    }
    scopes = cw__alloc((l->n ? l->n : 1) * sizeof *scopes);
    if (scopes == NULL)
        return nomem(r);
    for (size_t k = 0; k < l->n; k++)
        if (l->o[k].tracked)
            scopes[nscopes++] = l->o[k].scope;
    rc = cw__lstore_run_record(l->st, l->run, l->newf, l->nnew, marks,
                               l->to != NULL ? 1 : 0, scopes, nscopes);
    cw__free(scopes);
    if (rc != CW_OK)
        return cw__fail(&r->err, rc, "%s", cw__lstore_errmsg(l->st));
    l->recorded_ok = 1;
    return CW_OK;
}

void cw__lrun_finish(cw_run *r, int ok)
{
    struct cw_lrun *l = r->lg;
    int *in;
    size_t j = 0;

    if (l == NULL || !l->active || !l->recorded_ok)
        return;
    l->recorded_ok = 0;
    in = cw__alloc((l->nnew ? l->nnew : 1) * sizeof *in);
    if (in == NULL) {
        warn(r, cw__lstore_shown(l->st), 0, "W_LEDGER",
             "out of memory: the next run or 'crosswalk ledger status' "
             "records how this run ended");
        return;
    }
    /* The files were noted output by output, part by part. */
    for (size_t k = 0; k < l->n; k++) {
        cw_writer *w = r->out[k].out;
        size_t nr = w != NULL ? cw__writer_nrenamed(w) : 0;

        for (size_t i = 0; w != NULL && l->o[k].tracked && i < l->o[k].nparts;
             i++)
            if (l->o[k].pfile[i] != 0 && j < l->nnew)
                in[j++] = i < nr;
    }
    if (cw__lstore_run_finish(l->st, l->run, l->newf, in, l->nnew, ok) !=
        CW_OK) {
        l->msg.len = 0;
        if (cw__buf_printf(&l->msg,
                           "the ledger could not record how this run ended "
                           "(%s); the next run or 'crosswalk ledger status' "
                           "will, from the files in place",
                           cw__lstore_errmsg(l->st)) == CW_OK)
            warn(r, cw__lstore_shown(l->st), 0, "W_LEDGER", l->msg.p);
    }
    cw__free(in);
}

void cw__lrun_free(cw_run *r)
{
    struct cw_lrun *l = r->lg;

    if (l == NULL)
        return;
    cw__lstore_close(l->st); /* rolls back what is not committed, unlocks */
    for (size_t k = 0; k < l->n; k++) {
        lout *lo = &l->o[k];

        freestrs(lo->keynames, lo->nkeynames);
        cw__free(lo->key);
        cw__free(lo->scope);
        cw__free(lo->tab);
        cw__free(lo->pfile);
        cw__free(lo->prows);
        cw__buf_free(&lo->keytext);
        cw__buf_free(&lo->rowtext);
    }
    cw__free(l->o);
    for (size_t i = 0; i < l->nfiles; i++)
        cw__free(l->files[i].path);
    cw__free(l->files);
    freestrs(l->newstr, 5 * l->nnew);
    cw__free(l->newf);
    cw__free(l->decl);
    cw__free(l->set);
    cw__free(l->since);
    cw__free(l->recipe);
    cw__free(l->from);
    cw__free(l->to);
    cw__free(l->spec);
    cw__free(l->scopes_in);
    cw__free(l->shown);
    cw__buf_free(&l->max);
    cw__buf_free(&l->msg);
    cw__free(l);
    r->lg = NULL;
}

/* ==== What the run did ==== */

void cw_run_ledger_info(const cw_run *r, cw_ledgerrun *out)
{
    const struct cw_lrun *l = r->lg;

    memset(out, 0, sizeof *out);
    if (l == NULL || !l->active)
        return;
    out->target = l->shown;
    out->run = l->run;
    out->recorded = l->recorded;
    out->waiting = l->waiting;
    out->input = l->since != NULL ? r->main->name : NULL;
    out->since = l->since;
    out->from = l->from;
    out->to = l->to;
    out->before = l->before;
    out->pushed = l->pushed;
    out->full = l->full;
}

const char *cw_run_recipe_ledger(const cw_run *r)
{
    return r->loaded && r->lg != NULL ? r->lg->decl : NULL;
}

const char *cw_run_input_since(const cw_run *r, size_t i)
{
    if (!r->loaded || r->lg == NULL || i >= r->nin || !r->in[i].main)
        return NULL;
    return r->lg->since;
}

size_t cw_run_output_key(const cw_run *r, size_t i, const char *const **names)
{
    const lout *lo;

    if (!r->loaded || r->lg == NULL || i >= r->lg->n || i >= r->nout)
        return 0;
    lo = &r->lg->o[i];
    if (lo->decl != 1)
        return 0;
    if (names != NULL)
        *names = (const char *const *)lo->keynames;
    return lo->nkeynames;
}
