/*
** test_pipeline.c -- end-to-end tests of the public API: cw_run_* on
** small recipes (tests/data/pipeline) and data written to a temporary
** directory, checking exact output and rejects files, the accounting,
** all-or-nothing commits, sandbox limits and interrupts, inputs fed by
** readers and outputs delivered to callbacks; then
** cw_validate on Organizer text-interaction files.  The run's home is
** $CW_SOURCE_DIR, so the real schemas/ and lua/ are used.
*/
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "crosswalk.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ==== Helpers ==== */

/* Path of recipe 'name' in tests/data/pipeline (static storage). */
static const char *recipe(const char *name)
{
    static char path[1024];

    snprintf(path, sizeof path, "%s/tests/data/pipeline/%s", home(), name);
    return path;
}

/* The base temporary directory of this process (static storage). */
static const char *base(void)
{
    static char dir[64];

    if (dir[0] == '\0') {
        snprintf(dir, sizeof dir, "/tmp/cw_test_pipeline.XXXXXX");
        assert_non_null(mkdtemp(dir));
    }
    return dir;
}

/* Remove the directory 'dir' and the files in it (one level). */
static void rmdir_all(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* A fresh, empty directory base/'name' (its path in 'out'). */
static const char *newdir(const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", base(), name);
    rmdir_all(out);
    assert_int_equal(mkdir(out, 0700), 0);
    return out;
}

/* Write 'text' to 'dir'/'name'; the path goes to 'out'. */
static const char *writefile(const char *dir, const char *name,
                             const char *text, char *out, size_t cap)
{
    FILE *f;

    snprintf(out, cap, "%s/%s", dir, name);
    f = fopen(out, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
    return out;
}

/* The contents of 'path' (caller frees), or NULL when it does not exist. */
static char *readfile(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;

    if (f == NULL)
        return NULL;
    buf = malloc(1 << 20);
    assert_non_null(buf);
    n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* 'dir'/'name' must hold exactly 'want'. */
static void file_is(const char *dir, const char *name, const char *want)
{
    char path[512];
    char *got;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    got = readfile(path);
    if (got == NULL)
        fail_msg("%s does not exist", path);
    if (strcmp(got, want) != 0)
        fail_msg("%s:\n--- got ---\n%s--- want ---\n%s", path, got, want);
    free(got);
}

/* The names in 'dir', sorted and joined with spaces (static storage);
** "(none)" when the directory does not exist. */
static const char *listing(const char *dir)
{
    static char out[1024];
    char names[32][128];
    size_t n = 0, len = 0;
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL)
        return "(none)";
    while ((e = readdir(d)) != NULL && n < N(names))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            snprintf(names[n++], sizeof names[0], "%.127s", e->d_name);
    closedir(d);
    for (size_t i = 1; i < n; i++) /* insertion sort */
        for (size_t k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
            char t[128];

            memcpy(t, names[k], sizeof t);
            memcpy(names[k], names[k - 1], sizeof t);
            memcpy(names[k - 1], t, sizeof t);
        }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s",
                                i ? " " : "", names[i]);
    return out;
}

/* Seconds on a monotonic clock. */
static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Problems reported through a cw_problem_fn, rendered as text. */
typedef struct probs {
    char text[64][600]; /* "line:col:column:code[:W]: message" */
    size_t n;           /* reported (may exceed what 'text' holds) */
    size_t nwarn;       /* of which warnings */
} probs;

static void on_problem(void *ud, const cw_problem *p)
{
    probs *s = ud;

    assert_non_null(p->code);
    assert_non_null(p->message);
    assert_non_null(p->file);
    if (s->n < N(s->text))
        snprintf(s->text[s->n], sizeof s->text[0], "%lu:%lu:%s:%s%s: %s",
                 p->line, p->col, p->column ? p->column : "-", p->code,
                 p->warning ? ":W" : "", p->message);
    s->n++;
    s->nwarn += p->warning != 0;
}

/* The problem whose text starts with 'prefix', or fail. */
static const char *has_problem(const probs *s, const char *prefix)
{
    for (size_t i = 0; i < s->n && i < N(s->text); i++)
        if (strncmp(s->text[i], prefix, strlen(prefix)) == 0)
            return s->text[i];
    for (size_t i = 0; i < s->n && i < N(s->text); i++)
        print_message("  problem: %s\n", s->text[i]);
    fail_msg("no problem starting with '%s'", prefix);
    return NULL;
}

/* A new run with its home set. */
static cw_run *newrun(void)
{
    cw_run *r = (cw_run *)1;
    cw_err err = {0};

    assert_int_equal(cw_run_new(&r, &err), CW_OK);
    assert_non_null(r);
    assert_int_equal(cw_run_home(r, home()), CW_OK);
    return r;
}

/* Load 'name' into 'r', which must succeed. */
static void load(cw_run *r, const char *name)
{
    int rc = cw_run_load(r, recipe(name));

    if (rc != CW_OK)
        fail_msg("load %s: %d %s", name, rc, cw_run_errmsg(r));
}

/* The messages input of simple.lua: one row of each fate. */
static const char messages_csv[] =
    "id,message_type,receiver_id,activity_title,sent_at,twilio_segments\n"
    "1,TwilioMessage,P1,GOTV,2024-10-01 14:30:00,1\n"
    "2,CanvasserMessage,P2,GOTV,2024-10-01 14:31:00,1\n"
    "3,TwilioMessage,P3,GOTV,2024-10-01 15:00:00,x\n"
    "4,TwilioMessage,,GOTV,2024-10-01 16:00:00,1\n"
    "5,TwilioMessage,P5,\"Persuasion,\n"
    "wave 2\",2024-10-02 09:05:00,2\n"
    "6,SMS,P6,GOTV,2024-10-01 17:00:00,1\n"
    "7,TwilioMessage,P7,GOTV,2024-13-01 10:00:00,1\n";

/* ==== Runs ==== */

/* A whole run: exact output and rejects files, and a summary that adds
** up. */
static void test_pipeline_run_simple(void **state)
{
    char dir[200], out[256], in[256], want[4096];
    cw_run *r = newrun();
    cw_summary s;
    probs pr = {0};
    unsigned long long rows = 0;
    int ismain = -1;

    (void)state;
    newdir("simple", dir, sizeof dir);
    writefile(dir, "messages.csv", messages_csv, in, sizeof in);
    snprintf(out, sizeof out, "%s/out", dir);
    load(r, "simple.lua");
    assert_int_equal(cw_run_ninputs(r), 1);
    assert_string_equal(cw_run_input_name(r, 0, &ismain), "messages");
    assert_int_equal(ismain, 1); /* the only input is the main one */
    assert_null(cw_run_input_name(r, 1, &ismain));
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    cw_run_on_problem(r, on_problem, &pr);
    if (cw_run_exec(r) != CW_OK)
        fail_msg("exec: %s", cw_run_errmsg(r));
    cw_run_summary(r, &s);
    assert_int_equal(s.read, 7);
    assert_int_equal(s.written, 2);
    assert_int_equal(s.rejected, 4);
    assert_int_equal(s.filtered, 1);
    assert_int_equal(s.merged, 0);
    assert_int_equal(s.unprocessed, 0);
    assert_int_equal(s.read, s.written + s.rejected + s.filtered + s.merged);
    assert_null(s.stopped_at);
    assert_int_equal(s.noutputs, 1);
    snprintf(want, sizeof want, "%s/out.csv", out);
    assert_string_equal(cw_run_output(r, 0, &rows), want);
    assert_int_equal(rows, 2);
    assert_null(cw_run_output(r, 1, &rows));
    snprintf(want, sizeof want, "%s/rejects.csv", out);
    assert_string_equal(s.rejects, want);
    assert_string_equal(listing(out), "out.csv rejects.csv");

    /* Effort Name's effort_name rule collapses the quoted newline. */
    file_is(out, "out.csv",
            "Profile ID,Effort Name,Date/Time,Service\n"
            "P1,GOTV,2024-10-01 14:30,Impactive\n"
            "P5,\"Persuasion, wave 2\",2024-10-02 09:05,Impactive\n");
    snprintf(
        want, sizeof want,
        "id,message_type,receiver_id,activity_title,sent_at,twilio_segments,"
        "_file,_line,_column,_code,_message\n"
        "3,TwilioMessage,P3,GOTV,2024-10-01 15:00:00,x,%s,4,twilio_segments,"
        "E_INTEGER,column 'twilio_segments': not an integer: 'x'\n"
        "4,TwilioMessage,,GOTV,2024-10-01 16:00:00,1,%s,5,Profile ID,"
        "E_REQUIRED,column 'Profile ID': a value is required\n"
        "6,SMS,P6,GOTV,2024-10-01 17:00:00,1,%s,8,message_type,E_ENUM,"
        "column 'message_type': not one of the allowed values: 'SMS'\n"
        "7,TwilioMessage,P7,GOTV,2024-13-01 10:00:00,1,%s,9,sent_at,E_DATE,"
        "column 'sent_at': not a valid date or time: '2024-13-01 "
        "10:00:00'\n",
        in, in, in, in);
    file_is(out, "rejects.csv", want);

    /* Every rejection was reported, with its line and column name. */
    assert_int_equal(pr.n, 4);
    assert_int_equal(pr.nwarn, 0);
    has_problem(&pr, "4:6:twilio_segments:E_INTEGER: ");
    has_problem(&pr, "5:0:Profile ID:E_REQUIRED: ");
    has_problem(&pr, "8:2:message_type:E_ENUM: ");
    has_problem(&pr, "9:5:sent_at:E_DATE: ");
    /* A run executes once. */
    assert_int_equal(cw_run_exec(r), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "a run executes once");
    cw_run_free(r);
    cw_run_free(NULL);
    rmdir_all(out);
    rmdir_all(dir);
}

/* Parameters: --set values reach the recipe; unknown keys are refused
** with the list of accepted ones. */
static void test_pipeline_params(void **state)
{
    char dir[200], in[256];
    cw_run *r;

    (void)state;
    newdir("params", dir, sizeof dir);
    writefile(dir, "messages.csv",
              "id,message_type,receiver_id,activity_title,sent_at\n"
              "1,TwilioMessage,P1,GOTV,2024-10-01 14:30:00\n",
              in, sizeof in);

    r = newrun();
    assert_int_equal(cw_run_param(r, "service", "first"), CW_OK);
    assert_int_equal(cw_run_param(r, "service", "Mobilize"), CW_OK);
    assert_int_equal(cw_run_param(r, "other", "x"), CW_OK);
    load(r, "simple.lua");
    assert_int_equal(cw_run_param(r, "service", "late"), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r),
                        "parameters must be set before the recipe is loaded");
    assert_int_equal(cw_run_input(r, "messages", in), CW_OK);
    assert_int_equal(cw_run_outdir(r, dir), CW_OK);
    assert_int_equal(cw_run_exec(r), CW_OK);
    file_is(dir, "out.csv",
            "Profile ID,Effort Name,Date/Time,Service\n"
            "P1,GOTV,2024-10-01 14:30,Mobilize\n");
    cw_run_free(r);

    r = newrun();
    assert_int_equal(cw_run_param(r, "servce", "x"), CW_OK);
    assert_int_equal(cw_run_load(r, recipe("simple.lua")), CW_EUSAGE);
    assert_non_null(strstr(cw_run_errmsg(r), "simple.lua: unknown parameter "
                                             "'servce' (the recipe takes: "
                                             "other, service)"));
    cw_run_free(r);

    r = newrun();
    assert_int_equal(cw_run_param(r, "tz", "UTC"), CW_OK);
    assert_int_equal(cw_run_load(r, recipe("loop.lua")), CW_EUSAGE);
    assert_non_null(strstr(cw_run_errmsg(r), "unknown parameter 'tz' (the "
                                             "recipe takes: no parameters)"));
    cw_run_free(r);
    rmdir_all(dir);
}

/* Broken recipes and misuse of the API are usage errors, before any
** data is read. */
static void test_pipeline_recipe_errors(void **state)
{
    cw_run *r;
    int rc;

    (void)state;
    r = newrun();
    assert_int_equal(cw_run_load(r, recipe("badkey.lua")), CW_EUSAGE);
    assert_non_null(strstr(cw_run_errmsg(r),
                           "badkey.lua: recipe: unknown key 'output' (valid: "
                           "name, description, params, inputs, steps, "
                           "outputs, ledger)"));
    assert_int_equal(cw_run_load(r, recipe("simple.lua")), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "a run loads one recipe");
    cw_run_free(r);

    r = newrun();
    rc = cw_run_load(r, recipe("nonexistent.lua"));
    assert_true(rc < 0);
    assert_non_null(strstr(cw_run_errmsg(r), "nonexistent.lua"));
    cw_run_free(r);

    {
        cw_err err = {0};

        assert_int_equal(cw_run_new(&r, &err), CW_OK);
        /* no home set: the library finds one (here the source tree) */
        assert_int_equal(cw_run_load(r, recipe("simple.lua")), CW_OK);
        cw_run_free(r);
    }

    r = newrun();
    assert_int_equal(cw_run_input(r, NULL, "x.csv"), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "load the recipe first");
    assert_int_equal(cw_run_exec(r), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "load the recipe first");
    cw_run_free(r);

    r = newrun();
    load(r, "lookup.lua");
    assert_int_equal(cw_run_ninputs(r), 2);
    assert_int_equal(cw_run_input(r, "nope", "x.csv"), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "the recipe has no input 'nope' (its "
                                          "inputs: people, rows)");
    assert_int_equal(cw_run_input(r, "rows", "x.csv"), CW_OK);
    assert_int_equal(cw_run_input(r, NULL, "y.csv"), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "input 'rows' is given twice");
    cw_run_free(r);
}

/* A lookup input left unbound stops the run before anything is read;
** bound, the join works. */
static void test_pipeline_missing_binding(void **state)
{
    char dir[200], out[256], rows[256], people[256];
    cw_run *r;
    cw_summary s;

    (void)state;
    newdir("binding", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    writefile(dir, "rows.csv", "id\n1\n2\n", rows, sizeof rows);
    writefile(dir, "people.csv", "id,name\n2,Bo\n1,Al\n", people,
              sizeof people);

    r = newrun();
    load(r, "lookup.lua");
    assert_int_equal(cw_run_input(r, NULL, rows), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    assert_int_equal(cw_run_exec(r), CW_EUSAGE);
    assert_non_null(strstr(cw_run_errmsg(r), "input 'people' is not given"));
    cw_run_summary(r, &s);
    assert_int_equal(s.read, 0);
    assert_int_equal(s.noutputs, 0);
    assert_null(s.stopped_at);
    assert_string_equal(listing(out), "(none)"); /* not even created */
    cw_run_free(r);

    r = newrun();
    load(r, "simple.lua");
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    assert_int_equal(cw_run_exec(r), CW_EUSAGE);
    assert_non_null(strstr(cw_run_errmsg(r), "input 'messages' is not given"));
    /* pipeline.c prints "(use --input [messages=PATH)". */
    assert_string_equal(cw_run_errmsg(r), "input 'messages' is not given "
                                          "(use --input [messages=]PATH)");
    cw_run_free(r);

    r = newrun();
    load(r, "lookup.lua");
    assert_int_equal(cw_run_input(r, "people", people), CW_OK);
    assert_int_equal(cw_run_input(r, NULL, rows), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    assert_int_equal(cw_run_exec(r), CW_OK);
    file_is(out, "joined.csv", "id,name\n1,Al\n2,Bo\n");
    assert_string_equal(listing(out), "joined.csv");
    cw_run_free(r);
    rmdir_all(out);
    rmdir_all(dir);
}

/* An input without a required column of its schema: an error naming it,
** and no output or rejects file. */
static void test_pipeline_missing_column(void **state)
{
    char dir[200], out[256], in[256];
    cw_run *r = newrun();
    cw_summary s;

    (void)state;
    newdir("missingcol", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    writefile(dir, "m.csv",
              "message_type,receiver_id,activity_title,sent_at\n"
              "TwilioMessage,P1,GOTV,2024-10-01 14:30:00\n",
              in, sizeof in);
    load(r, "simple.lua");
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    assert_int_equal(cw_run_exec(r), CW_EINVALID);
    assert_non_null(strstr(cw_run_errmsg(r),
                           "m.csv:1: missing required column 'id' of "
                           "schema impactive/messages (input 'messages'); "
                           "the header has 'message_type', 'receiver_id', "
                           "'activity_title', 'sent_at'"));
    cw_run_summary(r, &s);
    assert_int_equal(s.read, 0);
    assert_null(s.stopped_at); /* nothing was read: exit 2 in the CLI */
    assert_int_equal(s.noutputs, 0);
    assert_string_equal(listing(out), "");
    cw_run_free(r);
    rmdir_all(out);
    rmdir_all(dir);
}

/* An output with a schema and no 'columns' writes the schema's required
** columns and those the recipe sets: no E_REQUIRED for Organizer's
** optional Service, which nothing sets.  After an fn step without 'sets'
** those are not known: the recipe is refused when checked. */
static void test_pipeline_output_schema_columns(void **state)
{
    char dir[200], out[256], in[256];
    cw_run *r = newrun();
    cw_summary s;

    (void)state;
    newdir("nocolumns", dir, sizeof dir);
    writefile(dir, "messages.csv", messages_csv, in, sizeof in);
    snprintf(out, sizeof out, "%s/out", dir);
    load(r, "nocolumns.lua");
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    if (cw_run_exec(r) != CW_OK)
        fail_msg("exec: %s", cw_run_errmsg(r));
    cw_run_summary(r, &s);
    assert_int_equal(s.written, 2);
    assert_int_equal(s.rejected, 4); /* input checks, a blank Profile ID */
    file_is(out, "out.csv",
            "Profile ID,Effort Name,Date/Time,Replied\n"
            "P1,GOTV,2024-10-01 14:30,false\n"
            "P5,\"Persuasion, wave 2\",2024-10-02 09:05,false\n");
    cw_run_free(r);
    rmdir_all(out);

    r = newrun();
    load(r, "nocolumns_fn.lua");
    assert_int_equal(cw_run_check(r), CW_EUSAGE);
    assert_non_null(strstr(cw_run_errmsg(r),
                           "nocolumns_fn.lua: outputs.text has no 'columns', "
                           "and steps[1] (fn) has no 'sets': which of the "
                           "columns of schema organizer/text_interactions the "
                           "recipe sets cannot be known"));
    cw_run_free(r);
    rmdir_all(dir);
}

/* With cw_run_strict(), a broken quote mid-file aborts the run (without
** it the record is rejected): CW_EPARSE, stopped_at names the place, no
** new file appears and an earlier output is untouched. */
static void test_pipeline_parse_error_rolls_back(void **state)
{
    static const char previous[] = "Profile ID\nfrom an earlier run\n";
    char dir[200], out[256], in[256], prev[256], want[300];
    cw_run *r = newrun();
    cw_summary s;
    char *got;

    (void)state;
    newdir("rollback", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    assert_int_equal(mkdir(out, 0700), 0);
    writefile(out, "out.csv", previous, prev, sizeof prev);
    writefile(dir, "m.csv",
              "id,message_type,receiver_id,activity_title,sent_at\n"
              "1,TwilioMessage,P1,GOTV,2024-10-01 14:30:00\n"
              "2,TwilioMessage,,GOTV,2024-10-01 14:30:00\n" /* a reject */
              "3,TwilioMessage,P3,GOTV,2024-10-01 14:30:00\n"
              "4,TwilioMessage,P4,\"GOTV\"x,2024-10-01 14:30:00\n"
              "5,TwilioMessage,P5,GOTV,2024-10-01 14:30:00\n",
              in, sizeof in);
    load(r, "simple.lua");
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    assert_int_equal(cw_run_strict(r, 1), CW_OK);
    assert_int_equal(cw_run_exec(r), CW_EPARSE);
    assert_non_null(strstr(cw_run_errmsg(r), "m.csv:5:"));
    cw_run_summary(r, &s);
    assert_non_null(s.stopped_at);
    snprintf(want, sizeof want, "%s:", in);
    assert_int_equal(strncmp(s.stopped_at, want, strlen(want)), 0);
    /* pipeline.c names the last good record's line (4), not line 5. */
    snprintf(want, sizeof want, "%s:5", in);
    assert_string_equal(s.stopped_at, want);
    assert_int_equal(s.read, 3);
    assert_int_equal(s.written, 2);
    assert_int_equal(s.rejected, 1);
    assert_int_equal(s.unprocessed, 0);
    assert_int_equal(s.noutputs, 0);
    assert_null(cw_run_output(r, 0, NULL));
    /* Only the earlier file, byte for byte; no rejects, no temp files. */
    assert_string_equal(listing(out), "out.csv");
    got = readfile(prev);
    assert_string_equal(got, previous);
    free(got);
    cw_run_free(r);
    rmdir_all(out);
    rmdir_all(dir);
}

/* An unterminated quote: the same, with the line where it starts. */
static void test_pipeline_unterminated_quote(void **state)
{
    char dir[200], out[256], in[256], want[300];
    cw_run *r = newrun();
    cw_summary s;

    (void)state;
    newdir("unterminated", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    writefile(dir, "m.csv",
              "id,message_type,receiver_id,activity_title,sent_at\n"
              "1,TwilioMessage,P1,GOTV,2024-10-01 14:30:00\n"
              "2,TwilioMessage,,GOTV,2024-10-01 14:30:00\n"
              "3,TwilioMessage,P3,\"GOTV,2024-10-01 14:30:00\n"
              "4,TwilioMessage,P4,GOTV,2024-10-01 14:30:00\n",
              in, sizeof in);
    load(r, "simple.lua");
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    assert_int_equal(cw_run_exec(r), CW_EPARSE);
    cw_run_summary(r, &s);
    assert_non_null(strstr(cw_run_errmsg(r), "m.csv:4:"));
    assert_non_null(s.stopped_at);
    snprintf(want, sizeof want, "%s:", in);
    assert_int_equal(strncmp(s.stopped_at, want, strlen(want)), 0);
    /* pipeline.c names the last good record's line (3), not line 4. */
    snprintf(want, sizeof want, "%s:4", in);
    assert_string_equal(s.stopped_at, want);
    assert_int_equal(s.read, 2);
    assert_string_equal(listing(out), "");
    cw_run_free(r);
    rmdir_all(out);
    rmdir_all(dir);
}

/* A text column marked nonblank in the input schema rejects a blank
** value, as cw_validate does. */
static void test_pipeline_input_nonblank(void **state)
{
    char dir[200], out[256], in[256], hdir[1024];
    cw_run *r;
    cw_summary s;
    probs pr = {0};

    (void)state;
    newdir("nonblank", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    writefile(dir, "rows.csv", "id,note\n1,\n2,x\n3,  \n", in, sizeof in);
    snprintf(hdir, sizeof hdir, "%s/tests/data/pipeline", home());
    assert_int_equal(cw_run_new(&r, NULL), CW_OK);
    assert_int_equal(cw_run_home(r, hdir), CW_OK);
    load(r, "nonblank.lua");
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    cw_run_on_problem(r, on_problem, &pr);
    assert_int_equal(cw_run_exec(r), CW_OK);
    cw_run_summary(r, &s);
    assert_int_equal(s.read, 3);
    assert_int_equal(s.read, s.written + s.rejected);
    /* pipeline.c check_input skips text columns that are only nonblank. */
    assert_int_equal(s.rejected, 2);
    has_problem(&pr, "2:2:note:E_REQUIRED: ");
    file_is(out, "out.csv", "id,note\n2,x\n");
    cw_run_free(r);
    rmdir_all(out);
    rmdir_all(dir);
}

/* A record rejected after a group step goes to the rejects file with its
** group's first original row.  pipeline.c compiles the plan with
** norig = 0, so the group keeps no original fields and reject_cb reads
** past them (a heap overflow under ASan, garbage or "out of memory"
** without it). */
static void test_pipeline_reject_after_group(void **state)
{
    char dir[200], out[256], in[256], want[1024];
    cw_run *r = newrun();
    cw_summary s;

    (void)state;
    newdir("groupreject", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    writefile(dir, "rows.csv", "id,k,extra\n1,a,x\n2,b,y\n3,a,z\n", in,
              sizeof in);
    load(r, "group_reject.lua");
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    if (cw_run_exec(r) != CW_OK)
        fail_msg("exec: %s", cw_run_errmsg(r));
    cw_run_summary(r, &s);
    assert_int_equal(s.read, 3);
    assert_int_equal(s.written, 1);
    assert_int_equal(s.rejected, 1);
    assert_int_equal(s.merged, 1);
    file_is(out, "out.csv", "k,id,n\nb,2,1\n");
    snprintf(want, sizeof want,
             "id,k,extra,_file,_line,_column,_code,_message\n"
             "1,a,x,%s,2,,E_RECIPE,key a is shared\n",
             in);
    file_is(out, "rejects.csv", want);
    cw_run_free(r);
    rmdir_all(out);
    rmdir_all(dir);
}

/* A dry run processes everything and writes nothing. */
static void test_pipeline_dry_run(void **state)
{
    char dir[200], out[256], in[256];
    cw_run *r = newrun();
    cw_summary s;

    (void)state;
    newdir("dryrun", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    writefile(dir, "messages.csv", messages_csv, in, sizeof in);
    load(r, "simple.lua");
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    assert_int_equal(cw_run_dryrun(r, 1), CW_OK);
    assert_int_equal(cw_run_exec(r), CW_OK);
    cw_run_summary(r, &s);
    assert_int_equal(s.read, 7);
    assert_int_equal(s.written, 2);
    assert_int_equal(s.rejected, 4);
    assert_int_equal(s.filtered, 1);
    /* pipeline.c leaves the temp files of a dry run until close. */
    assert_string_equal(listing(out), "");
    cw_run_free(r);
    assert_string_equal(listing(out), "");
    assert_string_equal(listing(dir), "messages.csv out");
    rmdir_all(out);
    rmdir_all(dir);
}

/* A function that never returns is stopped by the instruction limit:
** CW_ELIMIT, quickly, and nothing is written. */
static void test_pipeline_instruction_limit(void **state)
{
    char dir[200], out[256], in[256];
    cw_run *r = newrun();
    cw_summary s;
    double t0;

    (void)state;
    newdir("limit", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    writefile(dir, "rows.csv", "id\n1\n2\n", in, sizeof in);
    assert_int_equal(cw_run_limits(r, 100000, 0), CW_OK);
    load(r, "loop.lua");
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    t0 = now();
    assert_int_equal(cw_run_exec(r), CW_ELIMIT);
    assert_true(now() - t0 < 2.0);
    assert_non_null(strstr(cw_run_errmsg(r), "loop.lua"));
    cw_run_summary(r, &s);
    assert_int_equal(s.read, 1);
    assert_int_equal(s.unprocessed, 1);
    assert_int_equal(s.noutputs, 0);
    assert_string_equal(listing(out), "");
    cw_run_free(r);
    rmdir_all(out);
    rmdir_all(dir);
}

/* An interrupt before exec: CW_EINTR at the first record, nothing
** written. */
static void test_pipeline_interrupt(void **state)
{
    char dir[200], out[256], in[256];
    cw_run *r = newrun();
    cw_summary s;

    (void)state;
    newdir("interrupt", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    writefile(dir, "messages.csv", messages_csv, in, sizeof in);
    load(r, "simple.lua");
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    cw_run_interrupt(r);
    assert_int_equal(cw_run_exec(r), CW_EINTR);
    assert_string_equal(cw_run_errmsg(r), "interrupted");
    cw_run_summary(r, &s);
    assert_int_equal(s.read, 0);
    assert_int_equal(s.noutputs, 0);
    assert_string_equal(listing(out), "");
    cw_run_free(r);
    rmdir_all(out);
    rmdir_all(dir);
}

/* A progress callback that interrupts its run once 'rows' are read. */
struct stopper {
    cw_run *r;
    unsigned long long rows;
};

static void stop_at(void *ud, const cw_progress *p)
{
    struct stopper *s = ud;

    if (p->rows >= s->rows)
        cw_run_interrupt(s->r);
}

/* An interrupt in the middle of a large output, which a writer thread
** is writing: CW_EINTR, and neither the output nor its temp file is
** left. */
static void test_pipeline_interrupt_writing(void **state)
{
    static const char recipe_text[] =
        "return { name = 'big', inputs = { rows = { main = true } },\n"
        "  steps = { { map = { { 'id', from = 'id' }, { 'text', from = "
        "'text' } } } },\n"
        "  outputs = { out = { path = 'out.csv', columns = { 'id', 'text' } "
        "} } }\n";
    char dir[200], out[256], in[256], rec[256];
    cw_run *r = newrun();
    struct stopper stop = {r, 40000};
    cw_summary s;
    FILE *fp;

    (void)state;
    newdir("interrupt_writing", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    writefile(dir, "big.lua", recipe_text, rec, sizeof rec);
    snprintf(in, sizeof in, "%s/rows.csv", dir);
    fp = fopen(in, "w");
    assert_non_null(fp);
    fputs("id,text\n", fp);
    for (int i = 0; i < 60000; i++) /* 4 MB of output */
        fprintf(fp,
                "%d,\"row %d, which is written, \"\"quoted\"\" and "
                "all\"\n",
                i, i);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(cw_run_load(r, rec), CW_OK);
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    cw_run_on_progress(r, stop_at, &stop);
    assert_int_equal(cw_run_exec(r), CW_EINTR);
    assert_string_equal(cw_run_errmsg(r), "interrupted");
    cw_run_summary(r, &s);
    assert_true(s.read >= 40000 && s.read < 60000);
    assert_int_equal(s.noutputs, 0);
    assert_string_equal(listing(out), "");
    cw_run_free(r);
    rmdir_all(out);
    rmdir_all(dir);
}

/* Load the recipe 'text', written to 'dir'/clash.lua, into a new run;
** return the run and the status of cw_run_load() in '*rc'. */
static cw_run *load_text(const char *dir, const char *text, int *rc)
{
    char path[256];
    cw_run *r = newrun();

    writefile(dir, "clash.lua", text, path, sizeof path);
    *rc = cw_run_load(r, path);
    return r;
}

/* 'msg' must end with 'tail'. */
static void ends_with(const char *msg, const char *tail)
{
    size_t n = strlen(msg), k = strlen(tail);

    if (n < k || strcmp(msg + n - k, tail) != 0)
        fail_msg("'%s' does not end with '%s'", msg, tail);
}

/* Output names: clashes among the outputs fail the load; clashes with the
** rejects file, the database and reserved files fail cw_run_check_files()
** and cw_run_exec() before anything is read or written. */
static void test_pipeline_output_names(void **state)
{
    static const char head[] = "return { inputs = { m = {} }, outputs = { ";
    static const struct {
        const char *outputs, *error;
    } bad[] = {
        {"a = { path = 'x.csv', columns = { 'id' } }, "
         "b = { path = 'x.csv', columns = { 'id' } }",
         "outputs.a and outputs.b would both write 'x.csv'"},
        {"a = { path = '..', columns = { 'id' } }",
         "outputs.a: path '..' is not a file name"},
        {"a = { path = '.', columns = { 'id' } }",
         "outputs.a: path '.' is not a file name"},
        {"a = { path = 'x.csv', columns = { 'id' }, split = { max_bytes = 9 "
         "} }, b = { path = 'x-001.csv', columns = { 'id' } }",
         "outputs.b and the parts of outputs.a would both write "
         "'x-001.csv'"},
        {"b = { path = 'x-1234.csv', columns = { 'id' } }, a = { path = "
         "'x.csv', columns = { 'id' }, split = { max_bytes = 9 } }",
         "outputs.b and the parts of outputs.a would both write "
         "'x-1234.csv'"},
    };
    char dir[200], out[256], in[256], text[1300], want[600];
    cw_summary s;
    cw_run *r;
    int rc;

    (void)state;
    newdir("names", dir, sizeof dir);
    for (size_t i = 0; i < N(bad); i++) {
        snprintf(text, sizeof text, "%s%s } }", head, bad[i].outputs);
        r = load_text(dir, text, &rc);
        assert_int_equal(rc, CW_EUSAGE);
        ends_with(cw_run_errmsg(r), bad[i].error);
        cw_run_free(r);
    }
    /* Splitting without a clash, and x-01.csv is no part name. */
    snprintf(text, sizeof text,
             "%sa = { path = 'x.csv', columns = { 'id' }, split = { "
             "max_bytes = 9 } }, b = { path = 'x-01.csv', columns = { 'id' } "
             "} } }",
             head);
    r = load_text(dir, text, &rc);
    assert_int_equal(rc, CW_OK);
    assert_int_equal(cw_run_check_files(r), CW_OK);
    cw_run_free(r);

    /* rejects.csv is the default rejects file; --rejects moves it. */
    snprintf(text, sizeof text,
             "%sa = { path = 'rejects.csv', columns = { 'id' } } } }", head);
    r = load_text(dir, text, &rc);
    assert_int_equal(rc, CW_OK);
    assert_int_equal(cw_run_check_files(r), CW_EUSAGE);
    ends_with(cw_run_errmsg(r),
              "outputs.a and the rejects file would both write 'rejects.csv'");
    snprintf(out, sizeof out, "%s/out", dir);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    writefile(dir, "m.csv", "id\n1\n", in, sizeof in);
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_exec(r), CW_EUSAGE);
    snprintf(want, sizeof want,
             "outputs.a and the rejects file would both write "
             "'%s/rejects.csv'",
             out);
    ends_with(cw_run_errmsg(r), want);
    cw_run_summary(r, &s);
    assert_int_equal(s.read, 0);
    assert_string_equal(listing(out), "(none)"); /* not even made */
    cw_run_free(r);

    r = load_text(dir, text, &rc);
    snprintf(want, sizeof want, "%s/elsewhere.csv", dir);
    assert_int_equal(cw_run_rejects(r, want), CW_OK);
    assert_int_equal(cw_run_check_files(r), CW_OK);
    /* A reserved file: another spelling of the same path clashes. */
    snprintf(want, sizeof want, "%s/./out/../out/rejects.csv", dir);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    assert_int_equal(cw_run_reserve(r, want, "the summary"), CW_OK);
    assert_int_equal(cw_run_check_files(r), CW_EUSAGE);
    snprintf(text, sizeof text,
             "outputs.a and the summary would both write '%s'", want);
    ends_with(cw_run_errmsg(r), text);
    cw_run_free(r);

    /* crosswalk.db: the default database, only beside a table output. */
    snprintf(text, sizeof text,
             "%sa = { path = 'crosswalk.db', columns = { 'id' } } } }", head);
    r = load_text(dir, text, &rc);
    assert_int_equal(cw_run_check_files(r), CW_OK);
    cw_run_free(r);
    snprintf(text, sizeof text,
             "%sa = { path = 'crosswalk.db', columns = { 'id' } }, t = { "
             "table = 't', columns = { 'id' } } } }",
             head);
    r = load_text(dir, text, &rc);
    assert_int_equal(cw_run_check_files(r), CW_EUSAGE);
    ends_with(cw_run_errmsg(r),
              "outputs.a and the database would both write 'crosswalk.db'");
    snprintf(want, sizeof want, "sqlite:%s/rejects.csv", out);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    assert_int_equal(cw_run_database(r, want), CW_OK);
    assert_int_equal(cw_run_check_files(r), CW_EUSAGE);
    snprintf(want, sizeof want,
             "the rejects file and the database would both write "
             "'%s/rejects.csv'",
             out);
    ends_with(cw_run_errmsg(r), want);
    assert_int_equal(cw_run_database(r, "postgres:dbname=x"), CW_OK);
    assert_int_equal(cw_run_check_files(r), CW_OK);
    cw_run_free(r);
    rmdir_all(dir);
}

/* A run removes the temp files dead runs left in its output directory,
** and says so in one warning; a dry run removes nothing. */
static void test_pipeline_stale_temp(void **state)
{
    char dir[200], out[256], in[256], tmp[256];
    cw_run *r;
    probs pr = {0};

    (void)state;
    newdir("stale", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    assert_int_equal(mkdir(out, 0700), 0);
    writefile(dir, "messages.csv", messages_csv, in, sizeof in);
    writefile(out, ".out.csv.crosswalk-99999999.Ab3dEf", "half\n", tmp,
              sizeof tmp);
    writefile(out, ".rejects.csv.crosswalk-99999998.Ab3dEf", "half\n", tmp,
              sizeof tmp);

    r = newrun();
    load(r, "simple.lua");
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    assert_int_equal(cw_run_dryrun(r, 1), CW_OK);
    cw_run_on_problem(r, on_problem, &pr);
    assert_int_equal(cw_run_exec(r), CW_OK);
    assert_int_equal(pr.nwarn, 0);
    cw_run_free(r);
    assert_string_equal(listing(out), ".out.csv.crosswalk-99999999.Ab3dEf "
                                      ".rejects.csv.crosswalk-99999998.Ab3dEf");

    r = newrun();
    load(r, "simple.lua");
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    pr = (probs){0};
    cw_run_on_problem(r, on_problem, &pr);
    assert_int_equal(cw_run_exec(r), CW_OK);
    assert_int_equal(pr.nwarn, 1);
    assert_non_null(strstr(has_problem(&pr, "0:0:-:W_STALE_TEMP:W: removed 2 "
                                            "temp files left by crosswalk "
                                            "processes that no longer exist ("),
                           ", ...)"));
    cw_run_free(r);
    assert_string_equal(listing(out), "out.csv rejects.csv");
    rmdir_all(out);
    rmdir_all(dir);
}

/* The n-th allocation fails in cw_run_new: CW_ENOMEM and no run. */
static void test_pipeline_new_out_of_memory(void **state)
{
    long n;

    (void)state;
    for (n = 0;; n++) {
        struct budget b = {n, 0};
        cw_run *r = (cw_run *)1;
        cw_err err = {0};
        int rc;

        cw_set_allocator(budget_alloc, &b);
        rc = cw_run_new(&r, &err);
        cw_set_allocator(NULL, NULL);
        if (rc == CW_OK) {
            assert_non_null(r);
            cw_run_free(r);
            break;
        }
        assert_int_equal(rc, CW_ENOMEM);
        assert_int_equal(err.code, CW_ENOMEM);
        assert_null(r);
    }
    assert_int_equal(n, 1);
}

/* The n-th allocation fails anywhere from cw_run_new to cw_run_exec: the
** failing call reports CW_ENOMEM (or the Lua error it became), nothing
** is left in the output directory, and the run closes cleanly. */
static void test_pipeline_run_out_of_memory(void **state)
{
    char dir[200], out[256], in[256];
    long n, step = 1, failures = 0;

    (void)state;
    newdir("oom", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    writefile(dir, "messages.csv", messages_csv, in, sizeof in);
    for (n = 0;; n += step) {
        struct budget b = {n, 0};
        cw_run *r = NULL;
        cw_err err = {0};
        int rc;

        cw_set_allocator(budget_alloc, &b);
        rc = cw_run_new(&r, &err);
        if (rc == CW_OK)
            rc = cw_run_home(r, home());
        if (rc == CW_OK)
            rc = cw_run_load(r, recipe("simple.lua"));
        if (rc == CW_OK)
            rc = cw_run_input(r, NULL, in);
        if (rc == CW_OK)
            rc = cw_run_outdir(r, out);
        if (rc == CW_OK)
            rc = cw_run_exec(r);
        cw_set_allocator(NULL, NULL);
        if (rc == CW_OK) {
            file_is(out, "out.csv",
                    "Profile ID,Effort Name,Date/Time,Service\n"
                    "P1,GOTV,2024-10-01 14:30,Impactive\n"
                    "P5,\"Persuasion, wave 2\",2024-10-02 09:05,Impactive\n");
            cw_run_free(r);
            break;
        }
        failures++;
        if (rc != CW_ENOMEM && rc != CW_ELUA && rc != CW_ELIMIT)
            fail_msg("budget %ld: %d %s", n, rc,
                     r ? cw_run_errmsg(r) : err.msg);
        if (strcmp(listing(out), "") != 0 && strcmp(listing(out), "(none)"))
            fail_msg("budget %ld: left %s", n, listing(out));
        cw_run_free(r);
        if (n > 2000)
            step = 7; /* the Lua state's many small allocations */
    }
    print_message("run succeeded with %ld allocations allowed, %ld "
                  "failures checked\n",
                  n, failures);
    assert_true(failures > 100);
    rmdir_all(out);
    rmdir_all(dir);
}

/* ==== Streaming in and out ==== */

/* A cw_read_fn over 'len' bytes at 'text', 'chunk' at a time; with
** 'failat' > 0, it fails once that many bytes are given, storing 'code'
** and 'msg'. */
typedef struct memsrc {
    const char *text; /* the bytes */
    size_t len;       /* their count */
    size_t chunk;     /* most bytes a call gives */
    size_t failat;    /* fail from this offset on, 0: never */
    int code;         /* the code a failure stores */
    const char *msg;  /* and its message */
    size_t pos;       /* bytes given so far */
    size_t calls;     /* calls made */
} memsrc;

static memsrc mem(const char *text, size_t chunk)
{
    return (memsrc){text, strlen(text), chunk, 0, CW_OK, NULL, 0, 0};
}

static const char *memread(void *ud, size_t *len, cw_err *err)
{
    memsrc *m = ud;
    size_t n = m->len - m->pos;

    m->calls++;
    if (m->failat > 0 && m->pos >= m->failat) {
        err->code = m->code;
        snprintf(err->msg, sizeof err->msg, "%s", m->msg);
        return NULL;
    }
    if (n > m->chunk)
        n = m->chunk;
    *len = n;
    m->pos += n;
    return m->text + m->pos - n;
}

/* Rows received by a cw_row_fn, written as a CSV file would hold them;
** the callback stops the run at row 'stop_at' (1-based, 0: never). */
typedef struct rowsink {
    char csv[8192];       /* header and rows */
    size_t len;           /* bytes in 'csv' */
    size_t nrows;         /* rows received */
    size_t nulls;         /* NULL values received */
    char where[128];      /* "OUTPUT FILE:LINE" of the last row */
    size_t stop_at;       /* the row to stop at */
    int stop_rc;          /* what the callback then returns */
    const char *stop_msg; /* and the message it gives, or NULL */
} rowsink;

/* Append 'n' bytes at 's' to 'k' as one CSV field. */
static void csvfield(rowsink *k, const char *s, size_t n)
{
    int quote = 0;

    for (size_t i = 0; i < n; i++)
        quote |= s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    assert_true(k->len + 2 * n + 3 < sizeof k->csv);
    if (quote)
        k->csv[k->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            k->csv[k->len++] = '"';
        k->csv[k->len++] = s[i];
    }
    if (quote)
        k->csv[k->len++] = '"';
    k->csv[k->len] = '\0';
}

static int on_row(void *ud, const cw_row *row, cw_err *err)
{
    rowsink *k = ud;

    assert_non_null(row->output);
    assert_non_null(row->file);
    for (size_t i = 0; k->nrows == 0 && i < row->ncols; i++) {
        csvfield(k, row->names[i], strlen(row->names[i]));
        k->csv[k->len++] = i + 1 < row->ncols ? ',' : '\n';
    }
    for (size_t i = 0; i < row->ncols; i++) {
        if (row->values[i] == NULL) {
            assert_int_equal(row->lens[i], 0);
            k->nulls++;
        } else {
            /* NUL-terminated, and as long as 'lens' says. */
            assert_int_equal(strlen(row->values[i]), row->lens[i]);
            csvfield(k, row->values[i], row->lens[i]);
        }
        k->csv[k->len++] = i + 1 < row->ncols ? ',' : '\n';
    }
    k->csv[k->len] = '\0';
    k->nrows++;
    snprintf(k->where, sizeof k->where, "%s %s:%lu", row->output, row->file,
             row->line);
    if (k->nrows != k->stop_at)
        return 0;
    if (k->stop_msg != NULL)
        snprintf(err->msg, sizeof err->msg, "%s", k->stop_msg);
    return k->stop_rc;
}

/* 'text' with every 'from' replaced by 'to' (static storage). */
static const char *replace(const char *text, const char *from, const char *to)
{
    static char out[8192];
    size_t n = 0, k = strlen(from);

    for (const char *p = text; *p;) {
        if (strncmp(p, from, k) == 0) {
            n += (size_t)snprintf(out + n, sizeof out - n, "%s", to);
            p += k;
        } else if (n + 1 < sizeof out) {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return out;
}

/* The main input fed from memory in chunks of several sizes, down to one
** byte, and the output delivered to a callback: the rows are exactly
** those of the file the same recipe writes, the rejects those of the run
** from the file, the input named "<reader:messages>". */
static void test_pipeline_stream_chunks(void **state)
{
    static const size_t chunks[] = {1, 2, 3, 5, 64, 100000};
    char dir[200], fileout[256], cbout[256], in[256], path[300];
    char *wantcsv, *wantrej;
    cw_run *r = newrun();
    unsigned long long rows = 0;
    cw_summary s;

    (void)state;
    newdir("stream", dir, sizeof dir);
    writefile(dir, "messages.csv", messages_csv, in, sizeof in);
    snprintf(fileout, sizeof fileout, "%s/file", dir);
    snprintf(cbout, sizeof cbout, "%s/cb", dir);
    load(r, "simple.lua");
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, fileout), CW_OK);
    assert_int_equal(cw_run_exec(r), CW_OK);
    cw_run_free(r);
    snprintf(path, sizeof path, "%s/out.csv", fileout);
    wantcsv = readfile(path);
    snprintf(path, sizeof path, "%s/rejects.csv", fileout);
    wantrej = readfile(path);
    assert_non_null(wantcsv);
    assert_non_null(wantrej);

    for (size_t c = 0; c < N(chunks); c++) {
        memsrc m = mem(messages_csv, chunks[c]);
        rowsink k = {0};
        probs pr = {0};

        r = newrun();
        load(r, "simple.lua");
        assert_int_equal(cw_run_input_reader(r, NULL, memread, &m), CW_OK);
        assert_int_equal(cw_run_output_callback(r, "text", on_row, &k), CW_OK);
        assert_int_equal(cw_run_outdir(r, cbout), CW_OK);
        cw_run_on_problem(r, on_problem, &pr);
        if (cw_run_exec(r) != CW_OK)
            fail_msg("chunk %zu: %s", chunks[c], cw_run_errmsg(r));
        assert_string_equal(k.csv, wantcsv);
        assert_int_equal(k.nrows, 2);
        assert_int_equal(k.nulls, 0);
        /* P5's record spans lines 6 and 7. */
        assert_string_equal(k.where, "text <reader:messages>:6");
        assert_int_equal(m.pos, m.len);
        assert_true(m.calls > m.len / chunks[c]);
        cw_run_summary(r, &s);
        assert_int_equal(s.read, 7);
        assert_int_equal(s.written, 2);
        assert_int_equal(s.rejected, 4);
        assert_int_equal(s.filtered, 1);
        assert_int_equal(s.noutputs, 1);
        assert_string_equal(cw_run_output(r, 0, &rows), "<callback:text>");
        assert_int_equal(rows, 2);
        /* No out.csv: only the rejects file, naming the reader. */
        assert_string_equal(listing(cbout), "rejects.csv");
        file_is(cbout, "rejects.csv",
                replace(wantrej, in, "<reader:messages>"));
        has_problem(&pr, "4:6:twilio_segments:E_INTEGER: ");
        cw_run_free(r);
        rmdir_all(cbout);
    }
    free(wantcsv);
    free(wantrej);
    rmdir_all(fileout);
    rmdir_all(dir);
}

/* A recipe joining the input 'people' to the main input 'rows'. */
static const char lookup_recipe[] =
    "return { inputs = { rows = { main = true }, people = {} },\n"
    "  steps = { { lookup = { input = 'people', key = 'id', on = 'id',\n"
    "              columns = { name = 'name' }, missing = 'null' } } },\n"
    "  outputs = { out = { path = 'joined.csv', columns = { 'id', 'name' } "
    "} } }\n";

/* A lookup input read from a reader (one byte at a time) joins as its
** file does; binding mistakes are refused, and a reader read by two
** lookup steps too. */
static void test_pipeline_stream_lookup(void **state)
{
    static const char people_csv[] = "id,name\n2,Bo\n1,\"A,l\"\n";
    char dir[200], out[256], rows[256], people[256], path[300];
    memsrc m = mem(people_csv, 1);
    rowsink k = {0};
    char *want;
    cw_run *r;
    int rc;

    (void)state;
    newdir("streamlookup", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    writefile(dir, "rows.csv", "id\n1\n2\n3\n", rows, sizeof rows);
    writefile(dir, "people.csv", people_csv, people, sizeof people);

    r = load_text(dir, lookup_recipe, &rc);
    assert_int_equal(rc, CW_OK);
    assert_int_equal(cw_run_input(r, "people", people), CW_OK);
    assert_int_equal(cw_run_input(r, NULL, rows), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    assert_int_equal(cw_run_exec(r), CW_OK);
    cw_run_free(r);
    snprintf(path, sizeof path, "%s/joined.csv", out);
    want = readfile(path);
    assert_string_equal(want, "id,name\n1,\"A,l\"\n2,Bo\n3,\n");
    rmdir_all(out);

    r = load_text(dir, lookup_recipe, &rc);
    assert_int_equal(rc, CW_OK);
    assert_int_equal(cw_run_input_reader(r, "people", memread, &m), CW_OK);
    assert_int_equal(cw_run_input(r, NULL, rows), CW_OK);
    assert_int_equal(cw_run_output_callback(r, "out", on_row, &k), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    if (cw_run_exec(r) != CW_OK)
        fail_msg("exec: %s", cw_run_errmsg(r));
    assert_string_equal(k.csv, want);
    assert_int_equal(k.nulls, 1); /* 3 has no name: null, not "" */
    assert_int_equal(m.pos, m.len);
    assert_string_equal(listing(out), "");
    cw_run_free(r);
    free(want);

    /* Binding mistakes. */
    r = newrun();
    assert_int_equal(cw_run_input_reader(r, NULL, memread, &m), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "load the recipe first");
    assert_int_equal(cw_run_output_callback(r, "out", on_row, &k), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "load the recipe first");
    cw_run_free(r);
    r = load_text(dir, lookup_recipe, &rc);
    assert_int_equal(cw_run_input_reader(r, "nope", memread, &m), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "the recipe has no input 'nope' (its "
                                          "inputs: people, rows)");
    assert_int_equal(cw_run_input_reader(r, NULL, NULL, NULL), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "input 'rows': no reader function");
    assert_int_equal(cw_run_input(r, "people", people), CW_OK);
    assert_int_equal(cw_run_input_reader(r, "people", memread, &m), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "input 'people' is given twice");
    assert_int_equal(cw_run_input_reader(r, NULL, memread, &m), CW_OK);
    assert_int_equal(cw_run_input(r, "rows", rows), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "input 'rows' is given twice");
    assert_int_equal(cw_run_output_callback(r, "nope", on_row, &k), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "the recipe has no output 'nope' "
                                          "(its outputs: out)");
    assert_int_equal(cw_run_output_callback(r, "out", NULL, &k), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "outputs.out: no row callback "
                                          "function");
    assert_int_equal(cw_run_output_callback(r, "out", on_row, &k), CW_OK);
    assert_int_equal(cw_run_output_callback(r, "out", on_row, &k), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "outputs.out is given a callback "
                                          "twice");
    cw_run_free(r);

    /* Two lookup steps on one input: a reader is read once. */
    r = load_text(dir,
                  "return { inputs = { rows = { main = true }, p = {} },\n"
                  "  steps = { { lookup = { input = 'p', key = 'id', on = "
                  "'id', columns = { name = 'name' } } },\n"
                  "            { lookup = { input = 'p', key = 'name', on = "
                  "'name', columns = { id = 'pid' } } } },\n"
                  "  outputs = { out = { path = 'o.csv', columns = { 'id' } "
                  "} } }\n",
                  &rc);
    assert_int_equal(rc, CW_OK);
    assert_int_equal(cw_run_input_reader(r, "p", memread, &m), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r),
                        "input 'p' is read by 2 lookup steps: a reader can "
                        "feed only one (give a path)");
    cw_run_free(r);

    /* A lookup reader that fails stops the run before any row. */
    m = mem(people_csv, 4);
    m.failat = 12;
    m.msg = "peer went away";
    r = load_text(dir, lookup_recipe, &rc);
    assert_int_equal(cw_run_input_reader(r, "people", memread, &m), CW_OK);
    assert_int_equal(cw_run_input(r, NULL, rows), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    assert_int_equal(cw_run_exec(r), CW_EIO);
    assert_string_equal(cw_run_errmsg(r),
                        "lookup input <reader:people>:2:0: peer went away");
    assert_string_equal(listing(out), "");
    cw_run_free(r);
    rmdir_all(out);
    rmdir_all(dir);
}

/* A reader that fails: the run fails with its code (CW_EIO when it gives
** none) and its message, made safe; nothing is committed. */
static void test_pipeline_stream_read_error(void **state)
{
    static const struct {
        int code;        /* the code the reader stores */
        const char *msg; /* its message */
        int want;        /* the run's status */
        const char *shown;
    } cases[] = {
        {CW_OK, "socket closed", CW_EIO, "socket closed"},
        {CW_EINTR, "cancelled\x1b[2J", CW_EINTR, "cancelled\\x1b[2J"},
        {CW_EIO, "", CW_EIO, "read error"},
    };
    char dir[200], out[256], want[600];

    (void)state;
    newdir("streamerr", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    for (size_t i = 0; i < N(cases); i++) {
        memsrc m = mem(messages_csv, 16);
        cw_run *r = newrun();
        cw_summary s;

        m.failat = 160; /* in the second record, line 3 */
        m.code = cases[i].code;
        m.msg = cases[i].msg;
        load(r, "simple.lua");
        assert_int_equal(cw_run_input_reader(r, NULL, memread, &m), CW_OK);
        assert_int_equal(cw_run_outdir(r, out), CW_OK);
        assert_int_equal(cw_run_exec(r), cases[i].want);
        snprintf(want, sizeof want, "<reader:messages>:3:0: %s",
                 cases[i].shown);
        assert_string_equal(cw_run_errmsg(r), want);
        cw_run_summary(r, &s);
        assert_int_equal(s.noutputs, 0);
        assert_non_null(s.stopped_at);
        assert_string_equal(s.stopped_at, "<reader:messages>:3");
        assert_string_equal(listing(out), ""); /* nothing committed */
        cw_run_free(r);
    }
    rmdir_all(out);
    rmdir_all(dir);
}

/* A recipe with a file output and two outputs that may go to callbacks:
** 'b' (whose path is the rejects file's name) and the table 't'. */
static const char three_outputs[] =
    "return { inputs = { m = {} }, outputs = {\n"
    "  a = { path = 'a.csv', columns = { 'id', 'v' } },\n"
    "  b = { path = 'rejects.csv', columns = { 'v', 'id' } },\n"
    "  t = { table = 't', columns = { 'id' } } } }\n";

/* A callback that stops the run: its status and message, nothing
** committed to the other outputs.  A callback output writes no file
** (so its name clashes with none) and a table one needs no database. */
static void test_pipeline_callback_stop(void **state)
{
    char dir[200], out[256], in[256], want[600];
    unsigned long long rows = 0;
    cw_summary s;
    cw_run *r;
    int rc;

    (void)state;
    newdir("cbstop", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    writefile(dir, "m.csv", "id,v\n1,x\n2,y\n3,z\n", in, sizeof in);

    /* Bound to nothing, 'b' would overwrite the rejects file. */
    r = load_text(dir, three_outputs, &rc);
    assert_int_equal(rc, CW_OK);
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    assert_int_equal(cw_run_check_files(r), CW_EUSAGE);
    assert_non_null(strstr(cw_run_errmsg(r), "outputs.b and the rejects file"));
    cw_run_free(r);

    /* Stopped at the second row: CW_EUSAGE for a status of its own. */
    {
        rowsink kb = {.stop_at = 2, .stop_rc = 1, .stop_msg = "enough"};
        rowsink kt = {0};

        r = load_text(dir, three_outputs, &rc);
        assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
        assert_int_equal(cw_run_output_callback(r, "b", on_row, &kb), CW_OK);
        assert_int_equal(cw_run_output_callback(r, "t", on_row, &kt), CW_OK);
        assert_int_equal(cw_run_outdir(r, out), CW_OK);
        assert_int_equal(cw_run_check_files(r), CW_OK);
        assert_int_equal(cw_run_exec(r), CW_EUSAGE);
        assert_string_equal(cw_run_errmsg(r), "outputs.b: enough");
        assert_int_equal(kb.nrows, 2);
        assert_int_equal(kt.nrows, 1); /* 't' comes after 'b' */
        cw_run_summary(r, &s);
        assert_int_equal(s.noutputs, 0);
        assert_int_equal(s.written, 1);
        assert_int_equal(s.unprocessed, 1);
        snprintf(want, sizeof want, "%s:3", in);
        assert_string_equal(s.stopped_at, want);
        assert_string_equal(listing(out), ""); /* no a.csv, no database */
        cw_run_free(r);
    }

    /* A negative status is the run's; without a message, a default one. */
    {
        rowsink kb = {.stop_at = 1, .stop_rc = CW_EINTR};

        r = load_text(dir, three_outputs, &rc);
        assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
        assert_int_equal(cw_run_output_callback(r, "b", on_row, &kb), CW_OK);
        assert_int_equal(cw_run_outdir(r, out), CW_OK);
        assert_int_equal(cw_run_exec(r), CW_EINTR);
        assert_string_equal(cw_run_errmsg(r),
                            "outputs.b: the row callback stopped the run");
        assert_string_equal(listing(out), "");
        cw_run_free(r);
    }

    /* Run to the end: the file and the two callbacks, no database. */
    for (int dry = 1; dry >= 0; dry--) {
        rowsink kb = {0}, kt = {0};

        r = load_text(dir, three_outputs, &rc);
        assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
        assert_int_equal(cw_run_output_callback(r, "b", on_row, &kb), CW_OK);
        assert_int_equal(cw_run_output_callback(r, "t", on_row, &kt), CW_OK);
        assert_int_equal(cw_run_outdir(r, out), CW_OK);
        assert_int_equal(cw_run_dryrun(r, dry), CW_OK);
        assert_int_equal(cw_run_exec(r), CW_OK);
        /* A dry run delivers the rows too. */
        assert_string_equal(kb.csv, "v,id\nx,1\ny,2\nz,3\n");
        assert_string_equal(kt.csv, "id\n1\n2\n3\n");
        cw_run_summary(r, &s);
        assert_int_equal(s.noutputs, 3);
        snprintf(want, sizeof want, "%s/a.csv", out);
        assert_string_equal(cw_run_output(r, 0, &rows), want);
        assert_int_equal(rows, 3);
        assert_string_equal(cw_run_output(r, 1, &rows), "<callback:b>");
        assert_int_equal(rows, 3);
        assert_string_equal(cw_run_output(r, 2, &rows), "<callback:t>");
        assert_int_equal(rows, 3);
        assert_string_equal(listing(out), dry ? "" : "a.csv");
        cw_run_free(r);
    }
    file_is(out, "a.csv", "id,v\n1,x\n2,y\n3,z\n");
    rmdir_all(out);
    rmdir_all(dir);
}

/* The n-th allocation fails while a reader feeds the run and a callback
** takes its rows: CW_ENOMEM (or the Lua error it became), nothing left
** in the output directory.  The recipe is loaded first, with malloc:
** budget_alloc is realloc and free, so it frees that memory too. */
static void test_pipeline_stream_out_of_memory(void **state)
{
    char dir[200], out[256];
    long n, failures = 0;

    (void)state;
    newdir("streamoom", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    for (n = 0;; n++) {
        struct budget b = {n, 0};
        memsrc m = mem(messages_csv, 7);
        rowsink k = {0};
        cw_run *r = newrun();
        int rc;

        load(r, "simple.lua");
        cw_set_allocator(budget_alloc, &b);
        rc = cw_run_input_reader(r, NULL, memread, &m);
        if (rc == CW_OK)
            rc = cw_run_output_callback(r, "text", on_row, &k);
        if (rc == CW_OK)
            rc = cw_run_outdir(r, out);
        if (rc == CW_OK)
            rc = cw_run_exec(r);
        cw_set_allocator(NULL, NULL);
        if (rc == CW_OK) {
            assert_string_equal(k.csv,
                                "Profile ID,Effort Name,Date/Time,Service\n"
                                "P1,GOTV,2024-10-01 14:30,Impactive\n"
                                "P5,\"Persuasion, wave 2\",2024-10-02 "
                                "09:05,Impactive\n");
            cw_run_free(r);
            break;
        }
        failures++;
        if (rc != CW_ENOMEM && rc != CW_ELUA && rc != CW_ELIMIT)
            fail_msg("budget %ld: %d %s", n, rc, cw_run_errmsg(r));
        if (strcmp(listing(out), "") != 0 && strcmp(listing(out), "(none)"))
            fail_msg("budget %ld: left %s", n, listing(out));
        cw_run_free(r);
    }
    print_message("streamed run succeeded with %ld allocations allowed\n", n);
    assert_true(failures > 20);
    rmdir_all(out);
    rmdir_all(dir);
}

/* ==== cw_validate ==== */

/* Validate the text 'csv' (written to a file) against organizer
** text_interactions; return the status and fill 'pr' and '*nerr'. */
static int validate(const char *csv, probs *pr, unsigned long *nerr)
{
    char dir[200], path[256];
    cw_err err = {0};
    int rc;

    newdir("validate", dir, sizeof dir);
    writefile(dir, "t.csv", csv, path, sizeof path);
    *pr = (probs){0};
    rc = cw_validate(home(), "organizer/text_interactions", path, on_problem,
                     pr, nerr, &err);
    rmdir_all(dir);
    return rc;
}

static const char good_csv[] =
    "Profile ID,Effort Name,Date/Time,Replied,Opted Out,Message\n"
    "1001,GOTV Oct,10/01/2024 14:30,true,false,\"Hi,\nthere\"\n"
    "1002,GOTV Oct,2024-10-01 14:31,no,yes,Hello\n"
    "1003,Persuasion,2024-10-02,1,0,Hey\n";

/* A valid file: no problems at all. */
static void test_pipeline_validate_ok(void **state)
{
    probs pr;
    unsigned long nerr = 99;

    (void)state;
    assert_int_equal(validate(good_csv, &pr, &nerr), CW_OK);
    assert_int_equal(nerr, 0);
    if (pr.n != 0)
        fail_msg("unexpected problem: %s", pr.text[0]);
}

/* Six distinct Effort Names: one E_DISTINCT_CAP, on the sixth's line. */
static void test_pipeline_validate_distinct_cap(void **state)
{
    static const char csv[] = "Profile ID,Effort Name,Date/Time\n"
                              "1,E1,2024-10-01\n"
                              "2,E2,2024-10-01\n"
                              "3,E1,2024-10-01\n"
                              "4,E3,2024-10-01\n"
                              "5,\"E\n4\",2024-10-01\n" /* lines 6-7 */
                              "6,E5,2024-10-01\n"
                              "7,E2,2024-10-01\n"
                              "8,E6,2024-10-01\n" /* line 10: the 6th */
                              "9,E7,2024-10-01\n"
                              "10,E1,2024-10-01\n";
    probs pr;
    unsigned long nerr = 0;
    const char *p;

    (void)state;
    assert_int_equal(validate(csv, &pr, &nerr), CW_OK);
    assert_int_equal(nerr, 1);
    assert_int_equal(pr.n, 1);
    p = has_problem(&pr, "10:2:Effort Name:E_DISTINCT_CAP: ");
    assert_non_null(strstr(p, "'E6'"));
    assert_non_null(strstr(p, "at most 5"));
}

/* Names differing only in case or spacing draw a warning, not an error. */
static void test_pipeline_validate_spelling(void **state)
{
    static const char csv[] = "Profile ID,Effort Name,Date/Time\n"
                              "1,GOTV Text,2024-10-01\n"
                              "2,gotv text,2024-10-01\n"
                              "3,GOTV  Text,2024-10-01\n"
                              "4,GOTV Text,2024-10-01\n";
    probs pr;
    unsigned long nerr = 9;
    const char *p;

    (void)state;
    assert_int_equal(validate(csv, &pr, &nerr), CW_OK);
    assert_int_equal(nerr, 0);
    assert_int_equal(pr.nwarn, 2);
    assert_int_equal(pr.n, 2);
    p = has_problem(&pr, "3:2:Effort Name:W_EFFORT_SPELLING:W: ");
    assert_non_null(strstr(p, "'gotv text' and 'GOTV Text'"));
    has_problem(&pr, "4:2:Effort Name:W_EFFORT_SPELLING:W: ");
}

/* Bad values: each an error at its exact line and column. */
static void test_pipeline_validate_values(void **state)
{
    static const char csv[] =
        "Profile ID,Effort Name,Date/Time,Replied,Service\n"
        "1,E1,2024-10-01,maybe,x\n"           /* line 2, col 4 */
        "2,E1,2024-10-01T14:30:00Z,yes,x\n"   /* line 3, col 3 */
        "3,\"multi\nline\",10/01/2024,no,x\n" /* lines 4-5: fine */
        "4,E1,1/2/2024,yes,\n"                /* 6: col 3, col 5 */
        "1.23457E+11,E1,2024-10-01,yes,x\n"   /* line 7, col 1 */
        ",   ,2024-10-01,yes,x\n"             /* line 8, cols 1, 2 */
        "9,E1,2024-10-01,yes,x,extra\n";      /* line 9: ragged */
    probs pr;
    unsigned long nerr = 0;

    (void)state;
    assert_int_equal(validate(csv, &pr, &nerr), CW_OK);
    has_problem(&pr, "2:4:Replied:E_BOOLEAN: column 'Replied': not a "
                     "boolean");
    has_problem(&pr, "3:3:Date/Time:E_DATE: column 'Date/Time': not an "
                     "Organizer date");
    has_problem(&pr, "6:3:Date/Time:E_DATE: ");
    has_problem(&pr, "6:5:Service:E_REQUIRED: column 'Service': a value is "
                     "required");
    has_problem(&pr, "7:1:Profile ID:E_EXCEL: ");
    has_problem(&pr, "8:1:Profile ID:E_REQUIRED: ");
    has_problem(&pr, "8:2:Effort Name:E_REQUIRED: ");
    has_problem(&pr, "9:0:-:E_RAGGED: ");
    assert_int_equal(nerr, 8);
    assert_int_equal(pr.n, 8);
    assert_int_equal(pr.nwarn, 0);
}

/* Header problems: duplicates ignoring case, missing and unknown columns,
** a file with no rows; and files that cannot be checked at all. */
static void test_pipeline_validate_header(void **state)
{
    probs pr;
    unsigned long nerr = 0;
    cw_err err = {0};
    int rc;

    (void)state;
    assert_int_equal(validate("Profile ID,profile id,Effort Name,Date/Time\n"
                              "1,2,E,2024-10-01\n",
                              &pr, &nerr),
                     CW_OK);
    assert_int_equal(nerr, 1);
    has_problem(&pr, "1:2:-:E_HEADER_DUP: ");

    assert_int_equal(
        validate("Profile ID,Date/Time\n1,2024-10-01\n", &pr, &nerr), CW_OK);
    assert_int_equal(nerr, 1);
    assert_int_equal(pr.n, 1);
    has_problem(&pr, "1:0:Effort Name:E_MISSING_COLUMN: required column "
                     "'Effort Name' is missing (schema "
                     "organizer/text_interactions); the header has "
                     "'Profile ID', 'Date/Time'");

    /* A misspelt header name is named as the likely culprit. */
    assert_int_equal(validate("Profile ID,Efort Name,Date/Time\n"
                              "1,E,2024-10-01\n",
                              &pr, &nerr),
                     CW_OK);
    assert_int_equal(nerr, 1);
    has_problem(&pr, "1:0:Effort Name:E_MISSING_COLUMN: required column "
                     "'Effort Name' is missing (schema "
                     "organizer/text_interactions); the header has 'Efort "
                     "Name': is it 'Effort Name' misspelled?");

    assert_int_equal(validate("Profile ID,Effort Name,Date/Time,Colour\n"
                              "1,E,2024-10-01,red\n",
                              &pr, &nerr),
                     CW_OK);
    assert_int_equal(nerr, 0);
    assert_int_equal(pr.nwarn, 1);
    has_problem(&pr, "1:4:Colour:W_UNKNOWN_COLUMN:W: column 'Colour' is not "
                     "in schema organizer/text_interactions");

    /* Aliases are accepted for the header. */
    assert_int_equal(validate("profile_id,EffortName,Date\n"
                              "1,E,2024-10-01\n",
                              &pr, &nerr),
                     CW_OK);
    assert_int_equal(pr.n, 0);

    assert_int_equal(validate("Profile ID,Effort Name,Date/Time\n", &pr, &nerr),
                     CW_OK);
    assert_int_equal(nerr, 1);
    has_problem(&pr, "1:0:-:E_EMPTY: ");

    rc = cw_validate(home(), "organizer/nope", "/nonexistent.csv", on_problem,
                     &pr, &nerr, &err);
    assert_int_equal(rc, CW_EUSAGE);
    assert_non_null(strstr(err.msg, "unknown schema 'organizer/nope'"));
    rc = cw_validate(home(), "organizer/text_interactions", "/nonexistent.csv",
                     on_problem, &pr, &nerr, &err);
    assert_true(rc < 0);
    assert_non_null(strstr(err.msg, "/nonexistent.csv"));
}

/* ==== Dialects and encodings ==== */

/* Write the 'len' bytes at 'p' to 'dir'/'name'; the path goes to 'out'. */
static const char *writebytes(const char *dir, const char *name, const char *p,
                              size_t len, char *out, size_t cap)
{
    FILE *f;

    snprintf(out, cap, "%s/%s", dir, name);
    f = fopen(out, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return out;
}

/* A recipe whose inputs declare their dialects: the main input is
** semicolon-separated, the lookup input Latin-1 with tabs, and the output
** is written with pipes. */
static const char dialect_recipe[] =
    "return { inputs = { rows = { main = true, delimiter = ';' },\n"
    "                    people = { delimiter = '\\t', encoding = 'latin1' } "
    "},\n"
    "  steps = { { lookup = { input = 'people', key = 'id', on = 'id',\n"
    "              columns = { name = 'name' }, missing = 'null' } } },\n"
    "  outputs = { out = { path = 'joined.csv', delimiter = '|',\n"
    "                      columns = { 'id', 'name', 'note' } } } }\n";

/*
** Dialects declared by a recipe's inputs, replaced by the caller's for
** every input or for one (the one for an input winning), the output's
** delimiter, and the mistakes: before the load, an unknown input, a merge
** that cannot work (nothing changed), a dialect for a database input.
*/
static void test_pipeline_dialects(void **state)
{
    char dir[200], out[256], rows[256], people[256], path[300], db[300];
    cw_run *r;
    cw_summary s;
    int rc;

    (void)state;
    newdir("dialects", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    writefile(dir, "rows.csv", "id;note\n1;\"a;b\"\n2;x\n3;y\n", rows,
              sizeof rows);
    writefile(dir, "people.tsv", "id\tname\n1\tZo\xEB\n2\tJos\xE9|P\n", people,
              sizeof people);

    r = load_text(dir, dialect_recipe, &rc);
    assert_int_equal(rc, CW_OK);
    assert_int_equal(cw_run_input(r, "people", people), CW_OK);
    assert_int_equal(cw_run_input(r, NULL, rows), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    if (cw_run_exec(r) != CW_OK)
        fail_msg("exec: %s", cw_run_errmsg(r));
    cw_run_summary(r, &s);
    assert_int_equal(s.written, 3);
    cw_run_free(r);
    file_is(out, "joined.csv",
            "id|name|note\n1|Zo\xC3\xAB|a;b\n2|\"Jos\xC3\xA9|P\"|x\n3||y\n");
    rmdir_all(out);

    /* The caller's dialect replaces the recipe's: for every CSV input,
    ** then for one input, which wins. */
    writefile(dir, "rows.csv", "id,note\n1,\"a;b\"\n", rows, sizeof rows);
    writefile(dir, "people.tsv", "id|name\n1|Zo\xC3\xAB\n", people,
              sizeof people);
    r = load_text(dir, dialect_recipe, &rc);
    assert_int_equal(
        cw_run_input_dialect(r, NULL, &(cw_dialect){',', 0, NULL, 0}), CW_OK);
    assert_int_equal(
        cw_run_input_dialect(r, "people", &(cw_dialect){'|', 0, "UTF-8", 0}),
        CW_OK);
    assert_int_equal(cw_run_input_dialect(r, "people", NULL), CW_OK);
    assert_int_equal(cw_run_input(r, "people", people), CW_OK);
    assert_int_equal(cw_run_input(r, NULL, rows), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    if (cw_run_exec(r) != CW_OK)
        fail_msg("exec: %s", cw_run_errmsg(r));
    cw_run_free(r);
    file_is(out, "joined.csv", "id|name|note\n1|Zo\xC3\xAB|a;b\n");
    rmdir_all(out);

    /* Mistakes. */
    r = newrun();
    assert_int_equal(
        cw_run_input_dialect(r, NULL, &(cw_dialect){0, 0, NULL, 0}), CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "load the recipe first");
    cw_run_free(r);
    r = load_text(dir, dialect_recipe, &rc);
    assert_int_equal(
        cw_run_input_dialect(r, "nope", &(cw_dialect){';', 0, NULL, 0}),
        CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r), "the recipe has no input 'nope' (its "
                                          "inputs: people, rows)");
    assert_int_equal(
        cw_run_input_dialect(r, "rows", &(cw_dialect){0, ';', NULL, 0}),
        CW_EUSAGE);
    assert_string_equal(cw_run_errmsg(r),
                        "input 'rows': the delimiter ';' is also the quote "
                        "character ';': they must differ");
    assert_int_equal(
        cw_run_input_dialect(r, NULL, &(cw_dialect){0, 0, "x-y", 0}),
        CW_EUSAGE);
    ends_with(cw_run_errmsg(r), "('iconv -l' lists them)");
    /* Nothing changed: the recipe's dialects still read the files. */
    writefile(dir, "rows.csv", "id;note\n1;n\n", rows, sizeof rows);
    writefile(dir, "people.tsv", "id\tname\n1\tA\n", people, sizeof people);
    assert_int_equal(cw_run_input(r, "people", people), CW_OK);
    assert_int_equal(cw_run_input(r, NULL, rows), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    if (cw_run_exec(r) != CW_OK)
        fail_msg("exec: %s", cw_run_errmsg(r));
    cw_run_free(r);
    file_is(out, "joined.csv", "id|name|note\n1|A|n\n");
    rmdir_all(out);

    /* A database input ignores the dialect for every input, and refuses
    ** one given to it. */
    snprintf(db, sizeof db, "sqlite:%s/p.db#people", dir);
    writefile(dir, "p.csv", "id,name\n1,Ann\n", path, sizeof path);
    assert_int_equal(cw_convert(path, db, NULL, NULL), CW_OK);
    for (int named = 0; named <= 2; named++) {
        r = load_text(dir, named == 2 ? dialect_recipe : lookup_recipe, &rc);
        assert_int_equal(cw_run_input(r, "people", db), CW_OK);
        assert_int_equal(cw_run_input(r, NULL, rows), CW_OK);
        assert_int_equal(cw_run_input_dialect(r, named == 1 ? "people" : NULL,
                                              &(cw_dialect){';', 0, NULL, 0}),
                         CW_OK);
        assert_int_equal(cw_run_outdir(r, out), CW_OK);
        rc = cw_run_exec(r);
        if (named == 0) {
            if (rc != CW_OK)
                fail_msg("exec: %s", cw_run_errmsg(r));
            file_is(out, "joined.csv", "id,name\n1,Ann\n");
        } else { /* given for it, or declared by the recipe */
            assert_int_equal(rc, CW_EUSAGE);
            ends_with(cw_run_errmsg(r), "a delimiter, quote or encoding is "
                                        "for CSV files; this input is a "
                                        "sqlite database");
        }
        cw_run_free(r);
        rmdir_all(out);
    }

    /* The recipe's own mistakes. */
    {
        static const struct {
            const char *decl; /* in inputs.m */
            const char *tail; /* of the message */
        } bad[] = {
            {"delimiter = ';;'", "inputs.m: 'delimiter' must be one character "
                                 "(\"\\t\" for a tab)"},
            {"quote = 1", "inputs.m: 'quote' must be one character (\"\\t\" "
                          "for a tab)"},
            {"delimiter = '\"'", "inputs.m: the delimiter '\"' is also the "
                                 "quote character '\"': they must differ"},
            {"encoding = 'klingon'", "inputs.m: unknown encoding 'klingon': "
                                     "give a name iconv knows, such as "
                                     "latin1, windows-1252 or UTF-16 ('iconv "
                                     "-l' lists them)"},
            {"encoding = true", "inputs.m: 'encoding' must be a string"},
        };
        char text[512];

        for (size_t i = 0; i < N(bad); i++) {
            snprintf(text, sizeof text,
                     "return { inputs = { m = { %s } }, outputs = { o = { "
                     "path = 'o.csv', columns = { 'a' } } } }\n",
                     bad[i].decl);
            r = load_text(dir, text, &rc);
            assert_int_equal(rc, CW_EUSAGE);
            ends_with(cw_run_errmsg(r), bad[i].tail);
            cw_run_free(r);
        }
        r = load_text(dir,
                      "return { inputs = { m = {} }, outputs = { o = { "
                      "path = 'o.ndjson', format = 'ndjson', delimiter = ';', "
                      "columns = { 'a' } } } }\n",
                      &rc);
        assert_int_equal(rc, CW_EUSAGE);
        ends_with(cw_run_errmsg(r),
                  "'delimiter' is for csv outputs: 'outputs.o'");
        cw_run_free(r);
        r = load_text(dir,
                      "return { inputs = { m = {} }, outputs = { o = { "
                      "path = 'o.csv', delimiter = '\\n', columns = { 'a' } } "
                      "} }\n",
                      &rc);
        assert_int_equal(rc, CW_EUSAGE);
        ends_with(cw_run_errmsg(r), "outputs.o: the delimiter '\\x0A' cannot "
                                    "be used: it must be one ASCII character "
                                    "other than CR and LF (such as , ; TAB "
                                    "or |)");
        cw_run_free(r);
    }
    rmdir_all(dir);
}

/* A UTF-16 main input: its rejects name the lines of the file, and the
** outputs and rejects file are UTF-8. */
static void test_pipeline_dialect_utf16(void **state)
{
    /* "id,name\n1,Zoë\n2,\n" in UTF-16BE with a byte order mark */
    static const char in16[] = "\xFE\xFF\0i\0d\0,\0n\0a\0m\0e\0\n"
                               "\0001\0,\0Z\0o\0\xEB\0\n"
                               "\0002\0,\0\n";
    char dir[200], out[256], in[256], want[1024];
    cw_run *r;
    probs pr = {0};
    int rc;

    (void)state;
    newdir("utf16", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    writebytes(dir, "in.csv", in16, sizeof in16 - 1, in, sizeof in);
    r = load_text(dir,
                  "return { inputs = { m = { encoding = 'UTF-16' } },\n"
                  "  steps = { { validate = { column = 'name', rule = "
                  "'nonblank' } } },\n"
                  "  outputs = { o = { path = 'o.csv', columns = { 'id', "
                  "'name' } } } }\n",
                  &rc);
    if (rc != CW_OK)
        fail_msg("%s", cw_run_errmsg(r));
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    cw_run_on_problem(r, on_problem, &pr);
    if (cw_run_exec(r) != CW_OK)
        fail_msg("exec: %s", cw_run_errmsg(r));
    cw_run_free(r);
    file_is(out, "o.csv", "id,name\n1,Zo\xC3\xAB\n");
    snprintf(want, sizeof want,
             "id,name,_file,_line,_column,_code,_message\n"
             "2,,%s,3,name,E_REQUIRED,column 'name': value is required\n",
             in);
    file_is(out, "rejects.csv", want);
    has_problem(&pr, "3:2:name:E_REQUIRED: ");
    rmdir_all(out);
    rmdir_all(dir);
}

/* A header that is one column holding ';' names the delimiter in the
** error of a missing required column (run, validate, load), and giving
** the delimiter reads the file. */
static void test_pipeline_dialect_hints(void **state)
{
    static const char semi[] = "Profile ID;Effort Name;Date/Time;Replied\n"
                               "1;GOTV;2024-10-28 17:05;true\n";
    static const char hint[] = "the header is one column holding ';': is "
                               "the file semicolon-separated? (--delimiter "
                               "';')";
    char dir[200], out[256], in[256], db[300], msg[600];
    unsigned long nerr = 0;
    probs pr = {0};
    cw_load *l;
    cw_err err;
    cw_run *r;
    int rc;

    (void)state;
    newdir("hints", dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    writefile(dir, "ti.csv", semi, in, sizeof in);
    for (int given = 0; given <= 1; given++) {
        r = load_text(dir,
                      "return { inputs = { m = { schema = "
                      "'organizer/text_interactions' } },\n"
                      "  outputs = { o = { path = 'o.csv', columns = { "
                      "'Profile ID' } } } }\n",
                      &rc);
        assert_int_equal(rc, CW_OK);
        assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
        if (given)
            assert_int_equal(
                cw_run_input_dialect(r, "m", &(cw_dialect){';', 0, NULL, 0}),
                CW_OK);
        assert_int_equal(cw_run_outdir(r, out), CW_OK);
        rc = cw_run_exec(r);
        if (given) {
            assert_int_equal(rc, CW_OK);
        } else {
            assert_int_equal(rc, CW_EINVALID);
            ends_with(cw_run_errmsg(r), hint);
        }
        cw_run_free(r);
        rmdir_all(out);
    }

    assert_int_equal(cw_validate_dialect(home(), "organizer/text_interactions",
                                         in, 0, NULL, on_problem, &pr, &nerr,
                                         &err),
                     CW_OK);
    assert_int_equal(nerr, 3);
    snprintf(msg, sizeof msg,
             "1:0:Profile ID:E_MISSING_COLUMN: required column 'Profile ID' "
             "is missing (schema organizer/text_interactions); %s",
             hint);
    assert_string_equal(has_problem(&pr, "1:0:Profile ID:"), msg);
    assert_string_equal(has_problem(&pr, "1:0:Effort Name:"),
                        "1:0:Effort Name:E_MISSING_COLUMN: required column "
                        "'Effort Name' is missing (schema "
                        "organizer/text_interactions)");
    pr = (probs){0};
    assert_int_equal(cw_validate_dialect(home(), "organizer/text_interactions",
                                         in, 0, &(cw_dialect){';', 0, NULL, 0},
                                         on_problem, &pr, &nerr, &err),
                     CW_OK);
    assert_int_equal(nerr, 0);
    assert_int_equal(cw_validate_dialect(home(), "organizer/text_interactions",
                                         in, 0, &(cw_dialect){'\r', 0, NULL, 0},
                                         NULL, NULL, &nerr, &err),
                     CW_EUSAGE);
    assert_non_null(strstr(err.msg, "the delimiter '\\x0D' cannot be used"));

    /* load: a one-column header holding ';' that no schema knows is
    ** refused, unless a delimiter or a schema is given. */
    snprintf(db, sizeof db, "sqlite:%s/l.db", dir);
    for (int how = 0; how < 4; how++) {
        static const char *const schemas[] = {NULL, NULL, "none",
                                              "organizer/text_interactions"};

        assert_int_equal(cw_load_new(&l, &err), CW_OK);
        assert_int_equal(cw_load_home(l, home()), CW_OK);
        assert_int_equal(cw_load_into(l, db), CW_OK);
        assert_int_equal(cw_load_file(l, in), CW_OK);
        assert_int_equal(cw_load_mode(l, "replace"), CW_OK);
        if (schemas[how] != NULL)
            assert_int_equal(cw_load_schema(l, schemas[how]), CW_OK);
        if (how == 1)
            assert_int_equal(cw_load_dialect(l, &(cw_dialect){';', 0, NULL, 0}),
                             CW_OK);
        rc = cw_load_exec(l);
        if (how == 0) {
            assert_int_equal(rc, CW_EUSAGE);
            snprintf(msg, sizeof msg, "%s:1: no schema knows the header; %s",
                     in, hint);
            assert_string_equal(cw_load_errmsg(l), msg);
        } else if (how == 3) {
            assert_int_equal(rc, CW_EUSAGE);
            snprintf(msg, sizeof msg,
                     "%s:1: missing required column 'Profile ID' of schema "
                     "organizer/text_interactions; %s",
                     in, hint);
            assert_string_equal(cw_load_errmsg(l), msg);
        } else if (rc != CW_OK) {
            fail_msg("%d: %s", how, cw_load_errmsg(l));
        }
        cw_load_free(l);
    }
    assert_int_equal(cw_load_new(&l, &err), CW_OK);
    assert_int_equal(cw_load_dialect(l, &(cw_dialect){0, 0, "klingon", 0}),
                     CW_EUSAGE);
    ends_with(cw_load_errmsg(l), "('iconv -l' lists them)");
    assert_int_equal(cw_load_dialect(l, NULL), CW_OK);
    cw_load_free(l);
    rmdir_all(dir);
}

/* cw_convert_dialect(): a Latin-1 file with semicolons to NDJSON in UTF-8;
** a dialect for an NDJSON input is refused. */
static void test_pipeline_dialect_convert(void **state)
{
    char dir[200], in[256], outp[300], nd[256];
    unsigned long long rows = 0;
    cw_err err;

    (void)state;
    newdir("convert", dir, sizeof dir);
    writefile(dir, "in.csv", "id;name\n1;Zo\xEB\n2;\"a;b\"\n", in, sizeof in);
    snprintf(outp, sizeof outp, "%s/out.ndjson", dir);
    assert_int_equal(cw_convert_dialect(in, outp,
                                        &(cw_dialect){';', 0, "latin1", 0},
                                        &rows, &err),
                     CW_OK);
    assert_int_equal(rows, 2);
    file_is(dir, "out.ndjson",
            "{\"id\":\"1\",\"name\":\"Zo\xC3\xAB\"}\n"
            "{\"id\":\"2\",\"name\":\"a;b\"}\n");
    writefile(dir, "in.ndjson", "{\"a\":\"1\"}\n", nd, sizeof nd);
    snprintf(outp, sizeof outp, "%s/out.csv", dir);
    assert_int_equal(cw_convert_dialect(nd, outp,
                                        &(cw_dialect){0, 0, "latin1", 0}, &rows,
                                        &err),
                     CW_EUSAGE);
    assert_non_null(strstr(err.msg, "NDJSON is read as UTF-8"));
    assert_int_equal(
        cw_convert_dialect(nd, outp, &(cw_dialect){0, 0, NULL, 0}, &rows, &err),
        CW_OK);
    assert_int_equal(cw_convert_dialect(
                         in, outp, &(cw_dialect){'"', 0, NULL, 0}, &rows, &err),
                     CW_EUSAGE);
    rmdir_all(dir);
}

/* ==== Progress ==== */

/* The calls a run made to its progress callback. */
typedef struct calls {
    cw_progress p[16]; /* the first 16 */
    size_t n;          /* how many */
} calls;

static void on_progress(void *ud, const cw_progress *p)
{
    calls *c = ud;

    if (c->n < N(c->p))
        c->p[c->n] = *p;
    c->n++;
}

static const char pass_recipe[] =
    "return { inputs = { rows = {} },\n"
    "  outputs = { out = { path = \"out.csv\", columns = { \"v\" } } } }\n";

/* Progress: a call every CW_PROGRESS_ROWS records and one at the end,
** with the bytes read and the file's size; a reader's size is unknown;
** a failed run's last call is not 'done'. */
static void test_pipeline_progress(void **state)
{
    char dir[200], out[256], in[256];
    static char text[3 + 2500 * 6];
    size_t len = 0;
    calls c = {0};
    memsrc m;
    cw_run *r;
    int rc;

    (void)state;
    newdir("progress", dir, sizeof dir);
    len += (size_t)sprintf(text, "v\n");
    for (int i = 0; i < 2500; i++)
        len += (size_t)sprintf(text + len, "%05d\n", i);
    writefile(dir, "rows.csv", text, in, sizeof in);
    snprintf(out, sizeof out, "%s/out", dir);
    r = load_text(dir, pass_recipe, &rc);
    assert_int_equal(rc, CW_OK);
    assert_int_equal(cw_run_input(r, NULL, in), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    cw_run_on_progress(r, on_progress, &c);
    if (cw_run_exec(r) != CW_OK)
        fail_msg("exec: %s", cw_run_errmsg(r));
    assert_int_equal(c.n, 3);
    assert_int_equal(c.p[0].rows, CW_PROGRESS_ROWS);
    assert_int_equal(c.p[1].rows, 2 * CW_PROGRESS_ROWS);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(c.p[i].done, 0);
        assert_int_equal(c.p[i].total, len);
        assert_true(c.p[i].bytes > 0 && c.p[i].bytes <= len);
    }
    assert_int_equal(c.p[2].rows, 2500);
    assert_int_equal(c.p[2].done, 1);
    assert_int_equal(c.p[2].bytes, len);
    assert_int_equal(c.p[2].total, len);
    cw_run_free(r);
    rmdir_all(out);

    /* The same bytes from a reader: read, but of unknown size. */
    memset(&c, 0, sizeof c);
    m = mem(text, 1000);
    r = load_text(dir, pass_recipe, &rc);
    assert_int_equal(cw_run_input_reader(r, NULL, memread, &m), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    cw_run_on_progress(r, on_progress, &c);
    assert_int_equal(cw_run_exec(r), CW_OK);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.p[2].rows, 2500);
    assert_int_equal(c.p[2].bytes, len);
    assert_int_equal(c.p[2].total, 0);
    cw_run_free(r);
    rmdir_all(out);

    /* A reader failing midway: the last call says how far it got. */
    memset(&c, 0, sizeof c);
    m = mem(text, 1000);
    m.failat = 8000;
    m.code = CW_EIO;
    m.msg = "gone";
    r = load_text(dir, pass_recipe, &rc);
    assert_int_equal(cw_run_input_reader(r, NULL, memread, &m), CW_OK);
    assert_int_equal(cw_run_outdir(r, out), CW_OK);
    cw_run_on_progress(r, on_progress, &c);
    assert_int_equal(cw_run_exec(r), CW_EIO);
    assert_true(c.n >= 2);
    assert_int_equal(c.p[c.n - 1].done, 0);
    assert_true(c.p[c.n - 1].rows >= CW_PROGRESS_ROWS);
    assert_true(c.p[c.n - 1].bytes <= 8000);
    cw_run_free(r);
    rmdir_all(out);

    rmdir_all(dir);
}

/* Remove the base temporary directory (the last test). */
static void test_pipeline_cleanup(void **state)
{
    (void)state;
    assert_int_equal(rmdir(base()), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipeline_run_simple),
        cmocka_unit_test(test_pipeline_params),
        cmocka_unit_test(test_pipeline_recipe_errors),
        cmocka_unit_test(test_pipeline_missing_binding),
        cmocka_unit_test(test_pipeline_missing_column),
        cmocka_unit_test(test_pipeline_output_schema_columns),
        cmocka_unit_test(test_pipeline_parse_error_rolls_back),
        cmocka_unit_test(test_pipeline_unterminated_quote),
        cmocka_unit_test(test_pipeline_input_nonblank),
        cmocka_unit_test(test_pipeline_reject_after_group),
        cmocka_unit_test(test_pipeline_dry_run),
        cmocka_unit_test(test_pipeline_instruction_limit),
        cmocka_unit_test(test_pipeline_interrupt),
        cmocka_unit_test(test_pipeline_interrupt_writing),
        cmocka_unit_test(test_pipeline_output_names),
        cmocka_unit_test(test_pipeline_stale_temp),
        cmocka_unit_test(test_pipeline_new_out_of_memory),
        cmocka_unit_test(test_pipeline_run_out_of_memory),
        cmocka_unit_test(test_pipeline_stream_chunks),
        cmocka_unit_test(test_pipeline_stream_lookup),
        cmocka_unit_test(test_pipeline_stream_read_error),
        cmocka_unit_test(test_pipeline_callback_stop),
        cmocka_unit_test(test_pipeline_stream_out_of_memory),
        cmocka_unit_test(test_pipeline_validate_ok),
        cmocka_unit_test(test_pipeline_validate_distinct_cap),
        cmocka_unit_test(test_pipeline_validate_spelling),
        cmocka_unit_test(test_pipeline_validate_values),
        cmocka_unit_test(test_pipeline_validate_header),
        cmocka_unit_test(test_pipeline_dialects),
        cmocka_unit_test(test_pipeline_dialect_utf16),
        cmocka_unit_test(test_pipeline_dialect_hints),
        cmocka_unit_test(test_pipeline_dialect_convert),
        cmocka_unit_test(test_pipeline_progress),
        cmocka_unit_test(test_pipeline_cleanup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
