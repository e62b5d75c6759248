/*
** source.c -- opens sources by name and adapts the CSV reader to the
** source interface.  The database kinds live in source_sqlite.c and
** source_pgsql.c.
*/
#include "io/source.h"

#include "core/msg.h"
#include "csv/csvread.h"
#include "csv/decode.h"

#include <stdint.h>
#include <string.h>

/* ==== CSV, through csvread.c ==== */

/* The csv kind's handle is the reader itself. */
static cw_csv *csv(const cw_source *s)
{
    return (cw_csv *)(void *)(uintptr_t)s;
}

/* The options of a CSV source opened with 'flags' and the dialect 'd'
** (NULL: the default): resync when they have CW_INPUT_RESYNC. */
static void csv_opts(int flags, const cw_dialect *d, cw_csvopts *o)
{
    cw__csvopts_default(o);
    o->resync = (flags & CW_INPUT_RESYNC) != 0;
    cw__csvopts_dialect(o, d);
}

/* Make the reader 'r', just opened with status 'rc', the source at
** '*out' once its header is read; close it on failure. */
static int csv_start(int rc, cw_csv *r, cw_source **out, cw_err *err)
{
    *out = NULL;
    if (rc != CW_OK)
        return rc;
    if ((rc = cw__csv_header(r)) != CW_OK) {
        cw__fail(err, rc, "%s", cw__csv_errmsg(r));
        cw__csv_close(r);
        return rc;
    }
    *out = (cw_source *)(void *)r;
    return CW_OK;
}

/* Open the CSV file 'location' in the dialect 'd', with resync when
** 'flags' has CW_INPUT_RESYNC, and read its header. */
static int csv_openf(const char *location, int flags, const cw_dialect *d,
                     cw_source **out, cw_err *err)
{
    cw_csvopts o;
    cw_csv *r = NULL;
    int rc;

    csv_opts(flags, d, &o);
    rc = cw__csv_openfile(location, &o, &r, err);
    return csv_start(rc, r, out, err);
}

static int csv_open(const char *location, cw_source **out, cw_err *err)
{
    return csv_openf(location, 0, NULL, out, err);
}

static size_t csv_ncols(const cw_source *s)
{
    return cw__csv_ncols(csv(s));
}

static const char *csv_colname(const cw_source *s, size_t i)
{
    return cw__csv_colname(csv(s), i);
}

static int csv_next(cw_source *s)
{
    return cw__csv_next(csv(s));
}

static size_t csv_nfields(const cw_source *s)
{
    return cw__csv_nfields(csv(s));
}

static const char *csv_field(const cw_source *s, size_t i, size_t *len)
{
    return cw__csv_field(csv(s), i, len);
}

static void csv_fields(const cw_source *s, cw_field *out, size_t n)
{
    const cw_csv *r = csv(s);

    for (size_t i = 0; i < n; i++)
        out[i].p = cw__csv_field(r, i, &out[i].len);
}

static unsigned long csv_line(const cw_source *s)
{
    return cw__csv_line(csv(s));
}

static const char *csv_code(const cw_source *s)
{
    return cw__csv_code(csv(s));
}

static unsigned long csv_errcol(const cw_source *s)
{
    return cw__csv_errcol(csv(s));
}

static const char *csv_errmsg(const cw_source *s)
{
    return cw__csv_errmsg(csv(s));
}

static unsigned long csv_errline(const cw_source *s)
{
    return cw__csv_errline(csv(s));
}

static unsigned long long csv_bytes(const cw_source *s,
                                    unsigned long long *size)
{
    *size = cw__csv_size(csv(s));
    return cw__csv_offset(csv(s));
}

static void csv_close(cw_source *s)
{
    cw__csv_close(csv(s));
}

const struct cw_source_type cw_source_csv = {
    .name = "csv",
    .open = csv_open,
    .ncols = csv_ncols,
    .colname = csv_colname,
    .next = csv_next,
    .nfields = csv_nfields,
    .field = csv_field,
    .fields = csv_fields,
    .line = csv_line,
    .code = csv_code,
    .errcol = csv_errcol,
    .errmsg = csv_errmsg,
    .close = csv_close,
    .errline = csv_errline,
    .bytes = csv_bytes,
};

/* ==== Opening by name ==== */

static const struct cw_source_type *const kinds[] = {
    &cw_source_csv, &cw_source_sqlite, &cw_source_postgres, NULL};


/* The kind of source 'spec' names, and where its location starts. */
static const struct cw_source_type *kind_of(const char *spec,
                                            const char **location)
{
    const char *colon = strchr(spec, ':');

    *location = spec;
    if (cw__target_pguri(spec))
        return &cw_source_postgres;
    if (colon != NULL) {
        size_t n = (size_t)(colon - spec);

        for (size_t i = 0; kinds[i] != NULL; i++)
            if (strlen(kinds[i]->name) == n &&
                memcmp(kinds[i]->name, spec, n) == 0) {
                *location = colon + 1;
                return kinds[i];
            }
    }
    return &cw_source_csv;
}

int cw__input_iscsv(const char *spec)
{
    const char *location;

    return kind_of(spec, &location) == &cw_source_csv;
}

/* cw__input_openf() in the dialect 'd' (NULL: the default). */
static int open_named(const char *spec, int flags, const cw_dialect *d,
                      cw_input *in, cw_err *err)
{
    const char *location;
    int rc;

    *in = (cw_input){kind_of(spec, &location), NULL};
    if (in->type != &cw_source_csv && !cw__dialect_plain(d))
        return cw__fail(err, CW_EUSAGE,
                        "a delimiter, quote or encoding is for CSV files; "
                        "this input is a %s database",
                        in->type->name);
    if (in->type != &cw_source_csv && d != NULL && d->stray_quotes != 0)
        return cw__fail(err, CW_EUSAGE,
                        "stray quotes (keep or reject) are for CSV files; "
                        "this input is a %s database",
                        in->type->name);
    if (in->type != &cw_source_csv)
        return in->type->open(location, &in->s, err);
    if (location != spec)
        return csv_openf(location, flags, d, &in->s, err);
    /* Not a file: a connection string without its prefix is not shown. */
    if ((rc = csv_openf(spec, flags, d, &in->s, err)) != CW_OK &&
        cw__target_conninfo(spec))
        return cw__target_refuse(err, spec,
                                 "a CSV path, sqlite:PATH#TABLE_OR_QUERY, "
                                 "postgres:CONNINFO#TABLE_OR_QUERY or "
                                 "postgresql://...#TABLE_OR_QUERY");
    return rc;
}

int cw__input_open(const char *spec, cw_input *in, cw_err *err)
{
    return open_named(spec, 0, NULL, in, err);
}

int cw__input_openf(const char *spec, int flags, cw_input *in, cw_err *err)
{
    return open_named(spec, flags, NULL, in, err);
}

int cw__input_openspec(const cw_inputspec *spec, int flags, cw_input *in,
                       cw_err *err)
{
    cw_csvopts o;
    cw_csv *r = NULL;
    int rc;

    if (spec->read == NULL)
        return open_named(spec->path, flags, spec->dialect, in, err);
    *in = (cw_input){&cw_source_csv, NULL};
    csv_opts(flags, spec->dialect, &o);
    rc = cw__csv_open(spec->path, spec->read, spec->ud, &o, &r, err);
    return csv_start(rc, r, &in->s, err);
}

const char *cw__input_hint(const cw_input *in, char *buf, size_t size)
{
    if (in->type != &cw_source_csv || in->s == NULL) {
        if (size > 0)
            buf[0] = '\0';
        return buf;
    }
    return cw__csv_hint(csv(in->s), buf, size);
}

char *cw__input_name(const char *spec)
{
    const char *hash = strchr(spec, '#');
    cw_buf b = {0};

    if (strncmp(spec, "postgres:", 9) != 0 && !cw__target_pguri(spec))
        return cw__strdup(spec);
    if (cw__buf_printf(&b, "postgres:%s", hash ? hash : "") != CW_OK)
        return NULL;
    return b.p;
}

void cw__input_close(cw_input *in)
{
    if (in->s != NULL)
        in->type->close(in->s);
    in->s = NULL;
}

const char *cw__input_errmsg(const cw_input *in, size_t ncols, cw_buf *b)
{
    const char *msg = cw__msg_nopos(in->type->errmsg(in->s));
    size_t nf = in->type->nfields(in->s);

    if (nf <= ncols)
        return msg;
    b->len = 0;
    if (cw__buf_printf(b, "%s; extra fields: ", msg) != CW_OK)
        return NULL;
    for (size_t i = ncols; i < nf; i++) {
        size_t len = 0;
        const char *f = in->type->field(in->s, i, &len);

        if ((i > ncols && cw__buf_addc(b, ',') != CW_OK) ||
            cw__buf_addc(b, '"') != CW_OK)
            return NULL;
        for (size_t k = 0; k < len; k++)
            if ((f[k] == '"' && cw__buf_addc(b, '"') != CW_OK) ||
                cw__buf_addc(b, f[k]) != CW_OK)
                return NULL;
        if (cw__buf_addc(b, '"') != CW_OK)
            return NULL;
    }
    return b->p;
}

/* ==== Database rows ==== */

/* The cw_dbrow a database kind's struct begins with. */
#define ROW(s) ((const cw_dbrow *)(const void *)(s))

int cw__dbrow_alloc(cw_dbrow *r, size_t ncols)
{
    r->ncols = ncols;
    r->names = cw__alloc(ncols * sizeof *r->names);
    r->vals = cw__alloc(ncols * sizeof *r->vals);
    r->lens = cw__alloc(ncols * sizeof *r->lens);
    if (r->names == NULL || r->vals == NULL || r->lens == NULL) {
        cw__free(r->names);
        r->names = NULL;
        return CW_ENOMEM;
    }
    for (size_t i = 0; i < ncols; i++)
        r->names[i] = NULL;
    return CW_OK;
}

void cw__dbrow_free(cw_dbrow *r)
{
    for (size_t i = 0; r->names != NULL && i < r->ncols; i++)
        cw__free(r->names[i]);
    cw__free(r->names);
    cw__free(r->vals);
    cw__free(r->lens);
}

int cw__dbrow_istable(const char *what)
{
    for (const char *p = what; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'))
            return 0;
    return 1;
}

size_t cw__dbrow_ncols(const cw_source *s)
{
    return ROW(s)->ncols;
}

const char *cw__dbrow_colname(const cw_source *s, size_t i)
{
    return i < ROW(s)->ncols ? ROW(s)->names[i] : NULL;
}

size_t cw__dbrow_nfields(const cw_source *s)
{
    return ROW(s)->have ? ROW(s)->ncols : 0;
}

const char *cw__dbrow_field(const cw_source *s, size_t i, size_t *len)
{
    if (i >= cw__dbrow_nfields(s)) {
        if (len != NULL)
            *len = 0;
        return NULL;
    }
    if (len != NULL)
        *len = ROW(s)->lens[i];
    return ROW(s)->vals[i];
}

unsigned long cw__dbrow_line(const cw_source *s)
{
    return ROW(s)->nrow;
}

const char *cw__dbrow_code(const cw_source *s)
{
    return ROW(s)->err.code != CW_OK ? "E_DB" : "";
}

unsigned long cw__dbrow_errcol(const cw_source *s)
{
    (void)s;
    return 0;
}

const char *cw__dbrow_errmsg(const cw_source *s)
{
    return ROW(s)->err.msg;
}
