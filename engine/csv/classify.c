/*
** classify.c -- the structural bytes of a run of CSV input, 64 bytes at
** a time, for the parser's fast path (csvparse.c): where the quotes are,
** which delimiters and line ends are outside quotes (the parity of the
** quotes before them, a prefix XOR), and which bytes need a closer look
** (below 0x0E or above 0x7F: line ends, NUL, other controls, non-ASCII).
** One bit per byte, in 64-bit words.  The AVX2 classifier also checks
** UTF-8 on the way, so that valid non-ASCII bytes need no closer look.
**
** Three ways that give the same bits: AVX2 (with PCLMUL for the prefix
** XOR and POPCNT to count separators) and SSE2 on x86-64, picked at run
** time from what the CPU has, and portable C that handles eight bytes at
** a time in a 64-bit word, for every other machine.  The x86 ones are
** compiled with target attributes, so the binary runs on any x86-64.
** Tests and the fuzz target force each in turn (cw__csvparse_force())
** and require the same records and problems.
*/
#include "csv/csvint.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CW_X86 1
#include <immintrin.h>
#else
#define CW_X86 0
#endif

/* What cw__csvparse_force() asked for: SIMD_AUTO unless a test did. */
static int forced = SIMD_AUTO;

int cw__csvparse_force(int level)
{
    int old = forced;

    forced = level;
    return old;
}

/* The parity of the quotes at or before each bit of 'q': the prefix XOR
** (bit i is the XOR of bits 0 to i), in six shifts. */
static uint64_t prefix_xor(uint64_t q)
{
    q ^= q << 1;
    q ^= q << 2;
    q ^= q << 4;
    q ^= q << 8;
    q ^= q << 16;
    q ^= q << 32;
    return q;
}

/* The number of bits set in 'x' (no POPCNT on every x86-64). */
static unsigned count_bits(uint64_t x)
{
    x -= (x >> 1) & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

/*
** Finish word 'w' of 'out', a block of bytes: 'q' its quotes, 'd' its
** delimiters, 'le' its line ends, 'odd' its odd bytes, 'in' the prefix
** XOR of 'q', 'valid' the bits of the bytes it has (all but those of the
** padding of a partial last block).  '*carry' is all ones when the block
** starts inside quotes, and is updated for the next.
*/
static void finish_block(cls *out, size_t w, uint64_t q, uint64_t d,
                         uint64_t le, uint64_t odd, uint64_t in,
                         uint64_t *carry, uint64_t valid)
{
    uint64_t outside;

    in ^= *carry;
    *carry = (uint64_t)0 - (in >> 63);
    outside = valid & ~in;
    out->quote[w] = q & valid;
    out->sep[w] = (d | le) & outside;
    out->lend[w] = le & outside;
    out->odd[w] = odd & valid;
    out->flag[w] = (q | odd) & valid;
}

/* Count the separators of the 'n' bytes classified in 'out'. */
static void count_seps(cls *out, size_t n)
{
    size_t k = 0;

    for (size_t w = 0; w * 64 < n; w++)
        k += count_bits(out->sep[w]);
    out->nsep = k;
}

/* The bits of a block of 'n' < 64 bytes are zero from bit 'n' up. */
static uint64_t low_bits(size_t n)
{
    return n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
}

/* ==== Portable: eight bytes in a word ==== */

#define ONES 0x0101010101010101ull
#define LOW7 0x7F7F7F7F7F7F7F7Full
#define HIGHS 0x8080808080808080ull

/* The 8 bytes at 's' as a word, the first in its lowest byte. */
static uint64_t load8(const unsigned char *s)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w;

    memcpy(&w, s, 8);
    return w;
#else
    uint64_t w = 0;

    for (int i = 7; i >= 0; i--)
        w = w << 8 | s[i];
    return w;
#endif
}

/* The top bit of every byte of 'w' that is zero, exactly (no borrow
** from a lower byte). */
static uint64_t zero_bytes(uint64_t w)
{
    return ~(((w & LOW7) + LOW7) | w | LOW7);
}

/* The top bits of the 8 bytes of 'h' (nothing else set) as 8 bits. */
static unsigned pack8(uint64_t h)
{
    return (unsigned)(((h >> 7) * 0x0102040810204080ull) >> 56);
}

/* Classify the 64 bytes at 's' into word 'w' of 'out'. */
static void block_swar(const unsigned char *s, uint64_t dpat, uint64_t qpat,
                       cls *out, size_t w, uint64_t *carry, uint64_t valid)
{
    uint64_t q = 0, d = 0, le = 0, odd = 0;

    for (int i = 0; i < 8; i++) {
        uint64_t x = load8(s + 8 * i);
        uint64_t hq = zero_bytes(x ^ qpat), hd = zero_bytes(x ^ dpat);
        uint64_t hl =
            zero_bytes(x ^ (ONES * '\r')) | zero_bytes(x ^ (ONES * '\n'));
        /* below 0x0E: adding 0x72 to the low 7 bits sets no top bit */
        uint64_t ho = (x | ~((x & LOW7) + ONES * 0x72)) & HIGHS;

        q |= (uint64_t)pack8(hq) << (8 * i);
        d |= (uint64_t)pack8(hd) << (8 * i);
        le |= (uint64_t)pack8(hl) << (8 * i);
        odd |= (uint64_t)pack8(ho) << (8 * i);
    }
    finish_block(out, w, q, d, le, odd, prefix_xor(q), carry, valid);
}

static void classify_scalar(const unsigned char *s, size_t n,
                            unsigned char delim, unsigned char quote, cls *out)
{
    uint64_t dpat = ONES * delim, qpat = ONES * quote, carry = 0;
    unsigned char tail[64];
    size_t w = 0, size = n;

    for (; n >= 64; n -= 64, s += 64)
        block_swar(s, dpat, qpat, out, w++, &carry, ~(uint64_t)0);
    if (n > 0) {
        memcpy(tail, s, n);
        memset(tail + n, 0, 64 - n);
        block_swar(tail, dpat, qpat, out, w, &carry, low_bits(n));
    }
    count_seps(out, size);
}

#if CW_X86

/* ==== SSE2: every x86-64 has it ==== */

static void block_sse2(const unsigned char *s, __m128i d, __m128i qv, cls *out,
                       size_t w, uint64_t *carry, uint64_t valid)
{
    const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
    const __m128i lim = _mm_set1_epi8(0x0E);
    uint64_t q = 0, dm = 0, le = 0, odd = 0;

    for (int i = 0; i < 4; i++) {
        __m128i x =
            _mm_loadu_si128((const __m128i *)(const void *)(s + 16 * i));
        __m128i hl = _mm_or_si128(_mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, lf));

        q |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, qv))
             << (16 * i);
        dm |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, d))
              << (16 * i);
        le |= (uint64_t)(unsigned)_mm_movemask_epi8(hl) << (16 * i);
        /* signed: 0x80-0xFF are negative, so below 0x0E too */
        odd |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(x, lim))
               << (16 * i);
    }
    finish_block(out, w, q, dm, le, odd, prefix_xor(q), carry, valid);
}

static void classify_sse2(const unsigned char *s, size_t n, unsigned char delim,
                          unsigned char quote, cls *out)
{
    __m128i d = _mm_set1_epi8((char)delim), qv = _mm_set1_epi8((char)quote);
    unsigned char tail[64];
    uint64_t carry = 0;
    size_t w = 0, size = n;

    for (; n >= 64; n -= 64, s += 64)
        block_sse2(s, d, qv, out, w++, &carry, ~(uint64_t)0);
    if (n > 0) {
        memcpy(tail, s, n);
        memset(tail + n, 0, 64 - n);
        block_sse2(tail, d, qv, out, w, &carry, low_bits(n));
    }
    count_seps(out, size);
}

/* ==== AVX2, with a carry-less multiply for the prefix XOR ==== */

#define AVX2 __attribute__((target("avx2,pclmul,popcnt")))

/* The 32 bytes 'x' as 32-bit masks: which are the quote 'qv', the
** delimiter 'd', CR or LF, and odd. */
AVX2 static void half_avx2(__m256i x, __m256i d, __m256i qv, uint32_t m[4])
{
    const __m256i cr = _mm256_set1_epi8('\r'), lf = _mm256_set1_epi8('\n');
    const __m256i lim = _mm256_set1_epi8(0x0E);
    __m256i hl =
        _mm256_or_si256(_mm256_cmpeq_epi8(x, cr), _mm256_cmpeq_epi8(x, lf));

    m[0] = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, qv));
    m[1] = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, d));
    m[2] = (uint32_t)_mm256_movemask_epi8(hl);
    m[3] = (uint32_t)_mm256_movemask_epi8(_mm256_cmpgt_epi8(lim, x));
}

/*
** UTF-8 checked 32 bytes at a time, by Keiser and Lemire's lookup (as
** simdjson does it): three 16-entry tables, indexed by the high and low
** half of the byte before and the high half of each byte, give the
** errors each pair of bytes may make; a byte that must be the second or
** third continuation byte of a sequence is checked apart.  The rules are
** those of u8seq() in csvparse.c: no overlong forms, no surrogates,
** nothing above U+10FFFF, no stray or missing continuation bytes.
*/
#define U8_SHORT 0x01     /* a lead byte without its continuation */
#define U8_LONG 0x02      /* a continuation byte after ASCII */
#define U8_OVER3 0x04     /* E0 80-9F */
#define U8_LARGE 0x08     /* F4 90-BF, F5-FF */
#define U8_SURR 0x10      /* ED A0-BF */
#define U8_OVER2 0x20     /* C0, C1 */
#define U8_LARGE1000 0x40 /* F5-FF 80-8F */
#define U8_OVER4 0x40     /* F0 80-8F */
#define U8_TWOCONT 0x80   /* a continuation byte after one */
#define U8_CARRY (U8_SHORT | U8_LONG | U8_TWOCONT)

/* The errors by the high half of the byte before, its low half, and
** the high half of the byte. */
static const unsigned char u8_prev_high[16] = {
    U8_LONG,
    U8_LONG,
    U8_LONG,
    U8_LONG,
    U8_LONG,
    U8_LONG,
    U8_LONG,
    U8_LONG,
    U8_TWOCONT,
    U8_TWOCONT,
    U8_TWOCONT,
    U8_TWOCONT,
    U8_SHORT | U8_OVER2,
    U8_SHORT,
    U8_SHORT | U8_OVER3 | U8_SURR,
    U8_SHORT | U8_LARGE | U8_LARGE1000 | U8_OVER4,
};
static const unsigned char u8_prev_low[16] = {
    U8_CARRY | U8_OVER3 | U8_OVER2 | U8_OVER4,
    U8_CARRY | U8_OVER2,
    U8_CARRY,
    U8_CARRY,
    U8_CARRY | U8_LARGE,
    U8_CARRY | U8_LARGE | U8_LARGE1000,
    U8_CARRY | U8_LARGE | U8_LARGE1000,
    U8_CARRY | U8_LARGE | U8_LARGE1000,
    U8_CARRY | U8_LARGE | U8_LARGE1000,
    U8_CARRY | U8_LARGE | U8_LARGE1000,
    U8_CARRY | U8_LARGE | U8_LARGE1000,
    U8_CARRY | U8_LARGE | U8_LARGE1000,
    U8_CARRY | U8_LARGE | U8_LARGE1000,
    U8_CARRY | U8_LARGE | U8_LARGE1000 | U8_SURR,
    U8_CARRY | U8_LARGE | U8_LARGE1000,
    U8_CARRY | U8_LARGE | U8_LARGE1000,
};
static const unsigned char u8_high[16] = {
    U8_SHORT,
    U8_SHORT,
    U8_SHORT,
    U8_SHORT,
    U8_SHORT,
    U8_SHORT,
    U8_SHORT,
    U8_SHORT,
    U8_LONG | U8_OVER2 | U8_TWOCONT | U8_OVER3 | U8_LARGE1000 | U8_OVER4,
    U8_LONG | U8_OVER2 | U8_TWOCONT | U8_OVER3 | U8_LARGE,
    U8_LONG | U8_OVER2 | U8_TWOCONT | U8_SURR | U8_LARGE,
    U8_LONG | U8_OVER2 | U8_TWOCONT | U8_SURR | U8_LARGE,
    U8_SHORT,
    U8_SHORT,
    U8_SHORT,
    U8_SHORT,
};

/* The tables, in both lanes. */
struct u8tab {
    __m256i prev_high, prev_low, high;
};

AVX2 static __m256i u8_table(const unsigned char t[16])
{
    return _mm256_broadcastsi128_si256(
        _mm_loadu_si128((const __m128i *)(const void *)t));
}

/* Nonzero bytes where the 32 bytes 'x', after the 32 bytes 'prev', are
** not UTF-8. */
AVX2 static __m256i u8_errors(__m256i x, __m256i prev, const struct u8tab *t)
{
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    __m256i before = _mm256_permute2x128_si256(prev, x, 0x21);
    __m256i p1 = _mm256_alignr_epi8(x, before, 15);
    __m256i p2 = _mm256_alignr_epi8(x, before, 14);
    __m256i p3 = _mm256_alignr_epi8(x, before, 13);
    __m256i e = _mm256_and_si256(
        _mm256_and_si256(
            _mm256_shuffle_epi8(
                t->prev_high, _mm256_and_si256(_mm256_srli_epi16(p1, 4), low4)),
            _mm256_shuffle_epi8(t->prev_low, _mm256_and_si256(p1, low4))),
        _mm256_shuffle_epi8(t->high,
                            _mm256_and_si256(_mm256_srli_epi16(x, 4), low4)));
    __m256i must =
        _mm256_or_si256(_mm256_subs_epu8(p2, _mm256_set1_epi8(0x60)),
                        _mm256_subs_epu8(p3, _mm256_set1_epi8(0x70)));

    return _mm256_xor_si256(
        _mm256_and_si256(must, _mm256_set1_epi8((char)0x80)), e);
}

/* Classify the 64 bytes at 's' into word 'w' of 'out'; their bytes above
** 0x7F go to '*high'. */
AVX2 static void block_avx2(const unsigned char *s, __m256i d, __m256i qv,
                            cls *out, size_t w, uint64_t *carry, uint64_t valid,
                            uint64_t *high)
{
    __m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)s);
    __m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(s + 32));
    uint32_t lo[4], hi[4];
    uint64_t q;
    __m128i in;

    half_avx2(x0, d, qv, lo);
    half_avx2(x1, d, qv, hi);
    *high = (uint64_t)(uint32_t)_mm256_movemask_epi8(x1) << 32 |
            (uint32_t)_mm256_movemask_epi8(x0);
    q = (uint64_t)hi[0] << 32 | lo[0];
    in = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)q),
                              _mm_set1_epi8((char)0xFF), 0);
    finish_block(out, w, q, (uint64_t)hi[1] << 32 | lo[1],
                 (uint64_t)hi[2] << 32 | lo[2], (uint64_t)hi[3] << 32 | lo[3],
                 (uint64_t)_mm_cvtsi128_si64(in), carry, valid);
}

/* 1 when the 'n' bytes at 's' (a multiple of 64), then the 64 at 'last'
** unless it is NULL, are UTF-8, but for a sequence cut by their end. */
AVX2 static int utf8_avx2(const unsigned char *s, size_t n,
                          const unsigned char *last)
{
    struct u8tab t;
    __m256i prev = _mm256_setzero_si256(), err = _mm256_setzero_si256(), x;

    t.prev_high = u8_table(u8_prev_high);
    t.prev_low = u8_table(u8_prev_low);
    t.high = u8_table(u8_high);
    for (size_t i = 0; i < n; i += 32) {
        x = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
        err = _mm256_or_si256(err, u8_errors(x, prev, &t));
        prev = x;
    }
    for (size_t i = 0; last != NULL && i < 64; i += 32) {
        x = _mm256_loadu_si256((const __m256i *)(const void *)(last + i));
        err = _mm256_or_si256(err, u8_errors(x, prev, &t));
        prev = x;
    }
    return _mm256_testz_si256(err, err);
}

/*
** The AVX2 classifier also checks UTF-8, once the bytes are classified
** and only when some are above 0x7F: when every such byte is part of a
** valid sequence, those bytes are no longer odd, so the fields that hold
** them are plain.  A sequence cut by the end of the bytes is not an
** error here: the field it is in is not complete, and the fast path
** takes only complete fields (the zeros after a partial last block may
** make it one, which is merely slower).  The bytes start where a field
** starts, so nothing before them is open.
*/
AVX2 static void classify_avx2(const unsigned char *s, size_t n,
                               unsigned char delim, unsigned char quote,
                               cls *out)
{
    __m256i d = _mm256_set1_epi8((char)delim);
    __m256i qv = _mm256_set1_epi8((char)quote);
    const unsigned char *s0 = s;
    uint64_t high[CLS_WORDS];
    unsigned char tail[64];
    uint64_t carry = 0, any = 0;
    size_t w = 0, size = n, whole = n & ~(size_t)63;

    for (; n >= 64; n -= 64, s += 64) {
        block_avx2(s, d, qv, out, w, &carry, ~(uint64_t)0, &high[w]);
        any |= high[w++];
    }
    if (n > 0) {
        memcpy(tail, s, n);
        memset(tail + n, 0, 64 - n);
        block_avx2(tail, d, qv, out, w, &carry, low_bits(n), &high[w]);
        any |= high[w];
    }
    if (any != 0 && utf8_avx2(s0, whole, n > 0 ? tail : NULL))
        for (w = 0; w * 64 < size; w++) {
            out->odd[w] &= ~high[w];
            out->flag[w] = out->quote[w] | out->odd[w];
        }
    out->nsep = 0;
    for (w = 0; w * 64 < size; w++)
        out->nsep += (size_t)_mm_popcnt_u64(out->sep[w]);
}

#endif /* CW_X86 */

/*
** The classifier for a new reader: the one cw__csvparse_force() asked
** for when this machine has it, else the fastest it has; NULL for
** SIMD_OFF (the parser's state machine alone).  The level in '*level'.
*/
classify_fn *cw__classify_pick(int *level)
{
    int want = forced;

    if (want == SIMD_OFF) {
        *level = SIMD_OFF;
        return NULL;
    }
#if CW_X86
    if ((want == SIMD_AUTO || want == SIMD_AVX2) &&
        __builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul") &&
        __builtin_cpu_supports("popcnt")) {
        *level = SIMD_AVX2;
        return classify_avx2;
    }
    if (want != SIMD_SCALAR) {
        *level = SIMD_SSE2;
        return classify_sse2;
    }
#endif
    *level = SIMD_SCALAR;
    return classify_scalar;
}

/* 1 when this machine can classify with 'level' (csvint.h). */
int cw__classify_has(int level)
{
    switch (level) {
    case SIMD_AUTO:
    case SIMD_OFF:
    case SIMD_SCALAR:
        return 1;
#if CW_X86
    case SIMD_SSE2:
        return 1;
    case SIMD_AVX2:
        return __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("pclmul") &&
               __builtin_cpu_supports("popcnt");
#endif
    default:
        return 0;
    }
}
