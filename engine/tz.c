/* tz.c -- placeholder until the module lands. */
#include "cw.h"

typedef int cw_tz_placeholder;
