/*
** err.c -- status codes and error messages.
*/
#include "core/msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *cw_strstatus(int status)
{
    switch (status) {
#define CW_CASE(name, value, text)                                             \
    case CW_##name:                                                            \
        return text;
        CW_STATUS_MAP(CW_CASE)
#undef CW_CASE
    }
    return "unknown status";
}

const char *cw_version(void)
{
    return CW_VERSION;
}

/*
** Every error message is shown safe: without passwords (a database
** target may be quoted in it), each control byte but newline and tab
** escaped (a Lua error ends with a traceback of several lines), and cut
** with a mark when longer than its room.
*/
int cw__fail(cw_err *err, int code, const char *fmt, ...)
{
    char raw[2 * CW_MSG_MAX], shown[2 * CW_MSG_MAX];
    va_list ap;
    int n;

    if (err != NULL) {
        err->code = code;
        va_start(ap, fmt);
        n = vsnprintf(raw, sizeof raw, fmt, ap);
        va_end(ap);
        if (n < 0)
            n = snprintf(raw, sizeof raw, "%s", cw_strstatus(code));
        cw_redact(shown, sizeof shown, raw);
        cw__msg_safe(err->msg, sizeof err->msg, shown, strlen(shown), (size_t)n,
                     1);
    }
    return code;
}

int cw__errcopy(cw_err *dst, const cw_err *src)
{
    if (dst != NULL && src != NULL && dst != src)
        memcpy(dst, src, sizeof *dst);
    return src != NULL ? src->code : CW_OK;
}
