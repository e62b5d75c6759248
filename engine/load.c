/* load.c -- placeholder until the module lands. */
#include "cw.h"

typedef int cw_load_placeholder;
