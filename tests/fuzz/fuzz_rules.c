/*
** fuzz_rules.c -- fuzz target for the value rules (engine/values/rules.h).
** The first byte chooses what the rest goes through: the boolean rule,
** the date rule (parsed, converted between two zones the second byte
** picks from the system's zoneinfo, written in every form), the phone
** rule, the effort-name key and spelling check, or every named rule of
** the registry as plans and schemas build them.  Beside the sanitizers,
** it checks what a rule promises: a boolean is 0 or 1, an accepted phone
** number is E.164 and accepted again unchanged, a date written out reads
** back as the same date, an effort key is its own key.
*/
#include "fuzz.h"

#include "values/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The zones dates are converted between: DST both ways, half and
** quarter hours, a skipped day, and NULL for UTC. */
static const char *const zonenames[] = {
    "America/New_York", "Europe/London",    "Australia/Lord_Howe",
    "Pacific/Chatham",  "America/St_Johns", "Asia/Kathmandu",
    "Pacific/Apia",     "Africa/Casablanca"};
#define NZONES (sizeof zonenames / sizeof zonenames[0])
static cw_tz *zones[NZONES + 1]; /* the last is NULL: UTC */

/* The named rules, built once: every row of the registry, and more
** than one of those that take arguments. */
static cw_rule *rules[32];
static size_t nrules;

/* Stop the run: a rule broke a promise. */
static void broken(const char *what, const uint8_t *s, size_t len)
{
    fprintf(stderr, "fuzz_rules: %s: '%.*s'\n", what, (int)len,
            (const char *)s);
    abort();
}

/* A string node, or a table node of 'n' key/value pairs (values nodes). */
static cw_node *str(const char *s)
{
    cw_node *n = cw__node_new(CW_NODE_STR);

    if (n == NULL || (n->str = cw__strdup(s)) == NULL)
        abort();
    n->len = strlen(s);
    return n;
}

static cw_node *table(const char *const *keys, cw_node **vals, size_t n)
{
    cw_node *t = cw__node_new(CW_NODE_TABLE);

    if (t == NULL)
        abort();
    for (size_t i = 0; i < n; i++)
        if (cw__node_setkey(t, keys[i], strlen(keys[i]), vals[i]) != CW_OK)
            abort();
    cw__node_finish(t);
    return t;
}

/* Build the rule 'name' with 'args' (freed here) into rules[]. */
static void addrule(const char *name, cw_node *args)
{
    cw_err err = {0};

    if (nrules == sizeof rules / sizeof rules[0] ||
        cw__rule_new(name, args, &rules[nrules], &err) != CW_OK) {
        fprintf(stderr, "fuzz_rules: rule '%s': %s\n", name, err.msg);
        abort();
    }
    nrules++;
    cw__node_free(args);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const datekeys[] = {"format", "input_tz", "tz"};
    static const char *const forms[] = {"iso", "us", "date", "us_date",
                                        "iso_full"};
    const cw_rulekind *k;
    cw_err err = {0};

    (void)argc;
    (void)argv;
    for (size_t i = 0; i < NZONES; i++) {
        if (cw__tz_read(NULL, zonenames[i], &zones[i], &err) != CW_OK) {
            fprintf(stderr, "fuzz_rules: %s (install tzdata)\n", err.msg);
            abort();
        }
    }
    for (size_t i = 0; (k = cw__rule_kind(i)) != NULL; i++)
        if (k->make == NULL)
            addrule(k->name, NULL);
    for (size_t i = 0; i < 5; i++) {
        cw_node *v[3];

        v[0] = str(forms[i]);
        v[1] = str(zonenames[i % NZONES]);
        v[2] = str(zonenames[(i + 3) % NZONES]);
        addrule("date", table(datekeys, v, 3));
    }
    addrule("date", NULL);
    for (int ic = 0; ic < 2; ic++) {
        static const char *const enumkeys[] = {"ignore_case", "values"};
        cw_node *v[2];

        v[0] = cw__node_new(CW_NODE_BOOL);
        v[1] = cw__node_new(CW_NODE_TABLE);
        if (v[0] == NULL || v[1] == NULL ||
            cw__node_push(v[1], str("yes")) != CW_OK ||
            cw__node_push(v[1], str("No")) != CW_OK ||
            cw__node_push(v[1], str("\xC3\xA9t\xC3\xA9")) != CW_OK)
            abort();
        v[0]->b = ic;
        addrule("enum", table(enumkeys, v, 2));
    }
    {
        static const char *const nkey[] = {"n"};
        cw_node *v = cw__node_new(CW_NODE_NUM);

        if (v == NULL)
            abort();
        v->num = 3;
        v->isint = 1;
        addrule("max_length", table(nkey, &v, 1));
    }
    return 0;
}

/* The boolean rule: 0 or 1 when accepted, a code when not. */
static void try_bool(const uint8_t *s, size_t len)
{
    cw_verdict v;
    int b = -1;

    if (cw__rule_bool((const char *)s, len, &b, &v) == 0) {
        if (b != 0 && b != 1)
            broken("boolean neither 0 nor 1", s, len);
    } else if (v.code == NULL) {
        broken("boolean rejected without a code", s, len);
    }
}

/* The date rule: parse, convert from zone 'zi' to zone 'zo', write every
** form; the naive ISO form read back gives the same date and time. */
static void try_date(unsigned zi, unsigned zo, const uint8_t *s, size_t len)
{
    cw_datetime dt, back;
    cw_verdict v;
    char out[32];
    size_t n;

    cw__rule_date_organizer((const char *)s, len, &v);
    if (cw__rule_date_parse((const char *)s, len, &dt, &v) != 0)
        return;
    if (cw__rule_date_convert(&dt, zones[zi % (NZONES + 1)],
                              zones[zo % (NZONES + 1)], &v) != 0)
        return;
    for (int f = CW_DATEFMT_ISO; f <= CW_DATEFMT_ISO_FULL; f++) {
        n = cw__rule_date_format(&dt, (enum cw_datefmt)f, out);
        if (n >= sizeof out || strlen(out) != n)
            broken("date written past its buffer", s, len);
    }
    if (dt.year < 1 || dt.year > 9999)
        return;
    n = cw__rule_date_format(&dt, CW_DATEFMT_ISO, out);
    if (cw__rule_date_parse(out, n, &back, &v) != 0)
        broken("a written date does not read back", s, len);
    if (back.year != dt.year || back.month != dt.month || back.day != dt.day ||
        back.hour != dt.hour || back.min != dt.min)
        broken("a written date reads back as another", s, len);
}

/* The phone rule: '+' and 8 to 15 digits, accepted again unchanged. */
static void try_phone(const uint8_t *s, size_t len)
{
    char out[17], again[17];
    size_t n = 0, m = 0;
    cw_verdict v;

    if (cw__rule_phone((const char *)s, len, out, &n, &v) != 0)
        return;
    if (n < 9 || n > 16 || out[0] != '+' ||
        strspn(out + 1, "0123456789") != n - 1)
        broken("accepted phone is not E.164", s, len);
    if (cw__rule_phone(out, n, again, &m, &v) != 0 || m != n ||
        memcmp(out, again, n) != 0)
        broken("E.164 phone not accepted unchanged", s, len);
}

/* The effort key (no longer than the name, its own key) and the
** spelling check against the names the input holds, split at '\n'. */
static void try_effort(const uint8_t *s, size_t len)
{
    char *seen[8], *key, *key2, msg[CW_EFFORT_MAX + 256];
    size_t n = 0, k, k2, at = 0;

    key = malloc(len + 1);
    key2 = malloc(len + 1);
    if (key == NULL || key2 == NULL)
        abort();
    k = cw__effort_key((const char *)s, len, key);
    if (k > len)
        broken("effort key longer than the name", s, len);
    k2 = cw__effort_key(key, k, key2);
    if (k2 != k || memcmp(key, key2, k) != 0)
        broken("effort key is not its own key", s, len);
    free(key);
    free(key2);
    while (at < len && n < 8) {
        const uint8_t *nl = memchr(s + at, '\n', len - at);
        size_t l = nl != NULL ? (size_t)(nl - (s + at)) : len - at;

        if (l >= CW_EFFORT_MAX)
            l = CW_EFFORT_MAX - 1;
        if (cw__effort_seen(seen, n, (const char *)s + at, l, msg,
                            sizeof msg) == 0 &&
            (seen[n] = malloc(l + 1)) != NULL) {
            memcpy(seen[n], s + at, l);
            seen[n++][l] = '\0';
        }
        at += l + 1;
    }
    for (size_t i = 0; i < n; i++)
        free(seen[i]);
}

/* Every named rule, on the value and on null. */
static void try_named(const uint8_t *s, size_t len)
{
    cw_buf scratch = {0};
    const char *res;
    size_t reslen;
    cw_verdict v;

    for (size_t i = 0; i < nrules; i++) {
        cw__rule_apply(rules[i], (const char *)s, len, &scratch, &res, &reslen,
                       &v);
        cw__rule_apply(rules[i], NULL, 0, &scratch, &res, &reslen, &v);
    }
    cw__buf_free(&scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *s;

    if (size < 2)
        return 0;
    /* An exact copy, so that ASan catches any read past the value. */
    s = malloc(size - 2 ? size - 2 : 1);
    if (s == NULL)
        return 0;
    memcpy(s, data + 2, size - 2);
    switch (data[0] % 5) {
    case 0:
        try_bool(s, size - 2);
        break;
    case 1:
        try_date(data[1] & 15, data[1] >> 4, s, size - 2);
        break;
    case 2:
        try_phone(s, size - 2);
        break;
    case 3:
        try_effort(s, size - 2);
        break;
    default:
        try_named(s, size - 2);
        break;
    }
    free(s);
    return 0;
}
