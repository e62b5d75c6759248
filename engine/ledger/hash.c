/*
** hash.c -- SHA-256 and the texts the delivery ledger stores (hash.h).
*/
#include "ledger/hash.h"

#include <stdlib.h>
#include <string.h>

/* ==== SHA-256 (FIPS 180-4) ==== */

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t ror(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

/* Fold the 64-byte block 'p' into the state. */
static void block(cw_sha256 *c, const unsigned char *p)
{
    uint32_t w[64], a, b, d, e, f, g, h, cc;

    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);

        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = c->h[0];
    b = c->h[1];
    cc = c->h[2];
    d = c->h[3];
    e = c->h[4];
    f = c->h[5];
    g = c->h[6];
    h = c->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
                      ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
                      ((a & b) ^ (a & cc) ^ (b & cc));

        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = cc;
        cc = b;
        b = a;
        a = t1 + t2;
    }
    c->h[0] += a;
    c->h[1] += b;
    c->h[2] += cc;
    c->h[3] += d;
    c->h[4] += e;
    c->h[5] += f;
    c->h[6] += g;
    c->h[7] += h;
}

void cw__sha256_init(cw_sha256 *c)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                   0xa54ff53a, 0x510e527f, 0x9b05688c,
                                   0x1f83d9ab, 0x5be0cd19};

    memcpy(c->h, h0, sizeof h0);
    c->bytes = 0;
    c->nbuf = 0;
}

void cw__sha256_add(cw_sha256 *c, const void *p, size_t n)
{
    const unsigned char *s = p;

    c->bytes += n;
    while (n > 0) {
        size_t k = 64 - c->nbuf < n ? 64 - c->nbuf : n;

        if (c->nbuf == 0 && n >= 64) {
            block(c, s);
            s += 64;
            n -= 64;
            continue;
        }
        memcpy(c->buf + c->nbuf, s, k);
        c->nbuf += k;
        s += k;
        n -= k;
        if (c->nbuf == 64) {
            block(c, c->buf);
            c->nbuf = 0;
        }
    }
}

void cw__sha256_end(cw_sha256 *c, unsigned char out[32])
{
    uint64_t bits = c->bytes * 8;
    unsigned char len[8];

    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    c->buf[c->nbuf++] = 0x80;
    if (c->nbuf > 56) {
        memset(c->buf + c->nbuf, 0, 64 - c->nbuf);
        block(c, c->buf);
        c->nbuf = 0;
    }
    memset(c->buf + c->nbuf, 0, 56 - c->nbuf);
    memcpy(c->buf + 56, len, 8);
    block(c, c->buf);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(c->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)c->h[i];
    }
}

void cw__sha256(const void *p, size_t n, unsigned char out[32])
{
    cw_sha256 c;

    cw__sha256_init(&c);
    cw__sha256_add(&c, p, n);
    cw__sha256_end(&c, out);
}

void cw__hex(const unsigned char *h, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[h[i] >> 4];
        out[2 * i + 1] = digits[h[i] & 15];
    }
    out[2 * n] = '\0';
}

/* ==== Texts ==== */

/* Append the 'len' bytes at 's' to 'b' as a JSON string. */
static int jstr(cw_buf *b, const char *s, size_t len)
{
    size_t from = 0;

    if (cw__buf_addc(b, '"') != CW_OK)
        return CW_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        int rc;

        if (c != '"' && c != '\\' && c >= 0x20)
            continue;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            esc[2] = '\0';
        } else if (c == '\n' || c == '\r' || c == '\t') {
            esc[0] = '\\';
            esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            esc[2] = '\0';
        } else {
            static const char digits[] = "0123456789abcdef";

            memcpy(esc, "\\u00", 4);
            esc[4] = digits[c >> 4];
            esc[5] = digits[c & 15];
            esc[6] = '\0';
        }
        rc = cw__buf_add(b, s + from, i - from);
        if (rc == CW_OK)
            rc = cw__buf_adds(b, esc);
        if (rc != CW_OK)
            return CW_ENOMEM;
        from = i + 1;
    }
    if (cw__buf_add(b, s + from, len - from) != CW_OK ||
        cw__buf_addc(b, '"') != CW_OK)
        return CW_ENOMEM;
    return CW_OK;
}

int cw__ledger_keytext(cw_buf *b, const cw_field *v, size_t n)
{
    if (cw__buf_addc(b, '[') != CW_OK)
        return CW_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && cw__buf_addc(b, ',') != CW_OK)
            return CW_ENOMEM;
        if (jstr(b, v[i].p != NULL ? v[i].p : "", v[i].len) != CW_OK)
            return CW_ENOMEM;
    }
    return cw__buf_addc(b, ']') == CW_OK ? CW_OK : CW_ENOMEM;
}

int cw__ledger_rowtext(cw_buf *b, const char *const *names, const cw_field *v,
                       size_t n, int null_empty)
{
    if (cw__buf_addc(b, '{') != CW_OK)
        return CW_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int rc = i > 0 ? cw__buf_addc(b, ',') : CW_OK;

        if (rc == CW_OK)
            rc = jstr(b, names[i], strlen(names[i]));
        if (rc == CW_OK)
            rc = cw__buf_addc(b, ':');
        if (rc == CW_OK && v[i].p == NULL && !null_empty)
            rc = cw__buf_adds(b, "null");
        else if (rc == CW_OK)
            rc = jstr(b, v[i].p != NULL ? v[i].p : "", v[i].len);
        if (rc != CW_OK)
            return CW_ENOMEM;
    }
    return cw__buf_addc(b, '}') == CW_OK ? CW_OK : CW_ENOMEM;
}

/* Decode the JSON string at '*p' (its opening quote) into 'b', NUL-
** terminated; '*p' is left after its closing quote.  0, or -1 when it is
** not one. */
static int unstr(const char **p, cw_buf *b)
{
    const char *s = *p;

    b->len = 0;
    if (*s++ != '"')
        return -1;
    while (*s != '"') {
        char c = *s++;

        if (c == '\0')
            return -1;
        if (c == '\\') {
            c = *s++;
            if (c == 'n')
                c = '\n';
            else if (c == 'r')
                c = '\r';
            else if (c == 't')
                c = '\t';
            else if (c == 'u') {
                char hex[5] = {0};

                for (int i = 0; i < 4; i++)
                    if ((hex[i] = *s++) == '\0')
                        return -1;
                c = (char)strtol(hex, NULL, 16);
            } else if (c != '"' && c != '\\') {
                return -1;
            }
        }
        if (cw__buf_addc(b, c) != CW_OK)
            return -1;
    }
    *p = s + 1;
    return cw__buf_addc(b, '\0') == CW_OK ? 0 : -1;
}

int cw__ledger_rowparse(const char *text, cw_rowtext_fn fn, void *ud)
{
    cw_buf name = {0}, value = {0};
    const char *p = text;
    int rc = CW_OK;

    if (*p++ != '{')
        return CW_EPARSE;
    while (rc == CW_OK && *p != '}') {
        int null = 0;

        if (unstr(&p, &name) != 0 || *p++ != ':') {
            rc = CW_EPARSE;
            break;
        }
        if (strncmp(p, "null", 4) == 0) {
            null = 1;
            p += 4;
        } else if (unstr(&p, &value) != 0) {
            rc = CW_EPARSE;
            break;
        }
        rc = fn(ud, name.p, null ? NULL : value.p);
        if (rc == CW_OK && *p == ',')
            p++;
        else if (rc == CW_OK && *p != '}')
            rc = CW_EPARSE;
    }
    if (rc == CW_OK && p[1] != '\0')
        rc = CW_EPARSE;
    cw__buf_free(&name);
    cw__buf_free(&value);
    return rc;
}

/* ==== Watermarks ==== */

int cw__ledger_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    char ab[64], bb[64];
    char *ea, *eb;
    int c;

    if (alen > 0 && alen < sizeof ab && blen > 0 && blen < sizeof bb) {
        double x, y;

        memcpy(ab, a, alen);
        ab[alen] = '\0';
        memcpy(bb, b, blen);
        bb[blen] = '\0';
        x = strtod(ab, &ea);
        y = strtod(bb, &eb);
        if (*ea == '\0' && *eb == '\0' && ea != ab && eb != bb)
            return x < y ? -1 : x > y;
    }
    c = memcmp(a, b, alen < blen ? alen : blen);
    return c != 0 ? c : (alen > blen) - (alen < blen);
}
