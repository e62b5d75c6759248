/*
** run.c -- one recipe run: streams the main input through the plan into
** the outputs and the rejects file, and keeps the accounting.
*/
#include "api/runint.h"
#include "api/runledger.h"

#include "core/check.h"
#include "csv/blockq.h"

#include <stdio.h>
#include <string.h>

/* ==== Running ==== */

/* Call the main source's function 'fn' on its handle. */
#define SRC(r, fn) ((r)->src.type->fn((r)->src.s))
#define MAX_WORKERS 8 /* default workers of a parallel section, at most */

static void problem(cw_run *r, const char *file, unsigned long line,
                    unsigned long col, const char *column, const char *code,
                    const char *message, int warning)
{
    cw_problem p = {file, line, col, column, code, message, warning};

    if (warning)
        r->sum.warnings++;
    if (r->onproblem != NULL)
        r->onproblem(r->onproblem_ud, &p);
}

static const cw_inputspec *inputpath(void *ud, const char *name)
{
    cw_run *r = ud;

    for (size_t i = 0; i < r->nin; i++)
        if (strcmp(r->in[i].name, name) == 0)
            return r->in[i].path != NULL ? &r->in[i].spec : NULL;
    return NULL;
}

/* The number of the main input's column named 'column', or 0. */
static unsigned long input_col(const cw_run *r, const char *column)
{
    for (size_t i = 0; column != NULL && i < r->norig; i++)
        if (strcmp(r->rejcols[i], column) == 0)
            return i + 1;
    return 0;
}

/* Write one record to the rejects file and count it. */
static int reject_cb(void *ud, cw_rec *rec, const cw_field *orig,
                     const char *column, const char *code, const char *msg)
{
    cw_run *r = ud;
    size_t n = r->norig;
    unsigned long col = input_col(r, column);
    char shown[CW_MSG_MAX + 1]; /* 'msg' escaped and cut */
    size_t slen = cw_safe_text(shown, sizeof shown, msg, strlen(msg));
    int rc;

    r->sum.rejected++;
    problem(r, rec->file, rec->line, col, column, code, shown, 0);
    if (r->rej == NULL && (rc = cw__run_open_rejects(r)) != CW_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        r->rejrow[i] = orig[i];
    r->rejline.len = 0;
    if (cw__buf_printf(&r->rejline, "%lu", rec->line) != CW_OK)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    r->rejrow[n] = (cw_field){rec->file, strlen(rec->file)};
    r->rejrow[n + 1] = (cw_field){r->rejline.p, r->rejline.len};
    r->rejrow[n + 2] =
        (cw_field){column ? column : "", column ? strlen(column) : 0};
    r->rejrow[n + 3] = (cw_field){code, strlen(code)};
    r->rejrow[n + 4] = (cw_field){shown, slen};
    rc = cw__writer_write(r->rej, r->rejrow);
    if (rc != CW_OK)
        cw__fail(&r->err, rc, "%s", cw__writer_errmsg(r->rej));
    return rc;
}

static void filtered_cb(void *ud)
{
    ((cw_run *)ud)->sum.filtered++;
}

static void merged_cb(void *ud)
{
    ((cw_run *)ud)->sum.merged++;
}

/* Warn when a distinct-capped value (an Effort Name) is spelled two ways
** that differ only in case or spacing. */
static int effort_spelling(cw_run *r, output *o, cw_rec *rec, cw_field v)
{
    char msg[2 * CW_EFFORT_MAX + 100];
    char **e;
    size_t cap = o->nefforts;

    if (v.p == NULL || v.len >= CW_EFFORT_MAX || o->nefforts > 1000)
        return CW_OK;
    if (cw__effort_seen(o->efforts, o->nefforts, v.p, v.len, msg, sizeof msg))
        return CW_OK;
    if (msg[0] != '\0')
        problem(r, rec->file, rec->line, 0, o->cols[o->opts.split_col],
                "W_EFFORT_SPELLING", msg, 1);
    e = cw__grow(o->efforts, &cap, o->nefforts + 1, sizeof *e);
    if (e == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    o->efforts = e;
    if ((e[o->nefforts] = cw__strndup(v.p, v.len)) == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    o->nefforts++;
    return CW_OK;
}

/* Apply the formulas policy of output 'o' to the value '*f' of its
** column 'i', which a spreadsheet would run as a formula: warn, quote
** '*f', or reject the record and set '*rejected'. */
static int formula(cw_run *r, output *o, size_t i, cw_rec *rec,
                   const cw_field *orig, cw_field *f, int *rejected)
{
    cw_verdict v;

    switch (o->formulas) {
    case CW_FORMULAS_REJECT:
        *rejected = 1;
        cw__formula_verdict(o->cols[i], f->p, f->len, "E_FORMULA", &v);
        return reject_cb(r, rec, orig, o->cols[i], v.code, v.msg);
    case CW_FORMULAS_QUOTE:
        if (cw__formula_quote(&o->scratch[i], &f->p, &f->len) != CW_OK)
            return cw__fail(&r->err, CW_ENOMEM, "out of memory");
        return CW_OK;
    case CW_FORMULAS_WARN:
        cw__formula_verdict(o->cols[i], f->p, f->len, "W_FORMULA", &v);
        problem(r, rec->file, rec->line, input_col(r, o->cols[i]), o->cols[i],
                v.code, v.msg, 1);
        return CW_OK;
    case CW_FORMULAS_OFF:
        break;
    }
    return CW_OK;
}

/* 1 when 'st' is an error status of enum cw_status. */
static int is_error(int st)
{
    switch (st) {
#define CW_CASE(name, value, text)                                             \
    case CW_##name:                                                            \
        return st < 0;
        CW_STATUS_MAP(CW_CASE)
#undef CW_CASE
    }
    return 0;
}

/* Deliver the values of callback output 'o' (of record 'rec') to its
** callback, each NUL-terminated. */
static int deliver(cw_run *r, output *o, const cw_rec *rec)
{
    cw_err e = {CW_OK, ""};
    cw_row row = {.output = o->name,
                  .ncols = o->ncols,
                  .names = (const char *const *)o->cols,
                  .values = o->rowvals,
                  .lens = o->rowlens,
                  .file = rec->file,
                  .line = rec->line};
    size_t off = 0;
    int rc;

    o->rowbuf.len = 0;
    for (size_t i = 0; i < o->ncols; i++)
        if (o->vals[i].p != NULL &&
            (cw__buf_add(&o->rowbuf, o->vals[i].p, o->vals[i].len) != CW_OK ||
             cw__buf_addc(&o->rowbuf, '\0') != CW_OK))
            return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < o->ncols; i++) {
        o->rowvals[i] = o->vals[i].p != NULL ? o->rowbuf.p + off : NULL;
        o->rowlens[i] = o->vals[i].p != NULL ? o->vals[i].len : 0;
        off += o->vals[i].p != NULL ? o->vals[i].len + 1 : 0;
    }
    if ((rc = o->rowfn(o->rowud, &row, &e)) == 0) {
        o->rows++;
        return CW_OK;
    }
    e.msg[sizeof e.msg - 1] = '\0';
    return cw__fail(&r->err, is_error(rc) ? rc : CW_EUSAGE, "outputs.%s: %s",
                    o->name,
                    e.msg[0] ? e.msg : "the row callback stopped the run");
}

/* A record passed every step: check it against each output's schema,
** then write it to every output. */
static int emit_cb(void *ud, cw_rec *rec, const cw_field *orig)
{
    cw_run *r = ud;
    cw_verdict v;
    int lg;

    for (size_t k = 0; k < r->nout; k++) {
        output *o = &r->out[k];

        if (o->plain) { /* nothing to check: pick the values */
            const size_t *idx = o->idx;
            cw_field *vals = o->vals;

            for (size_t i = 0; i < o->ncols; i++) {
                cw_field f = cw__rec_get(rec, idx[i]);

                vals[i].p = f.p;
                vals[i].len = f.len;
            }
            continue;
        }
        for (size_t i = 0; i < o->ncols; i++) {
            cw_field f = cw__rec_get(rec, o->idx[i]);
            const cw_colspec *c = o->spec[i];

            if (c != NULL) {
                /* Organizer: a value in every row, Organizer's booleans. */
                cw_colspec strict = cw__schema_strict(o->schema, c);

                if (cw__schema_check(&strict, f.p, f.len, &o->scratch[i], &f.p,
                                     &f.len, &v) != 0)
                    return reject_cb(r, rec, orig, o->cols[i], v.code, v.msg);
            }
            if (o->formulas != CW_FORMULAS_OFF && cw__formula(f.p, f.len)) {
                int rejected = 0;
                int rc = formula(r, o, i, rec, orig, &f, &rejected);

                if (rc != CW_OK || rejected)
                    return rc;
            }
            o->vals[i].p = f.p; /* member by member: a 16-byte copy of
                                 ** f, just stored in two halves, stalls */
            o->vals[i].len = f.len;
        }
    }
    /* A ledger: rows delivered before are not written again.  (Without
    ** one, the ledger's calls are skipped here: this runs for every row.) */
    if (r->ledger &&
        (lg = cw__lrun_emit(r, rec, orig, reject_cb)) != CW_LRUN_WRITE)
        return lg == CW_LRUN_DONE ? CW_OK : lg;
    for (size_t k = 0; k < r->nout; k++) {
        output *o = &r->out[k];
        int rc;

        if (r->ledger && cw__lrun_skip(r, k))
            continue;
        if (o->opts.split_col >= 0 &&
            (rc = effort_spelling(r, o, rec, o->vals[o->opts.split_col])) !=
                CW_OK)
            return rc;
        if (o->rowfn != NULL) {
            if ((rc = deliver(r, o, rec)) != CW_OK)
                return rc;
            continue;
        }
        if (o->table != NULL) {
            rc = o->db.type->write(o->db.s, o->vals, rec->file, rec->line);
            if (rc != CW_OK)
                return cw__fail(&r->err, rc, "%s", o->db.type->errmsg(o->db.s));
            continue;
        }
        rc = cw__writer_write(o->out, o->vals);
        if (rc != CW_OK)
            return cw__fail(&r->err, rc, "%s", cw__writer_errmsg(o->out));
        if (r->ledger && (rc = cw__lrun_written(r, k)) != CW_OK)
            return rc;
    }
    r->sum.written++;
    return CW_OK;
}

/* Check that the main input's header ('hidx': the layout index of each
** of its 'n' columns) has every required column of its schema: one
** error at the header, naming them and the header names close to them.
** Nothing is read then: the run fails before its first record. */
static int required_columns(cw_run *r, const size_t *hidx, size_t n)
{
    const cw_schema *s = r->main->schema;
    const char **missing =
        cw__alloc((s->ncols ? s->ncols : 1) * sizeof *missing);
    cw_buf msg = {0};
    char hint[200];
    size_t nm = 0;
    int rc;

    if (missing == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    for (size_t c = 0; c < s->ncols; c++) {
        const char *cn = s->cols[c].name;
        long idx = cw__layout_find(r->layout, cn, strlen(cn));
        size_t i = 0;

        if (!s->cols[c].required)
            continue;
        while (idx >= 0 && i < n && hidx[i] != (size_t)idx)
            i++;
        if (idx < 0 || i == n)
            missing[nm++] = cn;
    }
    if (nm == 0) {
        cw__free(missing);
        return CW_OK;
    }
    rc = cw__buf_printf(&msg, "%s:1: missing required column%s ", r->mainname,
                        nm > 1 ? "s" : "");
    for (size_t k = 0; k < nm && rc == CW_OK; k++)
        rc = cw__buf_printf(&msg, "%s'%s'", k ? ", " : "", missing[k]);
    if (rc == CW_OK)
        rc = cw__buf_printf(&msg, " of schema %s (input '%s')",
                            r->main->schema_name, r->main->name);
    cw__input_hint(&r->src, hint, sizeof hint);
    if (rc == CW_OK && hint[0] != '\0')
        rc = cw__buf_printf(&msg, "; %s", hint);
    else if (rc == CW_OK)
        rc = cw__schema_missing_hint(&msg, s, missing, nm,
                                     (const char *const *)r->rejcols, n);
    cw__free(missing);
    r->atheader = 1;
    if (rc != CW_OK)
        rc = cw__fail(&r->err, CW_ENOMEM, "out of memory");
    else
        rc = cw__fail(&r->err, CW_EINVALID, "%s", msg.p);
    cw__buf_free(&msg);
    return rc;
}

/* Read the main input's header, map it through the input schema, and
** prepare the rejects header. */
static int open_main(cw_run *r, size_t **hidx)
{
    input *in = r->main;
    size_t n;
    int rc;

    /* A database input is named by its kind and query: the connection
    ** string may hold a password and must not reach messages or files. */
    r->mainname =
        in->spec.read != NULL ? cw__strdup(in->path) : cw__input_name(in->path);
    if (r->mainname == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    /* A malformed CSV record is rejected like a ragged one (E_QUOTE), or
    ** with --strict stops the run. */
    rc = cw__input_openspec(&in->spec, r->strict ? 0 : CW_INPUT_RESYNC, &r->src,
                            &r->err);
    if (rc != CW_OK)
        return rc;
    r->src_open = 1;
    n = SRC(r, ncols);
    r->norig = n;
    *hidx = cw__alloc(n * sizeof **hidx);
    r->rejcols = cw__alloc((n + 5) * sizeof *r->rejcols);
    r->rejrow = cw__alloc((n + 5) * sizeof *r->rejrow);
    if (*hidx == NULL || r->rejcols == NULL || r->rejrow == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < n + 5; i++)
        r->rejcols[i] = NULL;
    r->nrejcols = n + 5;
    for (size_t i = 0; i < n; i++) {
        const char *name = r->src.type->colname(r->src.s, i);
        long s = -1;

        if ((r->rejcols[i] = cw__strdup(name)) == NULL)
            return cw__fail(&r->err, CW_ENOMEM, "out of memory");
        if (in->schema != NULL)
            s = cw__schema_find(in->schema, name, strlen(name));
        if (s >= 0)
            name = in->schema->cols[s].name; /* canonical spelling */
        if (cw__layout_intern(r->layout, name, strlen(name), &(*hidx)[i]) !=
            CW_OK)
            return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    }
    {
        static const char *const meta[] = {"_file", "_line", "_column", "_code",
                                           "_message"};

        for (size_t i = 0; i < 5; i++)
            if ((r->rejcols[n + i] = cw__strdup(meta[i])) == NULL)
                return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    }
    if (in->schema != NULL)
        return required_columns(r, *hidx, n);
    return CW_OK;
}

/* Check the fields of a row against the main input's schema.  Returns 0,
** or -1 after rejecting the record. */
static int check_input(cw_run *r, cw_rec *rec, const cw_field *orig,
                       const long *spec, size_t n, int *rc)
{
    for (size_t i = 0; i < n; i++) {
        const cw_colspec *c;
        const char *res;
        size_t reslen;
        cw_verdict v;

        if (spec[i] < 0)
            continue;
        c = &r->main->schema->cols[spec[i]];
        if (c->type == CW_T_TEXT && !c->required && !c->nonblank &&
            c->max_length < 0 && c->nrules == 0)
            continue;
        if (cw__schema_check(c, orig[i].p, orig[i].len, &r->checkbuf, &res,
                             &reslen, &v) != 0) {
            *rc = reject_cb(r, rec, orig, c->name, v.code, v.msg);
            return -1;
        }
    }
    return 0;
}

/* Tell the progress callback how far the main input is read: 'done' 1
** once it is read to its end. */
static void progress(cw_run *r, int done)
{
    cw_progress p = {r->sum.read, 0, 0, done};

    if (r->src.type->bytes != NULL)
        p.bytes = r->src.type->bytes(r->src.s, &p.total);
    r->onprogress(r->onprogress_ud, &p);
}

/* The main input's header, for resolving the recipe's names. */
typedef struct header {
    cw_run *r;
    const size_t *hidx; /* layout index of each header column */
    unsigned char *in;  /* per layout column: 1 when in the header */
    size_t nin;         /* count of 'in' */
} header;

static int header_has(void *ud, const char *name)
{
    header *h = ud;
    long i = cw__layout_find(h->r->layout, name, strlen(name));

    return i >= 0 && (size_t)i < h->nin && h->in[i];
}

static const char *header_column(void *ud, size_t i)
{
    header *h = ud;

    return i < h->r->norig ? cw__layout_name(h->r->layout, h->hidx[i]) : NULL;
}

/* The header's name for 'name' when the input's schema renamed a column
** spelled 'name' (an alias, another case) to it. */
static const char *header_canonical(void *ud, const char *name)
{
    header *h = ud;
    const cw_schema *s = h->r->main->schema;
    long k = s != NULL ? cw__schema_find(s, name, strlen(name)) : -1;

    if (k < 0 || strcmp(s->cols[k].name, name) == 0 ||
        !header_has(ud, s->cols[k].name))
        return NULL;
    return s->cols[k].name;
}

/* 1 when the input's schema has the column 'name' (or a family its
** prefixes name) that the header lacks. */
static int header_optional(void *ud, const char *name)
{
    header *h = ud;
    const cw_schema *s = h->r->main->schema;

    if (s == NULL || header_has(ud, name))
        return 0;
    for (size_t i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, name) == 0)
            return 1;
    return cw__schema_prefixed(s, name, strlen(name));
}

/* Resolve the recipe's names against the main input's header ('hidx':
** the layout index of each of its columns), before any record is read. */
static int resolve_header(cw_run *r, const size_t *hidx)
{
    size_t n = cw__layout_count(r->layout);
    header h = {r, hidx, cw__alloc(n ? n : 1), n};
    cw_buf what = {0};
    cw_namesrc src = {.ud = &h,
                      .has = header_has,
                      .column = header_column,
                      .canonical = header_canonical,
                      .optional = header_optional,
                      .run = 1};
    int rc;

    if (h.in == NULL ||
        cw__buf_printf(&what, "the header of %s", r->mainname) != CW_OK) {
        cw__free(h.in);
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    }
    memset(h.in, 0, n ? n : 1);
    for (size_t i = 0; i < r->norig; i++)
        h.in[hidx[i]] = 1;
    src.what = what.p;
    rc = cw__run_resolve(r, &src);
    if (rc != CW_OK)
        r->atheader = 1;
    cw__free(h.in);
    cw__buf_free(&what);
    return rc;
}

/* Report a name no record had (W_NEVER_SET). */
static void never_set(void *ud, const char *column, const char *msg)
{
    cw_run *r = ud;

    problem(r, r->recipe, 0, 0, column, "W_NEVER_SET", msg, 1);
}

/* Report each name a recipe function read that no record ever had and
** that the main input's schema does not know (W_NEVER_SET): a
** misspelling in Lua ('r.mesage_type') reads as nil. */
static int never_read(cw_run *r)
{
    size_t n = cw__layout_count(r->layout);
    const char **names = cw__alloc((n ? n : 1) * sizeof *names);
    const char *name, *step;
    cw_buf b = {0};
    int rc = CW_OK;

    if (names == NULL)
        return CW_ENOMEM;
    for (size_t i = 0; i < n; i++)
        names[i] = cw__layout_name(r->layout, i);
    for (size_t i = 0;
         rc == CW_OK && (name = cw__lua_missed(r->lua, i, &step)) != NULL;
         i++) {
        const cw_schema *s = r->main->schema;
        size_t len = strlen(name);
        int found;

        if (cw__layout_find(r->layout, name, len) >= 0 ||
            (s != NULL && (cw__schema_find(s, name, len) >= 0 ||
                           cw__schema_prefixed(s, name, len))))
            continue;
        b.len = 0;
        rc = cw__buf_printf(&b,
                            "%s: a function read column '%s', which no "
                            "record had",
                            step != NULL ? step : "a step", name);
        if (rc == CW_OK)
            rc = cw__names_suggest(&b, names, n, name, &found);
        if (rc == CW_OK)
            problem(r, r->recipe, 0, 0, name, "W_NEVER_SET", b.p, 1);
    }
    cw__buf_free(&b);
    cw__free(names);
    return rc;
}

/* Check that every input is given, make the output directory, open the
** main input and every output.  '*spec' maps each column of the main
** input to its schema column, or -1. */
static int prepare(cw_run *r, size_t **hidx, long **spec)
{
    int rc;

    for (size_t i = 0; i < r->nin; i++)
        if (r->in[i].path == NULL)
            return cw__fail(&r->err, CW_EUSAGE,
                            "input '%s' is not given (use --input %s%s=%sPATH)",
                            r->in[i].name, r->in[i].main ? "[" : "",
                            r->in[i].name, r->in[i].main ? "]" : "");
    if ((rc = cw__run_outdir(r)) != CW_OK)
        return rc;
    if ((rc = cw__plan_bind(r->plan, inputpath, r, &r->err)) != CW_OK)
        return rc;
    if ((rc = open_main(r, hidx)) != CW_OK ||
        (rc = resolve_header(r, *hidx)) != CW_OK ||
        (rc = cw__lrun_start(r)) != CW_OK)
        return rc;
    cw__plan_setwidth(r->plan, r->norig, r->src.type->fields != NULL);
    *spec = cw__alloc((r->norig ? r->norig : 1) * sizeof **spec);
    if (*spec == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->norig; i++) {
        const char *name = r->src.type->colname(r->src.s, i);

        (*spec)[i] = r->main->schema == NULL
                         ? -1
                         : cw__schema_find(r->main->schema, name, strlen(name));
    }
    if ((rc = cw__run_open_outputs(r)) != CW_OK)
        return rc;
    if (cw__plan_parallel(r->plan)) {
        long n = cw__blockq_cores();

        n = r->workers > 0    ? (long)r->workers
            : n < MAX_WORKERS ? n
                              : MAX_WORKERS;
        /* The run's own thread is one of them, in the recipe's state. */
        rc = cw__plan_workers(r->plan, (size_t)n - 1, cw__run_workerstate, r,
                              &r->stop, &r->err);
    }
    return rc;
}

int cw_run_exec(cw_run *r)
{
    cw_plan_cb cb = {r, emit_cb, reject_cb, filtered_cb, merged_cb};
    unsigned long stopline = 0;
    int ended = 0; /* the main input was read to its end */
    size_t *hidx = NULL;
    long *spec = NULL;
    cw_field *orig = NULL;
    cw_rec rec;
    int rc;

    if (!r->loaded || r->executed)
        return cw__fail(&r->err, CW_EUSAGE,
                        r->executed ? "a run executes once"
                                    : "load the recipe first");
    r->executed = 1;
    cw__rec_init(&rec, r->layout);
    rc = prepare(r, &hidx, &spec);
    if (rc != CW_OK)
        goto done;
    r->ledger = cw__lrun_active(r);
    for (size_t k = 0; k < r->nout; k++) {
        output *o = &r->out[k];

        o->plain = o->formulas == CW_FORMULAS_OFF;
        for (size_t i = 0; i < o->ncols; i++)
            o->plain = o->plain && o->spec[i] == NULL;
    }
    orig = cw__alloc((r->norig ? r->norig : 1) * sizeof *orig);
    if (orig == NULL) {
        rc = cw__fail(&r->err, CW_ENOMEM, "out of memory");
        goto done;
    }
    for (;;) {
        int st;
        size_t nf;

        if (r->stop) {
            rc = cw__fail(&r->err, CW_EINTR, "interrupted");
            break;
        }
        st = r->src.type->next(r->src.s);
        if (st == CW_DONE) {
            ended = 1;
            break;
        }
        if (st != CW_ROW && st != CW_EINVALID) {
            /* A read cut short by SIGINT is an interruption. */
            rc = cw__fail(&r->err, r->stop ? CW_EINTR : st, "%s",
                          r->stop ? "interrupted" : SRC(r, errmsg));
            stopline =
                r->src.type->errline != NULL ? SRC(r, errline) : SRC(r, line);
            break;
        }
        r->sum.read++;
        cw__rec_clear(&rec);
        if (cw__rec_fit(&rec) != CW_OK) {
            rc = cw__fail(&r->err, CW_ENOMEM, "out of memory");
            break;
        }
        rec.file = r->mainname;
        rec.line = SRC(r, line);
        rec.rownum = r->sum.read;
        if (r->src.type->fields != NULL) {
            cw_field *f = rec.f; /* read once: stores to fields could */
            size_t n = r->norig; /* alias it */

            r->src.type->fields(r->src.s, orig, n);
            for (size_t i = 0; i < n; i++) { /* rec fits the layout */
                f[hidx[i]].p = orig[i].p;
                f[hidx[i]].len = orig[i].len;
            }
        } else {
            nf = SRC(r, nfields);
            for (size_t i = 0; i < r->norig; i++) {
                orig[i].p = i < nf
                                ? r->src.type->field(r->src.s, i, &orig[i].len)
                                : NULL;
                if (i >= nf)
                    orig[i].len = 0;
                cw__rec_setview(&rec, hidx[i], orig[i].p, orig[i].len);
            }
        }
        /* A ledger's watermark: a CSV row read before is filtered. */
        if (st == CW_ROW && r->ledger && cw__lrun_before(r, orig, r->norig)) {
            r->sum.filtered++;
            continue;
        }
        if (st == CW_EINVALID) {
            unsigned long col = SRC(r, errcol);
            const char *msg = cw__input_errmsg(&r->src, r->norig, &r->msg);

            if (msg == NULL) {
                rc = cw__fail(&r->err, CW_ENOMEM, "out of memory");
                break;
            }
            rc = reject_cb(r, &rec, orig,
                           col > 0 && col <= r->norig ? r->rejcols[col - 1]
                                                      : NULL,
                           SRC(r, code), msg);
        } else if (r->main->schema == NULL ||
                   check_input(r, &rec, orig, spec, r->norig, &rc) == 0) {
            rc = cw__plan_push(r->plan, &rec, orig, &cb, &r->err);
        }
        if (rc != CW_OK)
            break;
        if (r->onprogress != NULL && r->sum.read % CW_PROGRESS_ROWS == 0)
            progress(r, 0);
    }
    if (r->onprogress != NULL)
        progress(r, ended);
    if (rc == CW_OK)
        rc = cw__plan_finish(r->plan, &rec, &cb, &r->err);
    if (rc == CW_OK && (cw__plan_unset(r->plan, never_set, r) != CW_OK ||
                        never_read(r) != CW_OK))
        rc = cw__fail(&r->err, CW_ENOMEM, "out of memory");
    if (rc == CW_OK && r->stop)
        rc = cw__fail(&r->err, CW_EINTR, "interrupted");
    if (rc == CW_OK) {
        cw_summary *s = &r->sum;

        if (s->read !=
            s->written + s->rejected + s->filtered + s->merged + s->sent_before)
            rc = cw__fail(&r->err, CW_EUSAGE,
                          "internal error: accounting does not add up");
    }
    if (rc == CW_OK)
        rc = cw__run_commit(r);
done:
    if (rc != CW_OK) {
        cw_summary *s = &r->sum;
        unsigned long long done =
            s->written + s->rejected + s->filtered + s->merged + s->sent_before;

        s->unprocessed = s->read > done ? s->read - done : 0;
        /* A read error's line, else the line of a record a worker of the
        ** parallel section failed on, else the record being read. */
        if (stopline == 0)
            stopline = cw__plan_failline(r->plan);
        if (r->src_open && !r->atheader)
            snprintf(r->stopped_at, sizeof r->stopped_at, "%s:%lu", r->mainname,
                     stopline ? stopline : SRC(r, line));
        cw__run_close_outputs(r); /* roll back what was not committed */
    }
    cw__rec_free(&rec);
    cw__free(orig);
    cw__free(hidx);
    cw__free(spec);
    return rc;
}

void cw_run_summary(const cw_run *r, cw_summary *out)
{
    *out = r->sum;
    out->rejects = r->sum.rejected > 0 ? r->rejects : NULL;
    out->stopped_at = r->stopped_at[0] ? r->stopped_at : NULL;
    out->noutputs = r->nparts;
    out->ledger = r->lg != NULL && cw__lrun_active(r);
}

const char *cw_run_output(const cw_run *r, size_t i, unsigned long long *rows)
{
    if (i >= r->nparts)
        return NULL;
    if (rows != NULL)
        *rows = r->partrows[i];
    return r->parts[i];
}
