/*
** err.c -- status codes and error messages.
*/
#include "core/cw.h"

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

int cw__fail(cw_err *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL) {
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int cw__errcopy(cw_err *dst, const cw_err *src)
{
    if (dst != NULL && src != NULL && dst != src)
        memcpy(dst, src, sizeof *dst);
    return src != NULL ? src->code : CW_OK;
}
