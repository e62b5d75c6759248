/*
** check.h -- one checker for every table a user declares: recipes,
** inputs, outputs, steps, rule arguments and schema files.  Each caller
** lists its valid keys once; an unknown key is refused with the valid ones
** and the closest, in the spirit of Lua's luaL_checkoption and Fluent
** Bit's config_map.  A typo never silently does nothing.
*/
#ifndef CW_CHECK_H
#define CW_CHECK_H

#include "core/node.h"

/*
** Fail with CW_EUSAGE when table 'n' holds a string key not in 'valid'
** (NULL-terminated).  The message is "PREFIX: unknown NOUN 'key' (valid:
** a, b, c)", then "; did you mean 'x'?" when one valid key is close;
** PREFIX is printf-formatted from 'fmt'.  'noun' is "key" or "argument".
** A NULL 'n', or one that is not a table, passes.
*/
int cw__check_keys(const cw_node *n, const char *const *valid, const char *noun,
                   cw_err *err, const char *fmt, ...) CW_PRINTF(5, 6);

/* Append the names of 'valid' to 'b', ", "-separated; "none" when empty. */
int cw__keys_list(cw_buf *b, const char *const *valid);

/* The name in 'valid' closest to 'key' (at most two edits, and fewer than
** half its length), or NULL. */
const char *cw__keys_closest(const char *const *valid, const char *key);

#endif /* CW_CHECK_H */
