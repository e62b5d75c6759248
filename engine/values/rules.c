/*
** rules.c -- the named rules that plans and schemas use: the registry
** (one row per rule: name, arguments, constructor, apply), the generic
** rules (trim, case, spaces, nonblank, enum, max_length), building a rule
** and applying it, and the helpers every rule file shares.  A rule owns
** its arguments and zones; applying it allocates nothing beyond growing
** the caller's scratch buffer.
*/
#include "values/rulekit.h"

#include "core/check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SHOW_BYTES 40 /* at most this much of a value goes into a message */
#define SHOW_CHARS 48 /* and at most this many characters once escaped */

/* ==== Helpers ==== */

void cw__value_trim(const char **s, size_t *len)
{
    while (*len > 0 && cw__byte_space(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && cw__byte_space((*s)[*len - 1]))
        (*len)--;
}

int cw__value_number(const char *s, size_t len)
{
    size_t i = 0, digits = 0;

    if (len > 0 && (s[0] == '-' || s[0] == '+'))
        i = 1;
    for (; i < len && cw__byte_digit(s[i]); i++)
        digits++;
    if (i < len && s[i] == '.')
        for (i++; i < len && cw__byte_digit(s[i]); i++)
            digits++;
    return digits > 0 && i == len;
}

/* At most SHOW_BYTES of the value and SHOW_CHARS once escaped. */
const char *cw__value_show(const char *s, size_t len, char *out)
{
    size_t i = 0, n = 0;

    while (i < len && i < SHOW_BYTES && n < SHOW_CHARS) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;

        if (c >= 0x20 && c < 0x7F) {
            out[n++] = (char)c;
            i++;
        } else if (c >= 0x80 && i + k <= len &&
                   cw__utf8_valid(s + i, k, NULL)) {
            memcpy(out + n, s + i, k);
            n += k;
            i += k;
        } else {
            snprintf(out + n, 5, "\\x%02x", c);
            n += 4;
            i++;
        }
    }
    if (i < len) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

int cw__reject(cw_verdict *v, const char *code, const char *fmt, ...)
{
    va_list ap;

    if (v != NULL) {
        v->code = code;
        va_start(ap, fmt);
        vsnprintf(v->msg, sizeof v->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Room for 'n' bytes (and a NUL) at the start of 'b'; or NULL when out
** of memory.  Once 'b' is big enough this never allocates, and it leaves
** the bytes in place: the value being rewritten may live in 'b' itself
** when rules are chained on one scratch buffer. */
static char *room(cw_buf *b, size_t n)
{
    char *p = cw__grow(b->p, &b->cap, n + 1, 1);

    if (p != NULL)
        b->p = p;
    return p;
}

int cw__rule_result(cw_buf *b, const char *p, size_t n, const char **res,
                    size_t *reslen, cw_verdict *v)
{
    char *q = room(b, n);

    if (q == NULL)
        return cw__reject(v, "E_NOMEM", "out of memory");
    memcpy(q, p, n);
    q[n] = '\0';
    b->len = n;
    *res = q;
    *reslen = n;
    return 0;
}

/* ==== The generic rules ==== */

/* Write the value, trimmed with inner white space runs made one space
** when 'collapse', and ASCII case changed by 'caseop' ('l', 'u' or 0),
** into 'b'.  Writing never overtakes reading, so 's' may lie in 'b'. */
static int rewrite(cw_buf *b, const char *s, size_t len, int collapse,
                   int caseop, const char **res, size_t *reslen, cw_verdict *v)
{
    char *q = room(b, len);
    size_t n = 0;
    int space = 0;

    if (q == NULL)
        return cw__reject(v, "E_NOMEM", "out of memory");
    if (collapse)
        cw__value_trim(&s, &len);
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];

        if (collapse && cw__byte_space(ch)) {
            space = 1;
            continue;
        }
        if (space)
            q[n++] = ' ';
        space = 0;
        if (caseop == 'l' && ch >= 'A' && ch <= 'Z')
            ch = (char)(ch + 32);
        else if (caseop == 'u' && ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 32);
        q[n++] = ch;
    }
    q[n] = '\0';
    b->len = n;
    *res = q;
    *reslen = n;
    return 0;
}

/* The rules that keep the value as it is ("nonblank": the registry
** refuses blank values before this). */
static int apply_keep(const void *data, const char *s, size_t len,
                      cw_buf *scratch, const char **res, size_t *reslen,
                      cw_verdict *v)
{
    (void)data;
    (void)s;
    (void)len;
    (void)scratch;
    (void)res;
    (void)reslen;
    (void)v;
    return 0;
}

static int apply_trim(const void *data, const char *s, size_t len,
                      cw_buf *scratch, const char **res, size_t *reslen,
                      cw_verdict *v)
{
    (void)data;
    (void)s;
    (void)len;
    (void)scratch;
    (void)v;
    cw__value_trim(res, reslen);
    return 0;
}

static int apply_lower(const void *data, const char *s, size_t len,
                       cw_buf *scratch, const char **res, size_t *reslen,
                       cw_verdict *v)
{
    (void)data;
    return rewrite(scratch, s, len, 0, 'l', res, reslen, v);
}

static int apply_upper(const void *data, const char *s, size_t len,
                       cw_buf *scratch, const char **res, size_t *reslen,
                       cw_verdict *v)
{
    (void)data;
    return rewrite(scratch, s, len, 0, 'u', res, reslen, v);
}

/* "collapse_spaces", and "effort_name" once it refused blank values. */
static int apply_collapse(const void *data, const char *s, size_t len,
                          cw_buf *scratch, const char **res, size_t *reslen,
                          cw_verdict *v)
{
    (void)data;
    return rewrite(scratch, s, len, 1, 0, res, reslen, v);
}

/* One allowed value of an enum rule. */
struct enumval {
    const char *p; /* its bytes, in the rule's block */
    size_t len;    /* their count */
};

/* What an enum rule keeps: one block holding the values, then their
** bytes. */
struct enumrule {
    size_t nvalues;         /* count of 'values' */
    int ignore_case;        /* compare ignoring ASCII case */
    struct enumval *values; /* allowed values, in the same block */
};

/* Build an enum rule from 'args' (values, ignore_case), copying the
** values into one block. */
static int make_enum(const cw_node *args, void **data, cw_err *err)
{
    const cw_node *vals = cw__node_get(args, "values");
    const cw_node *ic = cw__node_get(args, "ignore_case");
    size_t bytes = 0;
    struct enumrule *e;
    char *p;

    if (vals == NULL || vals->type != CW_NODE_TABLE || vals->narr == 0 ||
        vals->nkeys > 0)
        return cw__fail(err, CW_EUSAGE,
                        "rule 'enum': 'values' must be a list of strings");
    for (size_t i = 0; i < vals->narr; i++) {
        if (vals->arr[i] == NULL || vals->arr[i]->type != CW_NODE_STR)
            return cw__fail(err, CW_EUSAGE,
                            "rule 'enum': value %zu is not a string", i + 1);
        bytes += vals->arr[i]->len;
    }
    if (ic != NULL && ic->type != CW_NODE_BOOL && ic->type != CW_NODE_NIL)
        return cw__fail(err, CW_EUSAGE,
                        "rule 'enum': 'ignore_case' must be true or false");
    e = cw__alloc(sizeof *e + vals->narr * sizeof *e->values + bytes + 1);
    if (e == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory building rule 'enum'");
    e->nvalues = vals->narr;
    e->ignore_case = ic != NULL && ic->type == CW_NODE_BOOL && ic->b;
    e->values = (struct enumval *)(e + 1);
    p = (char *)(e->values + vals->narr);
    for (size_t i = 0; i < vals->narr; i++) {
        memcpy(p, vals->arr[i]->str, vals->arr[i]->len);
        e->values[i] = (struct enumval){p, vals->arr[i]->len};
        p += vals->arr[i]->len;
    }
    *data = e;
    return CW_OK;
}

/* The enum rule: the allowed spelling on a match. */
static int apply_enum(const void *data, const char *s, size_t len,
                      cw_buf *scratch, const char **res, size_t *reslen,
                      cw_verdict *v)
{
    const struct enumrule *r = data;
    char buf[CW_SHOW_SIZE];
    size_t n;
    int w;

    for (size_t i = 0; i < r->nvalues; i++) {
        const struct enumval *e = &r->values[i];

        if (len == e->len && memcmp(s, e->p, len) == 0) {
            *res = s;
            *reslen = len;
            return 0;
        }
        if (r->ignore_case && cw__eqi(s, len, e->p, e->len))
            return cw__rule_result(scratch, e->p, e->len, res, reslen, v);
    }
    if (v == NULL)
        return -1;
    v->code = "E_ENUM";
    w = snprintf(v->msg, sizeof v->msg,
                 "'%s' is not one of: ", cw__value_show(s, len, buf));
    n = w < 0 ? 0 : (size_t)w;
    for (size_t i = 0; i < r->nvalues && n < sizeof v->msg; i++) {
        const char *sep = i + 1 < r->nvalues ? ", " : "";

        if (n + r->values[i].len + strlen(sep) + 5 >= sizeof v->msg) {
            snprintf(v->msg + n, sizeof v->msg - n, "...");
            break;
        }
        w = snprintf(v->msg + n, sizeof v->msg - n, "%.*s%s",
                     (int)r->values[i].len, r->values[i].p, sep);
        n += w < 0 ? 0 : (size_t)w;
    }
    return -1;
}

/* Build a max_length rule from 'args': n, the most characters allowed. */
static int make_maxlen(const cw_node *args, void **data, cw_err *err)
{
    const cw_node *n = cw__node_get(args, "n");
    size_t *most;

    if (n == NULL || n->type != CW_NODE_NUM || !n->isint || n->num < 0 ||
        n->num > 1e15)
        return cw__fail(err, CW_EUSAGE,
                        "rule 'max_length': 'n' must be a whole number of "
                        "characters, 0 or more");
    most = cw__alloc(sizeof *most);
    if (most == NULL)
        return cw__fail(err, CW_ENOMEM,
                        "out of memory building rule 'max_length'");
    *most = (size_t)n->num;
    *data = most;
    return CW_OK;
}

/* The max_length rule: at most so many characters (UTF-8). */
static int apply_maxlen(const void *data, const char *s, size_t len,
                        cw_buf *scratch, const char **res, size_t *reslen,
                        cw_verdict *v)
{
    size_t most = *(const size_t *)data, n = 0;

    (void)scratch;
    (void)res;
    (void)reslen;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    if (n > most)
        return cw__reject(v, "E_MAXLEN",
                          "value has %zu character%s; at most %zu allowed", n,
                          n == 1 ? "" : "s", most);
    return 0;
}

/* ==== The registry ==== */

/* A NULL-terminated list of argument names, for a row. */
#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NOARGS ((const char *const[]){NULL})

/* The named rules, in the order messages list them.  Adding a rule is
** adding its row here and writing its functions. */
static const cw_rulekind kinds[] = {
    /* "true"/"false" */
    {"boolean", NOARGS, NULL, NULL, cw__boolean_apply, NULL, NULL},
    /* format: iso (default), us, date, us_date, iso_full; tz: output zone;
    ** input_tz: zone of naive values (default UTC); tzdir: zoneinfo */
    {"date", ARGS("format", "tz", "input_tz", "tzdir"), cw__date_make,
     cw__date_drop, cw__date_apply, NULL, NULL},
    /* Organizer's strict forms, the value unchanged */
    {"organizer_date", NOARGS, NULL, NULL, cw__orgdate_apply, NULL, NULL},
    /* E.164 */
    {"phone", NOARGS, NULL, NULL, cw__phone_apply, NULL, NULL},
    {"trim", NOARGS, NULL, NULL, apply_trim, NULL, NULL},
    {"lower", NOARGS, NULL, NULL, apply_lower, NULL, NULL},
    {"upper", NOARGS, NULL, NULL, apply_upper, NULL, NULL},
    /* trimmed, inner white space runs made one space */
    {"collapse_spaces", NOARGS, NULL, NULL, apply_collapse, NULL, NULL},
    {"nonblank", NOARGS, NULL, NULL, apply_keep, "E_REQUIRED",
     "value is required"},
    /* values: the allowed ones; ignore_case: match ignoring ASCII case */
    {"enum", ARGS("values", "ignore_case"), make_enum, NULL, apply_enum, NULL,
     NULL},
    /* n: the most characters (UTF-8) */
    {"max_length", ARGS("n"), make_maxlen, NULL, apply_maxlen, NULL, NULL},
    /* nonblank, then collapse_spaces */
    {"effort_name", NOARGS, NULL, NULL, apply_collapse, "E_EFFORT",
     "Effort Name is blank"},
};

#define NKINDS (sizeof kinds / sizeof kinds[0])

struct cw_rule {
    const cw_rulekind *kind; /* its row in the registry */
    void *data;              /* what kind->make built, or NULL */
};

const cw_rulekind *cw__rule_kind(size_t i)
{
    return i < NKINDS ? &kinds[i] : NULL;
}

/* The row named 'name', or NULL. */
static const cw_rulekind *findkind(const char *name)
{
    for (size_t i = 0; name != NULL && i < NKINDS; i++) {
        if (strcmp(name, kinds[i].name) == 0)
            return &kinds[i];
    }
    return NULL;
}

/* Fail with CW_EUSAGE: the printf-style 'fmt', then " (valid: ", the
** names in 'valid' and ")". */
static int fail_valid(cw_err *err, const char *const *valid, const char *fmt,
                      ...) CW_PRINTF(3, 4);

static int fail_valid(cw_err *err, const char *const *valid, const char *fmt,
                      ...)
{
    cw_buf b = {0};
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = cw__buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (rc != CW_OK || cw__buf_adds(&b, " (valid: ") != CW_OK ||
        cw__keys_list(&b, valid) != CW_OK || cw__buf_adds(&b, ")") != CW_OK)
        rc = cw__fail(err, CW_ENOMEM, "out of memory");
    else
        rc = cw__fail(err, CW_EUSAGE, "%s", b.p);
    cw__buf_free(&b);
    return rc;
}

/* Check that 'args' is absent or a table holding only the arguments of
** 'k'. */
static int check_args(const cw_rulekind *k, const cw_node *args, cw_err *err)
{
    if (args == NULL || args->type == CW_NODE_NIL)
        return CW_OK;
    if (args->type != CW_NODE_TABLE)
        return cw__fail(err, CW_EUSAGE, "rule '%s': arguments must be a table",
                        k->name);
    if (args->narr > 0)
        return fail_valid(err, k->args, "rule '%s': arguments must be named",
                          k->name);
    return cw__check_keys(args, k->args, "argument", err, "rule '%s'", k->name);
}

/*
** Build rule 'name' from 'args', which is only read: strings and zones
** are copied or loaded into the rule.  On failure '*out' is NULL and
** nothing needs freeing.
*/
int cw__rule_new(const char *name, const cw_node *args, cw_rule **out,
                 cw_err *err)
{
    const cw_rulekind *k = findkind(name);
    cw_rule *r;
    int rc;

    *out = NULL;
    if (k == NULL) {
        const char *names[NKINDS + 1];

        for (size_t i = 0; i < NKINDS; i++)
            names[i] = kinds[i].name;
        names[NKINDS] = NULL;
        return fail_valid(err, names, "unknown rule '%.64s'",
                          name != NULL ? name : "(null)");
    }
    rc = check_args(k, args, err);
    if (rc != CW_OK)
        return rc;
    r = cw__alloc(sizeof *r);
    if (r == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory building rule '%s'",
                        k->name);
    *r = (cw_rule){.kind = k};
    if (k->make != NULL && (rc = k->make(args, &r->data, err)) != CW_OK) {
        cw__rule_free(r);
        return rc;
    }
    *out = r;
    return CW_OK;
}

/* Free 'r' and what its row built.  NULL is a harmless no-op. */
void cw__rule_free(cw_rule *r)
{
    if (r == NULL)
        return;
    if (r->kind->drop != NULL)
        r->kind->drop(r->data);
    else
        cw__free(r->data);
    cw__free(r);
}

/* The name 'r' was built with; static storage. */
const char *cw__rule_name(const cw_rule *r)
{
    return r->kind->name;
}

/* 1 when 's' is empty or only white space. */
static int blank(const char *s, size_t len)
{
    cw__value_trim(&s, &len);
    return len == 0;
}

/*
** Apply 'r' to 's'.  Results that differ from the input are written to
** 'scratch', which grows only while it is smaller than a result: rules
** applied row after row allocate nothing once it has grown.  Should that
** growth fail, the value is refused with code "E_NOMEM".
*/
int cw__rule_apply(const cw_rule *r, const char *s, size_t len, cw_buf *scratch,
                   const char **res, size_t *reslen, cw_verdict *v)
{
    const cw_rulekind *k = r->kind;

    if (k->blank_code != NULL && (s == NULL || blank(s, len)))
        return cw__reject(v, k->blank_code, "%s", k->blank_msg);
    *res = s;
    *reslen = s != NULL ? len : 0;
    if (s == NULL)
        return 0;
    return k->apply(r->data, s, len, scratch, res, reslen, v);
}
