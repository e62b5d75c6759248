/*
** parse_only.c -- bench/parse.sh's probe: read a CSV file and count its
** records and fields, with crosswalk's reader or with libcsv, doing
** nothing else.  Built by bench/parse.sh against the library of the
** crosswalk build being measured (it uses the reader's internal API).
**
** usage: parse_only cw|cw-thread|libcsv FILE
** prints: records fields bytes-of-field-data
*/
#include "csv/csvread.h"

#include <csv.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Counts kept by the libcsv callbacks. */
typedef struct counts {
    unsigned long long records, fields, bytes;
    unsigned long long hfields, hbytes; /* libcsv: the header's */
} counts;

static void on_field(void *s, size_t len, void *ud)
{
    counts *c = ud;

    (void)s;
    c->fields++;
    c->bytes += len;
}

static void on_record(int ch, void *ud)
{
    counts *c = ud;

    (void)ch;
    if (c->records++ == 0) {
        c->hfields = c->fields;
        c->hbytes = c->bytes;
    }
}

/* Spaces are data, as in crosswalk's reader (libcsv trims them by
** default). */
static int no_space(unsigned char ch)
{
    (void)ch;
    return 0;
}

/* libcsv, strict, 1 MiB reads; the header counts as a record. */
static int with_libcsv(const char *path, counts *c)
{
    static char buf[1 << 20];
    struct csv_parser p;
    ssize_t n;
    int fd = open(path, O_RDONLY);

    if (fd < 0 || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return 1;
    csv_set_space_func(&p, no_space);
    while ((n = read(fd, buf, sizeof buf)) > 0)
        if (csv_parse(&p, buf, (size_t)n, on_field, on_record, c) !=
            (size_t)n) {
            fprintf(stderr, "libcsv: %s\n", csv_strerror(csv_error(&p)));
            return 1;
        }
    csv_fini(&p, on_field, on_record, c);
    csv_free(&p);
    close(fd);
    c->records--; /* the header */
    c->fields -= c->hfields;
    c->bytes -= c->hbytes;
    return n < 0;
}

/* crosswalk's reader, parsing inline or one batch ahead in a thread. */
static int with_crosswalk(const char *path, int ahead, counts *c)
{
    cw_csvopts o;
    cw_csv *r;
    cw_err err;
    int rc;

    cw__csvopts_default(&o);
    o.ahead = ahead;
    if (cw__csv_openfile(path, &o, &r, &err) != CW_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    while ((rc = cw__csv_next(r)) == CW_ROW) {
        size_t n = cw__csv_nfields(r), len;

        c->records++;
        c->fields += n;
        for (size_t i = 0; i < n; i++) {
            (void)cw__csv_field(r, i, &len);
            c->bytes += len;
        }
    }
    if (rc != CW_DONE)
        fprintf(stderr, "%s\n", cw__csv_errmsg(r));
    cw__csv_close(r);
    return rc != CW_DONE;
}

int main(int argc, char **argv)
{
    counts c = {0, 0, 0, 0, 0};
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: parse_only cw|cw-thread|libcsv FILE\n");
        return 2;
    }
    if (strcmp(argv[1], "libcsv") == 0)
        rc = with_libcsv(argv[2], &c);
    else
        rc = with_crosswalk(argv[2], strcmp(argv[1], "cw-thread") == 0, &c);
    printf("%llu %llu %llu\n", c.records, c.fields, c.bytes);
    return rc;
}
