/*
** decode.h -- dialects and encodings: checking a cw_dialect, and the
** decoder that turns the bytes of an input in another encoding into
** UTF-8 as the CSV reader pulls them (glibc's iconv; docs/decisions.md,
** "Dialects and encodings").  Private to engine/.
*/
#ifndef CW_DECODE_H
#define CW_DECODE_H

#include "core/cw.h"

/*
** The byte a decoder puts in place of a sequence that is not valid in the
** input's encoding: never valid in UTF-8, so the reader's UTF-8 check
** finds it and rejects its record, at its line and field.
*/
#define CW_DEC_BAD 0xFF

/* 1 when 'enc' is NULL, empty or names UTF-8 ("UTF-8", "utf8"): no
** decoder is needed. */
int cw__dec_isutf8(const char *enc);

/*
** Check a dialect (crosswalk.h): CW_OK, or CW_EUSAGE with a message
** saying what is wrong, for a delimiter or quote that is not one ASCII
** character other than CR, LF and each other, or an encoding iconv does
** not know.  A NULL 'd' is the default dialect.
*/
int cw__dialect_check(const cw_dialect *d, cw_err *err);

/* 1 when 'd' is NULL or sets no delimiter, quote or encoding (other than
** UTF-8): what a database or NDJSON input can be read with. */
int cw__dialect_plain(const cw_dialect *d);

/* "xlsx" or "xls" when the 'n' first bytes of a file at 'h' are those of
** an Excel workbook (a ZIP archive, an OLE2 compound file), else NULL;
** the message for one, with that name for its %s. */
const char *cw__dec_workbook(const unsigned char *h, size_t n);
#define CW_WORKBOOK_FMT                                                        \
    "this is an Excel workbook (.%s), not CSV: save it as CSV UTF-8"

typedef struct cw_dec cw_dec; /* one decoder (opaque) */

/*
** Create a decoder from the encoding 'enc' (not UTF-8: cw__dec_isutf8())
** to UTF-8, over the byte source 'read'/'ud'.  Nothing is read yet.
** CW_OK; CW_EUSAGE for an encoding iconv does not know; CW_ENOMEM.
*/
int cw__dec_new(const char *enc, cw_read_fn read, void *ud, cw_dec **out,
                cw_err *err);

/*
** cw_read_fn over a decoder ('ud'): the next chunk of UTF-8, at most
** 256 KiB, borrowed until the next call; 0 bytes at the end.  Reading
** starts with the byte order mark: a UTF-16 or UTF-32 one picks the
** endianness and is dropped; one that does not fit the encoding, and an
** Excel workbook, fail (cw__dec_code() says which).  A sequence that is
** not valid in the encoding becomes CW_DEC_BAD.  On failure, NULL and
** 'err' filled; the failure is sticky.
*/
const char *cw__dec_read(void *ud, size_t *len, cw_err *err);

/* The code of the last failure: "E_IO" (the byte source failed: its own
** message), "E_ENCODING" (a byte order mark that does not fit) or
** "E_EXCEL"; "" before any. */
const char *cw__dec_code(const cw_dec *d);

/* The encoding as iconv was given it, once reading started ("UTF-16LE"
** for "UTF-16" and a little-endian byte order mark); the name given
** before. */
const char *cw__dec_name(const cw_dec *d);

/* 1 when a byte order mark was dropped. */
int cw__dec_bom(const cw_dec *d);

/* Bytes of the source consumed so far (for progress). */
unsigned long long cw__dec_consumed(const cw_dec *d);

/* Free 'd'.  NULL is a harmless no-op. */
void cw__dec_free(cw_dec *d);

#endif /* CW_DECODE_H */
