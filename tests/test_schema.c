/*
** test_schema.c -- unit tests for schemas: building one from a node tree,
** loading the shipped schemas, finding columns by name, alias and prefix,
** the value check of every column type, malformed schemas, unknown keys
** at every level, and the out-of-memory sweep.  Fixtures: tests/data/schema (a
*home with its own
** schemas/ for the broken files); the real schemas come from
** $CW_SOURCE_DIR.
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "values/schema.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The repository root (ctest sets CW_SOURCE_DIR). */
static const char *root(void)
{
    const char *r = getenv("CW_SOURCE_DIR");

    return r != NULL ? r : ".";
}

/* The home of the broken fixture schemas (static storage). */
static const char *fixtures(void)
{
    static char path[1024];

    snprintf(path, sizeof path, "%s/tests/data/schema", root());
    return path;
}

/* ==== Node builders ==== */

static cw_node *str(const char *s)
{
    cw_node *n = cw__node_new(CW_NODE_STR);

    assert_non_null(n);
    n->str = cw__strdup(s);
    assert_non_null(n->str);
    n->len = strlen(s);
    return n;
}

static cw_node *num(double x)
{
    cw_node *n = cw__node_new(CW_NODE_NUM);

    assert_non_null(n);
    n->num = x;
    n->isint = x == (double)(long long)x;
    return n;
}

static cw_node *boolean(int b)
{
    cw_node *n = cw__node_new(CW_NODE_BOOL);

    assert_non_null(n);
    n->b = b;
    return n;
}

/* A table of string keys: tab("k1", v1, "k2", v2, ..., NULL). */
static cw_node *tab(const char *k, ...)
{
    cw_node *t = cw__node_new(CW_NODE_TABLE);
    va_list ap;

    assert_non_null(t);
    va_start(ap, k);
    for (; k != NULL; k = va_arg(ap, const char *)) {
        cw_node *v = va_arg(ap, cw_node *);

        assert_int_equal(cw__node_setkey(t, k, strlen(k), v), CW_OK);
    }
    va_end(ap);
    cw__node_finish(t);
    return t;
}

/* A list of nodes: arr(n1, n2, ..., NULL). */
static cw_node *arr(cw_node *first, ...)
{
    cw_node *t = cw__node_new(CW_NODE_TABLE);
    va_list ap;

    assert_non_null(t);
    va_start(ap, first);
    for (cw_node *n = first; n != NULL; n = va_arg(ap, cw_node *))
        assert_int_equal(cw__node_push(t, n), CW_OK);
    va_end(ap);
    return t;
}

/* A list of strings: strs("a", "b", ..., NULL). */
static cw_node *strs(const char *first, ...)
{
    cw_node *t = cw__node_new(CW_NODE_TABLE);
    va_list ap;

    assert_non_null(t);
    va_start(ap, first);
    for (const char *s = first; s != NULL; s = va_arg(ap, const char *))
        assert_int_equal(cw__node_push(t, str(s)), CW_OK);
    va_end(ap);
    return t;
}

/* The hand-built schema used by several tests. */
static cw_node *sample_tree(void)
{
    return tab(
        "name", str("test/sample"), "title", str("A sample"), "organizer",
        boolean(1), "spreadsheet", boolean(1), "max_bytes", num(1000), "key",
        strs("Profile ID", NULL), "distinct",
        tab("column", str("Status"), "max", num(2), NULL), "prefixes",
        arr(tab("prefix", str("KQ: "), "type", str("text"), NULL),
            str("Extra "), NULL),
        "columns",
        arr(tab("name", str("Profile ID"), "type", str("id"), "required",
                boolean(1), "aliases", strs("profile_id", "ProfileID", NULL),
                NULL),
            tab("name", str("Status"), "type", str("enum"), "values",
                strs("open", "closed", NULL), "nonblank", boolean(1), NULL),
            tab("name", str("Note"), "max_length", num(5), NULL),
            tab("name", str("When"), "type", str("datetime"), "format",
                str("organizer"), "aliases", str("Date"), NULL),
            tab("name", str("Tag"), "rules",
                arr(str("collapse_spaces"),
                    tab("rule", str("max_length"), "args",
                        tab("n", num(6), NULL), NULL),
                    NULL),
                NULL),
            tab("name", str("id"), NULL), tab("name", str("ID"), NULL), NULL),
        NULL);
}

/* Build a schema from 'tree' (freed here), which must succeed. */
static cw_schema *build(cw_node *tree)
{
    cw_schema *s = NULL;
    cw_err err = {0};

    if (cw__schema_from_node(tree, "test.lua", &s, &err) != CW_OK)
        fail_msg("schema: %s", err.msg);
    cw__node_free(tree);
    assert_non_null(s);
    return s;
}

/* ==== Building and loading ==== */

/* Every field of the tree lands in the schema. */
static void test_schema_from_node(void **state)
{
    cw_schema *s = build(sample_tree());
    const cw_colspec *c;

    (void)state;
    assert_string_equal(s->name, "test/sample");
    assert_string_equal(s->title, "A sample");
    assert_int_equal(s->organizer, 1);
    assert_int_equal(s->spreadsheet, 1);
    assert_int_equal(s->max_bytes, 1000);
    assert_int_equal(s->nkey, 1);
    assert_string_equal(s->key[0], "Profile ID");
    assert_string_equal(s->distinct_col, "Status");
    assert_int_equal(s->distinct_max, 2);
    assert_int_equal(s->nprefixes, 2);
    assert_string_equal(s->prefixes[0], "KQ: ");
    assert_string_equal(s->prefixes[1], "Extra ");
    assert_int_equal(s->ncols, 7);

    c = &s->cols[0];
    assert_string_equal(c->name, "Profile ID");
    assert_int_equal(c->type, CW_T_ID);
    assert_int_equal(c->required, 1);
    assert_int_equal(c->nonblank, 0);
    assert_int_equal(c->max_length, -1);
    assert_int_equal(c->naliases, 2);
    assert_string_equal(c->aliases[1], "ProfileID");

    c = &s->cols[1];
    assert_int_equal(c->type, CW_T_ENUM);
    assert_int_equal(c->required, 0);
    assert_int_equal(c->nonblank, 1);
    assert_int_equal(c->nvalues, 2);
    assert_string_equal(c->values[0], "open");
    assert_string_equal(c->values[1], "closed");

    c = &s->cols[2];
    assert_int_equal(c->type, CW_T_TEXT); /* the default type */
    assert_int_equal(c->max_length, 5);

    c = &s->cols[3];
    assert_int_equal(c->type, CW_T_DATETIME);
    assert_int_equal(c->organizer_dates, 1);
    assert_int_equal(c->naliases, 1); /* one string is a one-item list */
    assert_string_equal(c->aliases[0], "Date");

    c = &s->cols[4];
    assert_int_equal(c->nrules, 2);
    assert_string_equal(cw__rule_name(c->rules[0]), "collapse_spaces");
    assert_string_equal(cw__rule_name(c->rules[1]), "max_length");
    assert_string_equal(cw__coltype_name(CW_T_DATETIME), "datetime");
    assert_string_equal(cw__coltype_name(CW_T_JSON), "json");
    cw__schema_free(s);
    cw__schema_free(NULL);

    /* Without name and title: 'where' and "". */
    s = build(tab("columns", arr(tab("name", str("x"), NULL), NULL), NULL));
    assert_string_equal(s->name, "test.lua");
    assert_string_equal(s->title, "");
    assert_int_equal(s->organizer, 0);
    assert_int_equal(s->spreadsheet, 0);
    assert_int_equal(s->spreadsheet, 0);
    assert_int_equal(s->max_bytes, 0);
    assert_null(s->distinct_col);
    assert_int_equal(s->nkey, 0);
    assert_int_equal(s->nprefixes, 0);
    cw__schema_free(s);
}

/* Load schema 'name' from the repository, which must succeed. */
static cw_schema *load(const char *name)
{
    cw_schema *s = NULL;
    cw_err err = {0};

    if (cw__schema_load(root(), name, &s, &err) != CW_OK)
        fail_msg("%s: %s", name, err.msg);
    assert_non_null(s);
    assert_string_equal(s->name, name);
    return s;
}

/* Index of column 'name' in 's' (exact spelling), failing when absent. */
static const cw_colspec *col(const cw_schema *s, const char *name)
{
    long i = cw__schema_find(s, name, strlen(name));

    if (i < 0)
        fail_msg("no column '%s' in %s", name, s->name);
    assert_string_equal(s->cols[i].name, name);
    return &s->cols[i];
}

/* The shipped schemas load with their limits, types and prefixes. */
static void test_schema_load_real(void **state)
{
    cw_schema *s;
    const cw_colspec *c;

    (void)state;
    s = load("organizer/text_interactions");
    assert_int_equal(s->ncols, 10);
    assert_int_equal(s->organizer, 1);
    assert_int_equal(s->max_bytes, 500000000);
    assert_string_equal(s->distinct_col, "Effort Name");
    assert_int_equal(s->distinct_max, 5);
    assert_int_equal(s->nkey, 2);
    assert_string_equal(s->key[1], "Effort Name");
    assert_string_equal(s->cols[0].name, "Profile ID");
    c = col(s, "Profile ID");
    assert_int_equal(c->type, CW_T_ID);
    assert_int_equal(c->required, 1);
    c = col(s, "Effort Name");
    assert_int_equal(c->nrules, 1);
    assert_string_equal(cw__rule_name(c->rules[0]), "effort_name");
    c = col(s, "Date/Time");
    assert_int_equal(c->type, CW_T_DATETIME);
    assert_int_equal(c->organizer_dates, 1);
    c = col(s, "Replied");
    assert_int_equal(c->type, CW_T_BOOLEAN);
    assert_int_equal(c->required, 0);
    assert_int_equal(s->nprefixes, 0);
    assert_int_equal(cw__schema_prefixed(s, "Replied", 7), 0);
    cw__schema_free(s);

    s = load("impactive/messages");
    assert_int_equal(s->organizer, 0);
    assert_int_equal(s->spreadsheet, 1);
    assert_int_equal(s->max_bytes, 0);
    assert_null(s->distinct_col);
    assert_int_equal(s->nkey, 1);
    assert_string_equal(s->key[0], "id");
    c = col(s, "message_type");
    assert_int_equal(c->type, CW_T_ENUM);
    assert_int_equal(c->nvalues, 5);
    assert_string_equal(c->values[1], "TwilioMessage");
    assert_int_equal(col(s, "twilio_segments")->type, CW_T_INTEGER);
    assert_int_equal(col(s, "exported_at")->type, CW_T_DATE);
    assert_int_equal(col(s, "sent_at")->organizer_dates, 0);
    /* Title Case aliases of the snake_case names. */
    assert_int_equal(cw__schema_find(s, "Sent At", 7),
                     cw__schema_find(s, "sent_at", 7));
    cw__schema_free(s);

    s = load("rally/legacy_mobilizers");
    assert_int_equal(s->nprefixes, 1);
    assert_string_equal(s->prefixes[0], "Key Question Responses: ");
    assert_int_equal(col(s, "Phone")->type, CW_T_PHONE);
    assert_int_equal(col(s, "Email")->type, CW_T_EMAIL);
    assert_int_equal(col(s, "Matched to Voter File")->type, CW_T_BOOLEAN);
    {
        static const struct {
            const char *name; /* a header */
            int want;         /* 1 when the prefix matches */
        } cases[] = {
            {"Key Question Responses: Will you vote?", 1},
            {"key question responses: will you vote?", 1}, /* any case */
            {"Key Question Responses: ", 1}, /* the prefix alone */
            {"Key Question Responses:", 0},  /* one byte short */
            {"Key Question Responses", 0},
            {"Responses: Key Question", 0},
            {"", 0},
        };

        for (size_t i = 0; i < N(cases); i++)
            if (cw__schema_prefixed(s, cases[i].name, strlen(cases[i].name)) !=
                cases[i].want)
                fail_msg("prefixed('%s') != %d", cases[i].name, cases[i].want);
        /* A prefixed header is not a column of its own. */
        assert_int_equal(
            cw__schema_find(s, cases[0].name, strlen(cases[0].name)), -1);
    }
    cw__schema_free(s);
}

/* Every shipped schema under schemas/TOOL/ loads, with its own name. */
static void test_schema_load_all(void **state)
{
    static const char *const tools[] = {"organizer", "impactive", "rally"};
    char dir[1024], name[300];
    size_t total = 0;

    (void)state;
    for (size_t t = 0; t < N(tools); t++) {
        DIR *d;
        struct dirent *e;

        snprintf(dir, sizeof dir, "%s/schemas/%s", root(), tools[t]);
        d = opendir(dir);
        assert_non_null(d);
        while ((e = readdir(d)) != NULL) {
            size_t len = strlen(e->d_name);
            cw_schema *s;

            if (len < 5 || strcmp(e->d_name + len - 4, ".lua") != 0)
                continue;
            snprintf(name, sizeof name, "%s/%.*s", tools[t], (int)(len - 4),
                     e->d_name);
            s = load(name);
            assert_true(s->ncols > 0);
            /* Organizer and Impactive files are opened in spreadsheets. */
            if (s->spreadsheet != (strcmp(tools[t], "rally") != 0))
                fail_msg("%s: spreadsheet = %d", name, s->spreadsheet);
            /* Keys name columns exactly. */
            for (size_t k = 0; k < s->nkey; k++)
                assert_string_equal(col(s, s->key[k])->name, s->key[k]);
            cw__schema_free(s);
            total++;
        }
        closedir(d);
    }
    assert_true(total >= 20);
    print_message("%zu shipped schemas loaded\n", total);
}

/* Exact spelling first, then any case, then aliases in any case. */
static void test_schema_find(void **state)
{
    cw_schema *s = build(sample_tree());
    static const struct {
        const char *name; /* looked up */
        long want;        /* column index, -1 for none */
    } cases[] = {
        {"Profile ID", 0}, {"profile id", 0}, {"PROFILE ID", 0},
        {"profile_id", 0}, {"PROFILE_ID", 0}, {"profileid", 0},
        {"Status", 1},     {"status", 1},     {"date", 3},
        {"DATE", 3},       {"When", 3},       {"id", 5},
        {"ID", 6},         {"Id", 5}, /* no exact match: first by case */
        {"iD", 5},         {"Profile", -1},   {"Profile ID ", -1},
        {"", -1},          {"KQ: x", -1},     {"profile-id", -1},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        long got = cw__schema_find(s, cases[i].name, strlen(cases[i].name));

        if (got != cases[i].want)
            fail_msg("find('%s') = %ld, want %ld", cases[i].name, got,
                     cases[i].want);
    }
    /* By length: "Status" is found in "Statusxyz" cut to 6 bytes. */
    assert_int_equal(cw__schema_find(s, "Statusxyz", 6), 1);
    assert_int_equal(cw__schema_prefixed(s, "kq: anything", 12), 1);
    assert_int_equal(cw__schema_prefixed(s, "Extra", 5), 0);
    assert_int_equal(cw__schema_prefixed(s, "Extra col", 9), 1);
    cw__schema_free(s);
}

/* ==== Checking values ==== */

/* One check case: a column, a value, and the verdict expected. */
typedef struct ccase {
    enum cw_coltype type; /* column type */
    int required;         /* required flag */
    int nonblank;         /* nonblank flag */
    int organizer;        /* organizer date forms */
    long maxlen;          /* max_length, or -1 */
    const char *in;       /* the value; NULL for null */
    const char *code;     /* expected code, NULL when accepted */
    const char *out;      /* accepted: the value written */
} ccase;

static void test_schema_check_table(void **state)
{
    static const char *enumvals[] = {"open", "closed"};
    static const ccase cases[] = {
        /* Blank values: only required/nonblank care. */
        {CW_T_TEXT, 1, 0, 0, -1, NULL, "E_REQUIRED", NULL},
        {CW_T_TEXT, 1, 0, 0, -1, "", "E_REQUIRED", NULL},
        {CW_T_TEXT, 1, 0, 0, -1, " \t ", "E_REQUIRED", NULL},
        {CW_T_INTEGER, 0, 1, 0, -1, "", "E_REQUIRED", NULL},
        {CW_T_BOOLEAN, 1, 0, 0, -1, "  ", "E_REQUIRED", NULL},
        {CW_T_TEXT, 1, 0, 0, -1, "x", NULL, "x"},
        {CW_T_INTEGER, 0, 0, 0, -1, "", NULL, ""},
        {CW_T_BOOLEAN, 0, 0, 0, -1, "  ", NULL, "  "},
        {CW_T_DATE, 0, 0, 1, -1, NULL, NULL, NULL},
        /* Booleans are normalised. */
        {CW_T_BOOLEAN, 0, 0, 0, -1, "Yes", NULL, "true"},
        {CW_T_BOOLEAN, 0, 0, 0, -1, " 0 ", NULL, "false"},
        {CW_T_BOOLEAN, 0, 0, 0, -1, "T", NULL, "true"},
        {CW_T_BOOLEAN, 0, 0, 0, -1, "FALSE", NULL, "false"},
        {CW_T_BOOLEAN, 0, 0, 0, -1, "n", NULL, "false"},
        {CW_T_BOOLEAN, 0, 0, 0, -1, "maybe", "E_BOOLEAN", NULL},
        {CW_T_BOOLEAN, 0, 0, 0, -1, "2", "E_BOOLEAN", NULL},
        {CW_T_BOOLEAN, 0, 0, 0, -1, "on", "E_BOOLEAN", NULL},
        /* Organizer's strict dates. */
        {CW_T_DATETIME, 0, 0, 1, -1, "10/01/2024 14:30", NULL, NULL},
        {CW_T_DATETIME, 0, 0, 1, -1, "2024-10-01 14:30", NULL, NULL},
        {CW_T_DATETIME, 0, 0, 1, -1, "2024-10-01", NULL, NULL},
        {CW_T_DATE, 0, 0, 1, -1, "10/01/2024", NULL, NULL},
        {CW_T_DATETIME, 0, 0, 1, -1, "2024-10-01T14:30:00Z", "E_DATE", NULL},
        {CW_T_DATETIME, 0, 0, 1, -1, "1/2/2024", "E_DATE", NULL},
        {CW_T_DATETIME, 0, 0, 1, -1, "10/01/2024 2:30 PM", "E_DATE", NULL},
        {CW_T_DATETIME, 0, 0, 1, -1, "2024-10-01 14:30:00", "E_DATE", NULL},
        {CW_T_DATETIME, 0, 0, 1, -1, "02/30/2024", "E_DATE", NULL},
        /* The broad date rule. */
        {CW_T_DATETIME, 0, 0, 0, -1, "2024-10-01T14:30:00Z", NULL, NULL},
        {CW_T_DATETIME, 0, 0, 0, -1, "2024-10-01T14:30:00+02:00", NULL, NULL},
        {CW_T_DATETIME, 0, 0, 0, -1, "2024-10-01 14:30:00.123456", NULL, NULL},
        {CW_T_DATETIME, 0, 0, 0, -1, "1/2/2024 2:30 PM", NULL, NULL},
        {CW_T_DATE, 0, 0, 0, -1, "2024-02-29", NULL, NULL},
        {CW_T_DATE, 0, 0, 0, -1, "2023-02-29", "E_DATE", NULL},
        {CW_T_DATETIME, 0, 0, 0, -1, "2024-10-01 24:00", "E_DATE", NULL},
        {CW_T_DATETIME, 0, 0, 0, -1, "yesterday", "E_DATE", NULL},
        /* Phones become E.164. */
        {CW_T_PHONE, 0, 0, 0, -1, "(202) 555-0123", NULL, "+12025550123"},
        {CW_T_PHONE, 0, 0, 0, -1, "12025550123", NULL, "+12025550123"},
        {CW_T_PHONE, 0, 0, 0, -1, "2025550123.0", NULL, "+12025550123"},
        {CW_T_PHONE, 0, 0, 0, -1, "+44 20 7183 8750", NULL, "+442071838750"},
        {CW_T_PHONE, 0, 0, 0, -1, "5.55E+09", "E_PHONE", NULL},
        {CW_T_PHONE, 0, 0, 0, -1, "555-0123", "E_PHONE", NULL},
        {CW_T_PHONE, 0, 0, 0, -1, "202-555-0123 x12", "E_PHONE", NULL},
        /* Enums are exact. */
        {CW_T_ENUM, 0, 0, 0, -1, "open", NULL, "open"},
        {CW_T_ENUM, 0, 0, 0, -1, "closed", NULL, "closed"},
        {CW_T_ENUM, 0, 0, 0, -1, "Open", "E_ENUM", NULL},
        {CW_T_ENUM, 0, 0, 0, -1, "open ", "E_ENUM", NULL},
        {CW_T_ENUM, 0, 0, 0, -1, "ope", "E_ENUM", NULL},
        /* Emails. */
        {CW_T_EMAIL, 0, 0, 0, -1, "a@b.co", NULL, "a@b.co"},
        {CW_T_EMAIL, 0, 0, 0, -1, "first.last+tag@mail.example.org", NULL,
         NULL},
        {CW_T_EMAIL, 0, 0, 0, -1, "a@b", "E_EMAIL", NULL},
        {CW_T_EMAIL, 0, 0, 0, -1, "@b.co", "E_EMAIL", NULL},
        {CW_T_EMAIL, 0, 0, 0, -1, "a b@c.de", "E_EMAIL", NULL},
        {CW_T_EMAIL, 0, 0, 0, -1, "a@@b.co", "E_EMAIL", NULL},
        {CW_T_EMAIL, 0, 0, 0, -1, "a@b.", "E_EMAIL", NULL},
        {CW_T_EMAIL, 0, 0, 0, -1, "a@.co", "E_EMAIL", NULL},
        {CW_T_EMAIL, 0, 0, 0, -1, "a@b@c.de", "E_EMAIL", NULL},
        {CW_T_EMAIL, 0, 0, 0, -1, "plain", "E_EMAIL", NULL},
        /* Integers and numbers. */
        {CW_T_INTEGER, 0, 0, 0, -1, "-12", NULL, "-12"},
        {CW_T_INTEGER, 0, 0, 0, -1, "+3", NULL, NULL},
        {CW_T_INTEGER, 0, 0, 0, -1, "007", NULL, "007"},
        {CW_T_INTEGER, 0, 0, 0, -1, "1.0", "E_INTEGER", NULL},
        {CW_T_INTEGER, 0, 0, 0, -1, "-", "E_INTEGER", NULL},
        {CW_T_INTEGER, 0, 0, 0, -1, "1e3", "E_INTEGER", NULL},
        {CW_T_INTEGER, 0, 0, 0, -1, " 12", "E_INTEGER", NULL},
        {CW_T_INTEGER, 0, 0, 0, -1, "12a", "E_INTEGER", NULL},
        {CW_T_NUMBER, 0, 0, 0, -1, "1.5", NULL, NULL},
        {CW_T_NUMBER, 0, 0, 0, -1, "-0.5", NULL, NULL},
        {CW_T_NUMBER, 0, 0, 0, -1, ".5", NULL, NULL},
        {CW_T_NUMBER, 0, 0, 0, -1, "42", NULL, NULL},
        {CW_T_NUMBER, 0, 0, 0, -1, "1e5", "E_NUMBER", NULL},
        {CW_T_NUMBER, 0, 0, 0, -1, ".", "E_NUMBER", NULL},
        {CW_T_NUMBER, 0, 0, 0, -1, "1.2.3", "E_NUMBER", NULL},
        {CW_T_NUMBER, 0, 0, 0, -1, "1,5", "E_NUMBER", NULL},
        /* Lengths count UTF-8 characters, not bytes. */
        {CW_T_TEXT, 0, 0, 0, 3, "abc", NULL, "abc"},
        {CW_T_TEXT, 0, 0, 0, 3, "h\xc3\xa9\xc3\xa9", NULL, NULL},
        {CW_T_TEXT, 0, 0, 0, 3, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", NULL,
         NULL},
        {CW_T_TEXT, 0, 0, 0, 1, "\xf0\x9f\x99\x82", NULL, NULL},
        {CW_T_TEXT, 0, 0, 0, 3, "abcd", "E_MAXLEN", NULL},
        {CW_T_TEXT, 0, 0, 0, 3, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9ex",
         "E_MAXLEN", NULL},
        {CW_T_TEXT, 0, 0, 0, 0, "a", "E_MAXLEN", NULL},
        {CW_T_ID, 0, 0, 0, 3, "1234", "E_MAXLEN", NULL},
        /* Ids that Excel turned into scientific notation. */
        {CW_T_ID, 0, 0, 0, -1, "1.23457E+11", "E_EXCEL", NULL},
        {CW_T_ID, 0, 0, 0, -1, "1.23457e+11", "E_EXCEL", NULL},
        {CW_T_ID, 0, 0, 0, -1, "5E+9", "E_EXCEL", NULL},
        {CW_T_ID, 0, 0, 0, -1, "123457000000", NULL, "123457000000"},
        {CW_T_ID, 0, 0, 0, -1, "00123", NULL, "00123"},
        {CW_T_ID, 0, 0, 0, -1, "E+11", NULL, NULL},
        {CW_T_ID, 0, 0, 0, -1, "1E-5", NULL, NULL},
        {CW_T_ID, 0, 0, 0, -1, "ABCE+12", NULL, NULL},
        {CW_T_ID, 0, 0, 0, -1, "1.2E+", NULL, NULL},
        /* Free text and JSON take anything. */
        {CW_T_TEXT, 0, 0, 0, -1, "1.23457E+11", NULL, NULL},
        {CW_T_JSON, 0, 0, 0, -1, "{\"a\": [1, 2]}", NULL, NULL},
    };
    cw_buf scratch = {0};

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        const ccase *k = &cases[i];
        cw_colspec c = {.name = (char *)(uintptr_t) "Col",
                        .type = k->type,
                        .required = k->required,
                        .nonblank = k->nonblank,
                        .organizer_dates = k->organizer,
                        .max_length = k->maxlen,
                        .values = (char **)(uintptr_t)enumvals,
                        .nvalues = N(enumvals)};
        cw_verdict v = {0};
        const char *res = NULL;
        size_t len = 0, inlen = k->in != NULL ? strlen(k->in) : 0;
        int rc = cw__schema_check(&c, k->in, inlen, &scratch, &res, &len, &v);

        if (k->code != NULL) {
            if (rc != -1 || v.code == NULL || strcmp(v.code, k->code) != 0)
                fail_msg("case %zu (%s '%s'): rc %d code %s, want %s", i,
                         cw__coltype_name(k->type), k->in ? k->in : "(null)",
                         rc, v.code ? v.code : "-", k->code);
            if (strncmp(v.msg, "column 'Col': ", 14) != 0)
                fail_msg("case %zu: message '%s'", i, v.msg);
            continue;
        }
        if (rc != 0)
            fail_msg("case %zu (%s '%s'): rejected %s: %s", i,
                     cw__coltype_name(k->type), k->in ? k->in : "(null)",
                     v.code, v.msg);
        if (k->in == NULL) {
            assert_null(res);
            continue;
        }
        if (k->out == NULL) { /* unchanged: the same bytes */
            assert_ptr_equal(res, k->in);
            assert_int_equal(len, inlen);
        } else if (len != strlen(k->out) || memcmp(res, k->out, len) != 0) {
            fail_msg("case %zu ('%s'): wrote '%.*s', want '%s'", i, k->in,
                     (int)len, res, k->out);
        }
    }
    cw__buf_free(&scratch);
}

/* Messages name the column, the problem and the value (cut at 60). */
static void test_schema_check_messages(void **state)
{
    cw_colspec c = {.name = (char *)(uintptr_t) "Replied",
                    .type = CW_T_BOOLEAN,
                    .max_length = -1};
    cw_buf scratch = {0};
    cw_verdict v = {0};
    const char *res;
    size_t len;
    char big[100];

    (void)state;
    assert_int_equal(cw__schema_check(&c, "maybe", 5, &scratch, &res, &len, &v),
                     -1);
    assert_string_equal(v.msg,
                        "column 'Replied': not a boolean (use true/false, "
                        "yes/no or 1/0): 'maybe'");
    c.required = 1;
    assert_int_equal(cw__schema_check(&c, NULL, 0, &scratch, &res, &len, &v),
                     -1);
    assert_string_equal(v.msg, "column 'Replied': a value is required");
    c = (cw_colspec){.name = (char *)(uintptr_t) "Count",
                     .type = CW_T_INTEGER,
                     .max_length = -1};
    memset(big, '9', sizeof big);
    big[0] = 'x';
    assert_int_equal(
        cw__schema_check(&c, big, sizeof big, &scratch, &res, &len, &v), -1);
    assert_string_equal(v.code, "E_INTEGER");
    assert_non_null(strstr(v.msg, "not an integer: 'x99999"));
    assert_non_null(strstr(v.msg, "9'...")); /* 60 bytes, then "..." */
    assert_null(strstr(v.msg, "99999999999999999999999999999999999999999999"
                              "999999999999999999"));
    c = (cw_colspec){
        .name = (char *)(uintptr_t) "Note", .type = CW_T_TEXT, .max_length = 3};
    assert_int_equal(cw__schema_check(&c, "abcd", 4, &scratch, &res, &len, &v),
                     -1);
    assert_string_equal(v.msg,
                        "column 'Note': longer than 3 characters: 'abcd'");
    c = (cw_colspec){.name = (char *)(uintptr_t) "Phone",
                     .type = CW_T_PHONE,
                     .max_length = -1};
    assert_int_equal(
        cw__schema_check(&c, "5.55E+09", 8, &scratch, &res, &len, &v), -1);
    assert_string_equal(v.code, "E_PHONE");
    assert_non_null(strstr(v.msg, "column 'Phone': "));
    assert_non_null(strstr(v.msg, "5.55E+09"));
    c.type = CW_T_ID;
    assert_int_equal(
        cw__schema_check(&c, "1.23457E+11", 11, &scratch, &res, &len, &v), -1);
    assert_string_equal(v.msg, "column 'Phone': looks like Excel scientific "
                               "notation (digits lost): '1.23457E+11'");
    cw__buf_free(&scratch);
}

/* Under Organizer's import rules (validate, a run's outputs) a column
** needs a value in every row and a boolean is one of Organizer's
** spellings; elsewhere every spelling of the boolean rule is read. */
static void test_schema_strict(void **state)
{
    static const struct {
        const char *in;  /* the value */
        const char *out; /* written, or NULL when refused */
    } cases[] = {
        {"true", "true"}, {"TRUE", "true"}, {"False", "false"}, {"yes", "true"},
        {"Yes", "true"},  {"nO", "false"},  {"1", "true"},      {"0", "false"},
        {"y", NULL},      {"n", NULL},      {"t", NULL},        {"F", NULL},
        {"on", NULL},     {"off", NULL},    {" yes", NULL},     {"true ", NULL},
        {"maybe", NULL},  {"2", NULL},
    };
    cw_schema *org = load("organizer/text_interactions");
    cw_schema *imp = load("impactive/contacts");
    const cw_colspec *replied = col(org, "Replied");
    cw_colspec strict = cw__schema_strict(org, replied);
    cw_buf scratch = {0};
    cw_verdict v = {0};
    const char *res;
    size_t len;

    (void)state;
    assert_int_equal(replied->nonblank, 0);
    assert_int_equal(replied->organizer_bools, 0);
    assert_int_equal(strict.nonblank, 1);
    assert_int_equal(strict.organizer_bools, 1);
    for (size_t i = 0; i < N(cases); i++) {
        const char *in = cases[i].in;
        int rc =
            cw__schema_check(&strict, in, strlen(in), &scratch, &res, &len, &v);

        if (cases[i].out == NULL && rc == 0)
            fail_msg("'%s': accepted as an Organizer boolean", in);
        if (cases[i].out != NULL && (rc != 0 || len != strlen(cases[i].out) ||
                                     memcmp(res, cases[i].out, len) != 0))
            fail_msg("'%s': %d '%s'", in, rc, v.msg);
        /* The column as declared reads every spelling but the nonsense. */
        rc =
            cw__schema_check(replied, in, strlen(in), &scratch, &res, &len, &v);
        assert_int_equal(rc, strcmp(in, "maybe") == 0 || strcmp(in, "2") == 0 ||
                                     strcmp(in, "on") == 0 ||
                                     strcmp(in, "off") == 0
                                 ? -1
                                 : 0);
    }
    assert_int_equal(
        cw__schema_check(&strict, "y", 1, &scratch, &res, &len, &v), -1);
    assert_string_equal(v.code, "E_BOOLEAN");
    assert_string_equal(v.msg, "column 'Replied': not a boolean (use "
                               "true/false, yes/no or 1/0): 'y'");
    assert_int_equal(cw__schema_check(&strict, "", 0, &scratch, &res, &len, &v),
                     -1);
    assert_string_equal(v.code, "E_REQUIRED");

    /* Not an Organizer schema: the column stays as declared. */
    for (size_t i = 0; i < imp->ncols; i++) {
        cw_colspec c = cw__schema_strict(imp, &imp->cols[i]);

        assert_int_equal(c.nonblank, imp->cols[i].nonblank);
        assert_int_equal(c.organizer_bools, 0);
        assert_int_equal(c.type, imp->cols[i].type);
        assert_string_equal(c.name, imp->cols[i].name);
        if (c.type == CW_T_BOOLEAN) /* Impactive's booleans: any spelling */
            assert_int_equal(
                cw__schema_check(&c, "y", 1, &scratch, &res, &len, &v), 0);
    }
    cw__schema_free(imp);
    cw__schema_free(org);
    cw__buf_free(&scratch);
}

/* A column's extra rules run after its type, on the converted value. */
static void test_schema_check_rules(void **state)
{
    cw_schema *s = build(sample_tree());
    cw_schema *t;
    const cw_colspec *tag = &s->cols[4];
    cw_buf scratch = {0};
    cw_verdict v = {0};
    const char *res;
    size_t len;

    (void)state;
    assert_int_equal(
        cw__schema_check(tag, "  GO   Tx ", 10, &scratch, &res, &len, &v), 0);
    assert_int_equal(len, 5);
    assert_memory_equal(res, "GO Tx", 5);
    assert_int_equal(
        cw__schema_check(tag, " a  b ", 6, &scratch, &res, &len, &v), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(res, "a b", 3);
    assert_int_equal(
        cw__schema_check(tag, "abcdefg", 7, &scratch, &res, &len, &v), -1);
    assert_string_equal(v.code, "E_MAXLEN");
    assert_int_equal(strncmp(v.msg, "column 'Tag': ", 14), 0);

    /* A phone column with a rule chained on the converted value. */
    t = build(tab("columns",
                  arr(tab("name", str("Phone"), "type", str("phone"), "rules",
                          strs("nonblank", "trim", NULL), NULL),
                      NULL),
                  NULL));
    assert_int_equal(cw__schema_check(&t->cols[0], "(202) 555-0123", 14,
                                      &scratch, &res, &len, &v),
                     0);
    assert_int_equal(len, 12);
    assert_memory_equal(res, "+12025550123", 12);
    cw__schema_free(t);

    /* The Effort Name of the real schema: spaces collapsed. */
    t = load("organizer/text_interactions");
    assert_int_equal(cw__schema_check(col(t, "Effort Name"), " GOTV  Oct ", 11,
                                      &scratch, &res, &len, &v),
                     0);
    assert_int_equal(len, 8);
    assert_memory_equal(res, "GOTV Oct", 8);
    cw__schema_free(t);
    cw__schema_free(s);
    cw__buf_free(&scratch);
}

/* ==== Malformed schemas ==== */

/* Building 'tree' (freed here) fails with CW_EUSAGE and 'text'. */
static void bad_tree(cw_node *tree, const char *text)
{
    cw_schema *s = (cw_schema *)1;
    cw_err err = {0};
    int rc = cw__schema_from_node(tree, "bad.lua", &s, &err);

    cw__node_free(tree);
    if (rc != CW_EUSAGE || strstr(err.msg, text) == NULL)
        fail_msg("want CW_EUSAGE with '%s', got %d '%s'", text, rc, err.msg);
    assert_int_equal(err.code, CW_EUSAGE);
    assert_null(s);
    assert_int_equal(strncmp(err.msg, "bad.lua: ", 9), 0);
}

/* A tree with one column 'c' (taken). */
static cw_node *onecol(cw_node *c)
{
    return tab("name", str("t/x"), "columns", arr(c, NULL), NULL);
}

static void test_schema_malformed(void **state)
{
    (void)state;
    bad_tree(tab("name", str("t/x"), NULL), "'columns' must list the columns");
    bad_tree(tab("columns", tab(NULL), NULL), "'columns' must list");
    bad_tree(tab("columns", str("x"), NULL), "'columns' must list");
    bad_tree(onecol(tab("name", str("x"), "type", str("strng"), NULL)),
             "column 'x': unknown type 'strng' (valid: id, text, integer, "
             "number, boolean, date, datetime, phone, email, enum, json)");
    bad_tree(onecol(tab("name", str("x"), "type", num(3), NULL)),
             "column 'x': 'type' must be a string");
    bad_tree(onecol(tab("name", str("x"), "type", str("enum"), NULL)),
             "enum column 'x' needs 'values'");
    bad_tree(onecol(tab("name", str("x"), "type", str("enum"), "values",
                        tab(NULL), NULL)),
             "enum column 'x' needs 'values'");
    bad_tree(onecol(tab("type", str("text"), NULL)),
             "columns[1] needs a 'name'");
    bad_tree(
        tab("columns",
            arr(tab("name", str("a"), NULL), tab("name", num(1), NULL), NULL),
            NULL),
        "columns[2] needs a 'name'");
    bad_tree(
        tab("columns", arr(tab("name", str("a"), NULL), str("b"), NULL), NULL),
        "columns[2] needs a 'name'");
    bad_tree(onecol(tab("name", str("x"), "aliases", num(1), NULL)),
             "'aliases' must be a list of strings");
    bad_tree(onecol(tab("name", str("x"), "aliases",
                        arr(str("a"), num(2), NULL), NULL)),
             "'aliases' item 2 must be a string");
    bad_tree(onecol(tab("name", str("x"), "aliases", tab("k", str("v"), NULL),
                        NULL)),
             "'aliases' must be a list of strings");
    bad_tree(onecol(tab("name", str("x"), "type", str("enum"), "values",
                        arr(str("a"), boolean(1), NULL), NULL)),
             "'values' item 2 must be a string");
    bad_tree(onecol(tab("name", str("x"), "rules", arr(num(1), NULL), NULL)),
             "column 'x': rules[1] needs a name");
    bad_tree(
        onecol(tab("name", str("x"), "rules",
                   arr(str("trim"), tab("args", tab(NULL), NULL), NULL), NULL)),
        "column 'x': rules[2] needs a name");
    bad_tree(onecol(tab("name", str("x"), "rules", strs("shout", NULL), NULL)),
             "unknown rule 'shout'");
    bad_tree(onecol(tab("name", str("x"), "rules",
                        arr(tab("rule", str("max_length"), "args",
                                tab("m", num(1), NULL), NULL),
                            NULL),
                        NULL)),
             "unknown argument 'm'");
    bad_tree(tab("name", str("t/x"), "key", strs("nope", NULL), "columns",
                 arr(tab("name", str("x"), NULL), NULL), NULL),
             "key column 'nope' is not a column");
    bad_tree(tab("name", str("t/x"), "distinct",
                 tab("column", str("x"), "max", num(0), NULL), "columns",
                 arr(tab("name", str("x"), NULL), NULL), NULL),
             "'distinct' needs a column and a max >= 1");
    bad_tree(tab("name", str("t/x"), "distinct", tab("max", num(5), NULL),
                 "columns", arr(tab("name", str("x"), NULL), NULL), NULL),
             "'distinct' needs a column and a max >= 1");
    bad_tree(tab("name", str("t/x"), "prefixes",
                 arr(tab("type", str("text"), NULL), NULL), "columns",
                 arr(tab("name", str("x"), NULL), NULL), NULL),
             "prefixes[1] needs a 'prefix'");
}

#define SCHEMA_KEYS                                                            \
    "(valid: name, title, tool, direction, source, key, organizer, "           \
    "spreadsheet, max_bytes, distinct, columns, prefixes)"
#define COLUMN_KEYS                                                            \
    "(valid: name, type, required, nonblank, aliases, values, max_length, "    \
    "format, rules, doc)"

/* A misspelled key at every level of a schema is refused, naming the
** file, the column where there is one, the key and the valid keys. */
static void test_schema_unknown_keys(void **state)
{
    cw_node *cols;

    (void)state;
    bad_tree(tab("name", str("t/x"), "titel", str("X"), "columns",
                 arr(tab("name", str("x"), NULL), NULL), NULL),
             "bad.lua: unknown key 'titel' " SCHEMA_KEYS
             "; did you mean 'title'?");
    bad_tree(onecol(tab("name", str("x"), "requried", boolean(1), NULL)),
             "bad.lua: column 'x': unknown key 'requried' " COLUMN_KEYS
             "; did you mean 'required'?");
    bad_tree(onecol(tab("nmae", str("x"), NULL)),
             "bad.lua: columns[1]: unknown key 'nmae' " COLUMN_KEYS
             "; did you mean 'name'?");
    bad_tree(onecol(tab("name", str("x"), "rules",
                        tab("trim", boolean(1), NULL), NULL)),
             "bad.lua: column 'x': rules: unknown key 'trim' (valid: none)");
    bad_tree(onecol(tab("name", str("x"), "rules",
                        arr(tab("rule", str("max_length"), "arg",
                                tab("n", num(3), NULL), NULL),
                            NULL),
                        NULL)),
             "bad.lua: column 'x': rules[1]: unknown key 'arg' (valid: rule, "
             "args); did you mean 'args'?");
    bad_tree(onecol(tab("name", str("x"), "rules",
                        arr(str("trim"),
                            tab("rule", str("date"), "args",
                                tab("timezone", str("UTC"), NULL), NULL),
                            NULL),
                        NULL)),
             "bad.lua: column 'x': rules[2]: rule 'date': unknown argument "
             "'timezone' (valid: format, tz, input_tz, tzdir)");
    bad_tree(tab("name", str("t/x"), "distinct",
                 tab("column", str("x"), "maximum", num(5), NULL), "columns",
                 arr(tab("name", str("x"), NULL), NULL), NULL),
             "bad.lua: distinct: unknown key 'maximum' (valid: column, max)");
    bad_tree(tab("name", str("t/x"), "prefixes",
                 tab("prefix", str("KQ: "), NULL), "columns",
                 arr(tab("name", str("x"), NULL), NULL), NULL),
             "bad.lua: prefixes: unknown key 'prefix' (valid: none)");
    bad_tree(
        tab("name", str("t/x"), "prefixes",
            arr(str("A "), tab("prefix", str("KQ: "), "typ", str("text"), NULL),
                NULL),
            "columns", arr(tab("name", str("x"), NULL), NULL), NULL),
        "bad.lua: prefixes[2]: unknown key 'typ' (valid: prefix, type); "
        "did you mean 'type'?");
    cols = arr(tab("name", str("x"), NULL), NULL);
    assert_int_equal(cw__node_setkey(cols, "extra", 5, boolean(1)), CW_OK);
    cw__node_finish(cols);
    bad_tree(tab("name", str("t/x"), "columns", cols, NULL),
             "bad.lua: columns: unknown key 'extra' (valid: none)");
}

/* The keys that only document the format are declared, so they load. */
static void test_schema_documentation_keys(void **state)
{
    cw_schema *s;

    (void)state;
    s = build(
        tab("name", str("t/doc"), "title", str("Documented"), "tool",
            str("organizer"), "direction", str("import"), "source",
            str("Organizer help: Importing Text Interactions"), "prefixes",
            arr(tab("prefix", str("KQ: "), "type", str("text"), NULL), NULL),
            "columns",
            arr(tab("name", str("x"), "doc", str("what x holds"), NULL), NULL),
            NULL));
    assert_string_equal(s->name, "t/doc");
    assert_int_equal(s->ncols, 1);
    assert_int_equal(s->nprefixes, 1);
    cw__schema_free(s);
}

/* Load 'name' from 'home', expecting CW_EUSAGE with 'text'. */
static void bad_load(const char *home, const char *name, const char *text)
{
    cw_schema *s = (cw_schema *)1;
    cw_err err = {0};
    int rc = cw__schema_load(home, name, &s, &err);

    if (rc != CW_EUSAGE || strstr(err.msg, text) == NULL)
        fail_msg("%s: want CW_EUSAGE with '%s', got %d '%s'", name, text, rc,
                 err.msg);
    assert_null(s);
}

/* Bad names never reach the file system; broken files name the problem. */
static void test_schema_load_errors(void **state)
{
    static const char *const badnames[] = {
        "Organizer/text_interactions",
        "organizer",
        "organizer/",
        "/organizer",
        "a/b/c",
        "../schemas/organizer",
        "organizer/../../etc",
        "organizer/text interactions",
        "organizer/text-interactions",
        "",
    };

    (void)state;
    for (size_t i = 0; i < N(badnames); i++)
        bad_load(root(), badnames[i], "bad schema name");
    bad_load(root(), "organizer/nope",
             "unknown schema 'organizer/nope' (no file ");
    bad_load(root(), "nosuch/tool", "'crosswalk schemas' lists them");
    bad_load(fixtures(), "test/mismatch",
             "mismatch.lua: name 'test/other' does not match the path");
    bad_load(fixtures(), "test/badtype",
             "column 'Count': unknown type 'int' (valid: ");
    bad_load(fixtures(), "test/noenum", "enum column 'Kind' needs 'values'");
    bad_load(fixtures(), "test/badkey",
             "key column 'Profile Id' is not a column");
    bad_load(fixtures(), "test/notable", "must return a table");
    bad_load(fixtures(), "test/typo_schema",
             "schemas/test/typo_schema.lua: unknown key 'max_byte' " SCHEMA_KEYS
             "; did you mean 'max_bytes'?");
    bad_load(fixtures(), "test/typo_column",
             "schemas/test/typo_column.lua: column 'Profile ID': unknown key "
             "'requried' " COLUMN_KEYS "; did you mean 'required'?");
    bad_load(fixtures(), "test/typo_rule",
             "schemas/test/typo_rule.lua: column 'Label': rules[1]: rule "
             "'max_length': unknown argument 'm' (valid: n)");
    bad_load(fixtures(), "test/typo_prefix",
             "schemas/test/typo_prefix.lua: prefixes[1]: unknown key 'prefx' "
             "(valid: prefix, type); did you mean 'prefix'?");
    {
        cw_schema *s = (cw_schema *)1;
        cw_err err = {0};

        assert_int_equal(cw__schema_load(fixtures(), "test/syntax", &s, &err),
                         CW_ELUA);
        assert_null(s);
        assert_non_null(strstr(err.msg, "syntax.lua:"));
    }
    /* A good fixture loads, proving the home is right. */
    {
        cw_schema *s = NULL;
        cw_err err = {0};

        if (cw__schema_load(fixtures(), "test/good", &s, &err) != CW_OK)
            fail_msg("test/good: %s", err.msg);
        assert_int_equal(s->ncols, 2);
        assert_int_equal(s->cols[1].nrules, 1);
        assert_string_equal(cw__rule_name(s->cols[1].rules[0]), "max_length");
        cw__schema_free(s);
    }
}

/* The n-th allocation fails: a clean CW_ENOMEM, nothing returned. */
static void test_schema_out_of_memory(void **state)
{
    cw_node *tree = sample_tree();
    long n;

    (void)state;
    for (n = 0;; n++) {
        struct budget b = {n, 0};
        cw_schema *s = (cw_schema *)1;
        cw_err err = {0};
        int rc;

        cw_set_allocator(budget_alloc, &b);
        rc = cw__schema_from_node(tree, "oom.lua", &s, &err);
        cw_set_allocator(NULL, NULL);
        if (rc == CW_OK) {
            assert_int_equal(s->ncols, 7);
            assert_int_equal(s->cols[4].nrules, 2);
            assert_string_equal(s->prefixes[1], "Extra ");
            cw__schema_free(s);
            break;
        }
        if (rc != CW_ENOMEM || err.code != CW_ENOMEM ||
            strstr(err.msg, "out of memory") == NULL)
            fail_msg("budget %ld: %d '%s'", n, rc, err.msg);
        assert_null(s);
    }
    assert_true(n > 20);
    cw__node_free(tree);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_from_node),
        cmocka_unit_test(test_schema_load_real),
        cmocka_unit_test(test_schema_load_all),
        cmocka_unit_test(test_schema_find),
        cmocka_unit_test(test_schema_check_table),
        cmocka_unit_test(test_schema_check_messages),
        cmocka_unit_test(test_schema_check_rules),
        cmocka_unit_test(test_schema_strict),
        cmocka_unit_test(test_schema_malformed),
        cmocka_unit_test(test_schema_unknown_keys),
        cmocka_unit_test(test_schema_documentation_keys),
        cmocka_unit_test(test_schema_load_errors),
        cmocka_unit_test(test_schema_out_of_memory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
