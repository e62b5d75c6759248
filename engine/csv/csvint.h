/*
** csvint.h -- what the CSV reader (csvread.c) and its parser
** (csvparse.c) share: the reader's struct, its batches of records, and the
** two calls from one to the other (one per slice of input and one per
** batch, never per field).  Private to engine/csv.
*/
#ifndef CW_CSVINT_H
#define CW_CSVINT_H

#include "csv/csvread.h"
#include "csv/decode.h"

#include <pthread.h>
#include <stdint.h>

#define SEP 128 /* bytes kept between two threads' fields */

/* ==== Classifying blocks of input (classify.c) ==== */

#define CLS_BYTES 1024u            /* most bytes classified at once */
#define CLS_WORDS (CLS_BYTES / 64) /* their words of bits */

/*
** What the parser's fast path classifies input with: SIMD_AUTO picks
** the fastest this machine has; SIMD_OFF is the state machine alone (no
** fast path, the reference the others are tested against).
*/
enum simd { SIMD_AUTO, SIMD_OFF, SIMD_SCALAR, SIMD_SSE2, SIMD_AVX2 };

/*
** The structural bytes of up to CLS_BYTES bytes of input, bit i of word
** i / 64 for byte i: its quotes; its delimiters and line ends outside
** quotes, by the parity of the quotes before them as if the first byte
** were outside quotes (the fast path starts at the start of a field);
** the line ends among those; its odd bytes (below 0x0E or above 0x7F,
** but only below 0x0E when the classifier checked that the bytes above
** 0x7F are all valid UTF-8, as the AVX2 one does); and its quotes and
** odd bytes together (the bytes a plain field has none of).  Bits past the end
*are 0.  'nsep' counts the bits of 'sep'.
*/
typedef struct cls {
    uint64_t quote[CLS_WORDS];
    uint64_t sep[CLS_WORDS];
    uint64_t lend[CLS_WORDS];
    uint64_t odd[CLS_WORDS];
    uint64_t flag[CLS_WORDS];
    size_t nsep;
} cls;

/* Classify the 'n' (1 to CLS_BYTES) bytes at 's' into 'out'. */
typedef void classify_fn(const unsigned char *s, size_t n, unsigned char delim,
                         unsigned char quote, cls *out);

/*
** The classifier for a new reader: the level cw__csvparse_force() last
** asked for, when this machine has it, else the fastest it has (AVX2
** with PCLMUL and POPCNT, SSE2, then portable C); NULL for SIMD_OFF.  Its
** level goes to '*level'.
*/
classify_fn *cw__classify_pick(int *level);

/* 1 when this machine can classify with the enum simd 'level'. */
int cw__classify_has(int level);

/*
** Make the readers whose parsing starts from now on use the enum simd
** 'level' (falling back as cw__classify_pick() says); return the level
** asked for before.  For tests and fuzz targets, which compare the levels:
** call it only while no reader is being opened or parsing starts.
*/
int cw__csvparse_force(int level);

/* The enum simd level 'r' parses with: SIMD_AUTO until its parsing starts
** (csvparse.c). */
int cw__csvparse_level(const cw_csv *r);

/* A field of the queued records: where its bytes are in the batch's
** 'bytes' (csvread.h). */
typedef cw_csvspan span;

/* One complete record waiting in the queue, or the one being built. */
typedef struct rec {
    size_t f0;             /* index of its first field in cw_csv.fields */
    size_t nf;             /* number of fields */
    unsigned long line;    /* physical line where it starts */
    unsigned long nlines;  /* line ends inside its fields */
    size_t badf;           /* 1-based field with a problem ('bad'), or 0 */
    size_t badat;          /* 0-based offset of the bad byte in the field;
                              B_CUT: the line of the closing quote */
    unsigned long badline; /* line where that field starts */
    int bad;               /* what is wrong: an enum bad */
} rec;

/*
** What is wrong with a record handed out as CW_EINVALID (rec.bad): a NUL
** byte or invalid UTF-8 in a field, or, with cw_csvopts.resync, a
** malformed record: a stray quote in an unquoted field, text after the
** closing quote of a quoted field, or the same after a quoted field that
** spans lines (the record is then cut at the end of the line where the
** field opens).  A malformed record's problem wins over the others.
*/
enum bad { B_UTF8, B_NUL, B_STRAY, B_AFTER, B_CUT };

/*
** A batch of complete records: the parser fills one while the records of
** the other are handed out.  Without a parser thread one batch does both.
*/
typedef struct batch {
    char *bytes;               /* field bytes of its records, NUL after each */
    size_t nbytes;             /* bytes used in 'bytes' */
    size_t bytescap;           /* bytes allocated for 'bytes' */
    span *fields;              /* fields of its records, in order */
    size_t nfields;            /* fields used */
    size_t fieldscap;          /* fields allocated */
    rec *recs;                 /* complete records, oldest first */
    size_t nrecs;              /* records in it */
    size_t recscap;            /* records allocated */
    int last;                  /* 1: the parser stopped after this batch */
    unsigned long long offset; /* input bytes consumed when handed over */
    char pad[SEP];             /* keeps the other batch off its lines */
} batch;

/*
** Where the parser is: between records, at the start of a field after a
** delimiter, inside an unquoted field, inside a quoted field, right after
** a quote inside a quoted field (which ends the field unless another
** quote follows), or in the rest of the line of a malformed record (where
** quotes are data and every delimiter ends a field).
*/
enum state { S_ROW, S_FIELD, S_BARE, S_QUOTED, S_QUOTE, S_RAW };

/* What went wrong while parsing, reported once the queue is drained. */
enum pending {
    P_NONE,     /* nothing */
    P_NOMEM,    /* out of memory */
    P_IO,       /* the byte source failed: message in 'pend_err' */
    P_STRAY,    /* a quote inside an unquoted field */
    P_AFTER,    /* text after the closing quote of a field */
    P_UNTERM,   /* a quoted field still open at the end of input */
    P_TOOBIG,   /* a field larger than max_field */
    P_TOOBIGQ,  /* the same, in a quoted field still open */
    P_TOOMANY,  /* a record of more than max_fields fields */
    P_ENCODING, /* a UTF-16/32 byte order mark: name in 'pend_enc' */
    P_EXCEL,    /* an Excel workbook: "xlsx" or "xls" in 'pend_enc' */
};

/*
** The reader: the parser, the input, the batches of records and the problems.
** With a parser thread, the parser's fields, each batch and the caller's
** fields are kept at least SEP bytes apart, so that the two threads do
** not write to the same cache lines.
*/
struct cw_csv {
    /* The caller's: the current record, for cw__csv_field() (csvread.h);
    ** first, and apart from what the parser thread reads. */
    cw_csvnow view;
    char padv[SEP];
    /* Set up once, then read by both threads. */
    char *name;      /* input name for messages, owned */
    cw_read_fn read; /* byte source ... */
    void *ud;        /* ... and its argument */
    cw_dec *dec;     /* the decoder 'read' is, for another encoding */
    cw_csvopts o;    /* options, copied */
    int fd;          /* file read by cw__csv_openfile, or -1 */
    int ownfd;       /* 1 when 'fd' must be closed */
    char *fbuf;      /* read(2) buffer of FILE_BUF bytes, or NULL */
    int ahead;       /* 1: parse in a thread once reading starts */
    int running;     /* 1: the parser thread exists, not joined */
    int threaded;    /* 1: the parser thread was started */
    pthread_t tid;   /* the parser thread */
    char pad0[SEP];
    /* The parser's: with a parser thread, only it touches these (the
    ** caller reads 'pend', 'eof' and 'line' once it has ended). */
    enum state st;              /* where the parser is */
    unsigned char special[256]; /* 1 for delimiter, quote, CR and LF */
    classify_fn *classify;      /* the fast path's classifier, or NULL */
    int simd;                   /* its enum simd level; SIMD_AUTO: not yet
                                   picked (at the first slice) */
    char *ent;                  /* saved bytes of the field being parsed */
    size_t elen;                /* bytes in 'ent' */
    size_t ecap;                /* bytes allocated for 'ent' */
    const char *chunk;          /* current input chunk, borrowed from 'read' */
    size_t chunklen;            /* its size */
    size_t chunkpos;            /* bytes of it already parsed */
    char *again;                /* bytes to parse again before the chunk's
                                   rest (after(), csvparse.c), or NULL */
    size_t againlen;            /* their size */
    size_t againpos;            /* bytes of them already parsed */
    unsigned char head[4];      /* first bytes of input, kept to spot a BOM */
    size_t nhead;               /* bytes in 'head' */
    int sniffed;                /* 1 once the BOM question is settled */
    int eof;                    /* 1 once the end of input was parsed */
    batch *fb;                  /* the batch the callbacks fill */
    rec cur;                    /* record being built by the callbacks */
    unsigned long line;         /* line where the next unparsed byte is */
    int lastcr;                 /* 1: the last line end parsed was a lone CR */
    enum pending pend;          /* problem found while parsing, not yet shown */
    unsigned long pend_line;    /* its line */
    unsigned long pend_col;     /* its field number, 0 for none */
    const char *pend_enc;       /* P_ENCODING: the encoding the BOM names */
    cw_err pend_err;            /* P_IO: the byte source's error */
    unsigned long long offset;  /* input bytes consumed */
    char pad1[SEP];
    /* The trade, under 'mu'. */
    pthread_mutex_t mu; /* guards 'ready', 'spare' and 'stop' */
    pthread_cond_t cv;  /* signalled when one of them changes */
    batch *ready;       /* a filled batch for the caller, or NULL */
    batch *spare;       /* an empty batch for the parser, or NULL */
    int stop;           /* 1: the caller closes; the parser must end */
    char pad2[SEP];
    batch side; /* the parser's: the record being built, between batches */
    batch b[2]; /* the two batches, padded apart */
    /* The caller's. */
    batch *rb;                 /* the batch records are handed out from */
    size_t qhead;              /* next record of 'rb' to hand out */
    rec now;                   /* the record handed out last */
    int fatal;                 /* sticky status once reading cannot go on */
    int hinted;                /* 1 once an E_UTF8 named --encoding */
    int stray_hinted;          /* 1 once an E_QUOTE named --stray-quotes */
    int hdrdone;               /* 1 once the header question is settled */
    int hdrrc;                 /* what cw__csv_header() returned then */
    char **cols;               /* header names, NUL-terminated, 'ncols' */
    char *colbytes;            /* the bytes 'cols' point into */
    size_t ncols;              /* header names (0 without a header) */
    unsigned long long rownum; /* data records handed out so far */
    const char *code;          /* code of the last problem, "" for none */
    unsigned long errline;     /* line of the last problem */
    unsigned long errcol;      /* field number of the last problem */
    cw_err err;                /* message of the last problem */
};

/*
** Parse one more slice of input, of at most 'most' bytes (at least 1):
** of the bytes to parse again while there are any, else of the current
** chunk, reading one first when it is used up (csvparse.c).  Problems
** are left pending.
*/
void cw__csvparse_fill(cw_csv *r, size_t most);

/*
** Start batch 'to' (which may be r->fb itself) with nothing but the fields
** of the record being built, which are at the end of r->fb, so that the
** buffers do not grow without end (csvparse.c).  CW_OK, or CW_ENOMEM (then
** pending).
*/
int cw__csvparse_carry(cw_csv *r, batch *to);

/*
** Move the fields of the record being built from the end of r->fb to
** 'side', leaving r->fb with its complete records only, so that the
** parser thread can hand r->fb over before it has the next batch to
** carry them to (csvparse.c).  CW_OK, or CW_ENOMEM (then pending).
*/
int cw__csvparse_stash(cw_csv *r, batch *side);

#endif /* CW_CSVINT_H */
