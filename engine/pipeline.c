/* pipeline.c -- placeholder until the module lands. */
#include "cw.h"

typedef int cw_pipeline_placeholder;
