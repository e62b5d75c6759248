/*
** hash.h -- what the delivery ledger stores about a row, computed the
** same way on every machine: SHA-256 (FIPS 180-4), the text of a row's
** key and of its content, and the order of watermark values.  Private to
** engine/.
*/
#ifndef CW_LEDGER_HASH_H
#define CW_LEDGER_HASH_H

#include "core/record.h"

#include <stdint.h>

/* ==== SHA-256 ==== */

typedef struct cw_sha256 {
    uint32_t h[8];         /* the state */
    uint64_t bytes;        /* bytes hashed so far */
    unsigned char buf[64]; /* a block being filled */
    size_t nbuf;           /* bytes in 'buf' */
} cw_sha256;

void cw__sha256_init(cw_sha256 *c);
void cw__sha256_add(cw_sha256 *c, const void *p, size_t n);
/* The digest of everything added, in 'out'. */
void cw__sha256_end(cw_sha256 *c, unsigned char out[32]);
/* The digest of the 'n' bytes at 'p' in one call. */
void cw__sha256(const void *p, size_t n, unsigned char out[32]);
/* The 'n' bytes at 'h' as 2 * 'n' lower-case hex digits and a NUL. */
void cw__hex(const unsigned char *h, size_t n, char *out);

/* ==== What the ledger stores ==== */

/*
** The text of a key: the 'n' values 'v' as a JSON array of strings, in
** the key's order, null written as "" (a file holds an empty field for
** both): ["100000101","GOTV Text 2024-10"].  Appended to 'b'.
*/
int cw__ledger_keytext(cw_buf *b, const cw_field *v, size_t n);

/*
** The text of a row's content: a JSON object of the 'n' column names
** 'names' and values 'v' in the output's order, {"Profile ID":"1",...}.
** A null value is "" when 'null_empty' (a CSV file writes both as an
** empty field), else null (an NDJSON file writes null).  Appended to
** 'b'.  Strings are escaped as JSON must (the quote, the backslash and
** control bytes, as \" \\ \n \r \t or \u00XX); every other byte is
** copied, so the text is canonical: one row, one text.
*/
int cw__ledger_rowtext(cw_buf *b, const char *const *names, const cw_field *v,
                       size_t n, int null_empty);

/*
** Read back a content text that cw__ledger_rowtext() wrote: call 'fn'
** for each column with its name and value (NULL for null), decoded, each
** NUL-terminated in scratch space that 'fn' must not keep.  Returns
** CW_OK, what 'fn' returned when not CW_OK, CW_EPARSE for text that is
** not such an object, or CW_ENOMEM.
*/
typedef int (*cw_rowtext_fn)(void *ud, const char *name, const char *value);
int cw__ledger_rowparse(const char *text, cw_rowtext_fn fn, void *ud);

/*
** Compare two watermark values as group's min and max do: as numbers
** when both are plain numbers, else byte by byte (ISO dates and times
** sort correctly).  <0, 0 or >0.
*/
int cw__ledger_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif /* CW_LEDGER_HASH_H */
