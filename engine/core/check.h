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

/*
** The names of 'names' ('n' of them; NULL entries are skipped) closest
** to 'key', other than 'key' itself: at most two edits away, letters
** compared ignoring case, and fewer edits than half the length of 'key'.
** Stores up to three, the closest first found, in 'near' and returns
** their count.
*/
size_t cw__names_near(const char *const *names, size_t n, const char *key,
                      const char **near);

/* Append the 'n' names of 'names' to 'b' quoted and joined: "'a', 'b' or
** 'c'". */
int cw__names_or(cw_buf *b, const char *const *names, size_t n);

/* Append the names of 'names' (NULL entries skipped) to 'b', quoted and
** ", "-separated, at most 'most', then " and N more". */
int cw__names_list(cw_buf *b, const char *const *names, size_t n, size_t most);

/* Append "; did you mean 'x'?" (or "'x' or 'y'") to 'b' for the names
** cw__names_near() finds close to 'key', nothing when none is; '*found'
** says which.  Returns CW_OK or CW_ENOMEM. */
int cw__names_suggest(cw_buf *b, const char *const *names, size_t n,
                      const char *key, int *found);

/*
** Append to 'b' what helps someone who named 'key' where only the 'n'
** names 'names' exist: "; did you mean 'x'?" (or "'x' or 'y'") for the
** names cw__names_near() finds; else " (known: 'a', 'b', ... and N
** more)" listing up to eight; nothing when 'names' is empty.  Returns
** CW_OK or CW_ENOMEM.
*/
int cw__names_hint(cw_buf *b, const char *const *names, size_t n,
                   const char *key);

#endif /* CW_CHECK_H */
