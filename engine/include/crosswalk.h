/*
** crosswalk.h -- public interface of the crosswalk pipeline engine.
** A name that is not declared here is private to engine/ and may change.
** The library never prints, exits or aborts: every function returns a
** status and keeps a message on its handle (or in a caller's cw_err).
**
** Handles: each opaque handle type has one prefix for its functions
** (cw_run_, cw_load_, cw_inspect_ for a cw_inspection, cw_schemaset_).
** cw_X_new() creates one, stores it in '*out' (NULL there on failure) and
** returns CW_OK or a negative status; cw_X_free() frees it and all it
** owns, a NULL handle being a harmless no-op.  Every other function takes
** a valid handle, and output pointers not said to be optional, never
** NULL; a cw_err pointer may always be NULL.  Each declaration says what
** it returns.  The message of a run or load (cw_run_errmsg(),
** cw_load_errmsg()) explains each error status its functions return,
** but the CW_EUSAGE of an index out of range, which sets none.
**
** Threads: a handle is used by one thread at a time.  While a run reads a
** regular CSV file, the engine parses it one batch ahead in a thread of
** its own, with every signal blocked, joined before the call that reads
** the end returns or the handle is freed.  A CSV output (of a run, a
** conversion, a load's rejects) that passes a megabyte is encoded and
** written by a thread of its own when the process may use more than one
** core, every signal blocked too, joined before the commit or when the
** handle is freed.  With an allocator set by cw_set_allocator() neither
** thread is started, so the allocator is only ever called from the
** caller's thread.
*/
#ifndef CW_H
#define CW_H

#include <stddef.h>

/*
** The version of this header.  cw_version() is the version of the library
** linked, the same in a build of this project (a unit test checks both
** against the project's version); a program can compare the two.
** CW_VERSION_NUMBER is MAJOR * 10000 + MINOR * 100 + PATCH, for #if.
*/
#define CW_VERSION_MAJOR 0
#define CW_VERSION_MINOR 1
#define CW_VERSION_PATCH 0
#define CW_VERSION_STRING "0.1.0"
#define CW_VERSION_NUMBER                                                      \
    (CW_VERSION_MAJOR * 10000 + CW_VERSION_MINOR * 100 + CW_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/*
** Status codes: zero is success, positive values are normal outcomes of
** an iteration, negative values are errors.  The enum and cw_strstatus()
** are both generated from this one list.
*/
#define CW_STATUS_MAP(X)                                                       \
    X(OK, 0, "success")                                                        \
    X(ROW, 1, "a record is ready")                                             \
    X(DONE, 2, "no more records")                                              \
    X(ENOMEM, -1, "out of memory")                                             \
    X(EIO, -2, "input/output error")                                           \
    X(EPARSE, -3, "malformed CSV")                                             \
    X(EINVALID, -4, "record failed validation")                                \
    X(ELUA, -5, "error in Lua recipe")                                         \
    X(ESINK, -6, "sink error")                                                 \
    X(EUSAGE, -7, "invalid argument, recipe or schema")                        \
    X(ELIMIT, -8, "recipe sandbox limit reached")                              \
    X(EINTR, -9, "interrupted")

enum cw_status {
#define CW_ENUM(name, value, text) CW_##name = (value),
    CW_STATUS_MAP(CW_ENUM)
#undef CW_ENUM
};

/* English text for 'status', "unknown status" for a value not listed.
** Static storage: never NULL, never freed. */
const char *cw_strstatus(int status);

/* The library's version, "MAJOR.MINOR.PATCH".  Static storage. */
const char *cw_version(void);

/*
** Text as messages show it.  The library gives its error messages and
** the messages of rejected records already safe; these are for a caller
** showing text of its own (a file name, a problem's message).
**   cw_safe_text: the 'len' bytes at 's' with every control byte escaped
**                 ("\n", "\r", "\t", else "\xHH" as "\x1b"; also DEL, C1
**                 controls and bytes that are not UTF-8; a backslash stays
**                 as it is, so safe text comes back unchanged), and, when
**                 that is longer than 'size' - 1 bytes, cut to end with
**                 "... (cut; N bytes)", N being 'len'.
**   cw_redact:    'target' (a database target, or any text) with every
**                 password replaced by "***": the value of password=...
**                 (quoted or not, sslpassword too) and the password of a
**                 URI ("postgresql://user:***@host/db").  Cut to 'size' - 1
**                 bytes.
** Both write a NUL-terminated string to 'out' and return its length;
** with 'size' 0 they write nothing and return 0.
*/
#define CW_MSG_MAX 1024 /* bytes of a message, the cut mark included */
size_t cw_safe_text(char *out, size_t size, const char *s, size_t len);
size_t cw_redact(char *out, size_t size, const char *target);

/* Room for one error message.  Embed it; there is nothing to free. */
typedef struct cw_err {
    int code;      /* a negative enum cw_status, or CW_OK */
    char msg[512]; /* "where: what", NUL-terminated */
} cw_err;

/*
** The one allocation hook, realloc-shaped: 'size' 0 frees 'ptr' and
** returns NULL.  An 'alloc' of NULL restores malloc/free ('ud' ignored).
** Set it before creating any handle; it is process-wide.
*/
typedef void *(*cw_alloc_fn)(void *ud, void *ptr, size_t size);
void cw_set_allocator(cw_alloc_fn alloc, void *ud);

/*
** Byte source for readers.  Return the next chunk of input, of any size,
** and store its size in '*len' (0 at end of input); the chunk stays
** borrowed until the next call.  On failure fill 'err' and return NULL.
*/
typedef const char *(*cw_read_fn)(void *ud, size_t *len, cw_err *err);

/*
** A problem found in the data: where it is, a stable code such as
** "E_BOOLEAN", and a message.  All strings are borrowed for the duration
** of the callback only.  'line' and 'col' are 1-based; 0 when unknown.
*/
typedef struct cw_problem {
    const char *file;    /* input path as given, "-" for stdin */
    unsigned long line;  /* physical line of the record or field */
    unsigned long col;   /* 1-based column (field) number, 0 if none */
    const char *column;  /* column name, or NULL */
    const char *code;    /* stable error code, E_... or W_... */
    const char *message; /* human-readable explanation */
    int warning;         /* 1 for a warning that rejects nothing */
} cw_problem;

typedef void (*cw_problem_fn)(void *ud, const cw_problem *p);

/*
** The home: the directory holding schemas/ and lua/.  Setting one is
** optional: a run or load with no home set (or set to NULL), and
** cw_validate(), cw_inspect_new() and cw_schemaset_new() given a NULL 'home',
** use the default home, the first of:
**   1. $CROSSWALK_HOME, when set and not empty;
**   2. PREFIX/share/crosswalk, when it holds schemas/, PREFIX being the
**      directory of the file holding the library's code, or one of its
**      three parents: libcrosswalk.so in PREFIX/lib (or lib/ARCH), a
**      program in PREFIX/bin linking libcrosswalk.a, a Lua module in
**      PREFIX/lib/lua/5.4.  An installed tree can thus be moved;
**   3. the source tree, when that file is in the build tree it came from;
**   4. the data directory chosen when the library was configured
**      (DATADIR/crosswalk, /usr/local/share/crosswalk by default).
** Steps 2 to 4 are looked up once per process.
*/

/* ==== Dialects: how a CSV input is written ==== */

/*
** The dialect of a CSV input.  A zero field is the default, so that
** (cw_dialect){0} is UTF-8 CSV with commas and double quotes:
**   delimiter: the field delimiter, one ASCII character other than CR,
**              LF and the quote (',', ';', '\t', '|', ...); 0 = ','.
**   quote:     the quote character, one ASCII character other than CR,
**              LF and the delimiter; 0 = '"'.
**   encoding:  the encoding of the input, any name glibc's iconv knows
**              ("latin1", "ISO-8859-1", "windows-1252", "UTF-16",
**              "UTF-16LE", "UTF-16BE", "UTF-32", ...); NULL, "" or "UTF-8"
**              = UTF-8.  Borrowed: the functions taking a dialect copy it.
**   stray_quotes: what a quote inside an unquoted field is (a,5'11",b or
**              1,Tablet (10" screen),x): CW_STRAY_REJECT (or 0, not set)
**              makes the record malformed (E_QUOTE: rejected, or ending
**              reading when strict, as a record is with text after a
**              closing quote); CW_STRAY_KEEP keeps the quote as data, as
**              Python's csv module, DuckDB and Miller's --lazy-quotes do.
**              Either way a quote that starts a field opens a quoted
**              field, text after its closing quote (a,"b"c,d) is
**              malformed, and a quoted field still open at the end of the
**              input fails reading.  0 means "not set", so that a dialect
**              laid over another (cw_run_input_dialect()) keeps the
**              other's setting.
** Another encoding is converted to UTF-8 as the input is read, in bounded
** memory; lines and fields are counted in the converted text, which has
** the same line ends, so positions in messages are those of the file.  A
** UTF-16 or UTF-32 byte order mark picks the byte order and is dropped;
** without one, "UTF-16" and "UTF-32" are read little-endian when the
** first character's bytes say so (a NUL after an ASCII byte), else
** big-endian.  A byte order mark that does not fit the encoding (a UTF-8
** one for "latin1", a UTF-16 one for "windows-1252") fails reading with
** the code E_ENCODING, at the header.  Bytes that are not valid in the
** encoding reject their record (E_ENCODING, with its line and field) and
** reading goes on.  Outputs are always UTF-8.
** Whatever the dialect, a file that is an Excel workbook (.xlsx or .xls
** bytes) fails reading at the header with the code E_EXCEL.
** Hints: when a header is one column holding another delimiter (';' TAB
** '|' ','), the error of a missing or unknown column says so and names
** the command line option ("--delimiter ';'"); so does the first
** E_UTF8 of an input whose bytes look like Latin-1 or Windows-1252
** ("--encoding windows-1252"), and the error for a UTF-16 or UTF-32 file
** read as UTF-8 ("--encoding UTF-16").
*/
typedef struct cw_dialect {
    char delimiter;       /* 0: ',' */
    char quote;           /* 0: '"' */
    const char *encoding; /* NULL: UTF-8 */
    char stray_quotes;    /* 0: not set (reject), CW_STRAY_REJECT,
                             CW_STRAY_KEEP */
} cw_dialect;

/* The values of cw_dialect.stray_quotes (0: not set, which rejects). */
#define CW_STRAY_REJECT 1 /* a quote inside an unquoted field: E_QUOTE */
#define CW_STRAY_KEEP 2   /* a quote inside an unquoted field is data */

/* Check a dialect, NULL being the default one.  Returns CW_OK, or
** CW_EUSAGE with a message in 'err' saying what is wrong (a delimiter or
** quote not allowed above, a stray_quotes that is none of 0,
** CW_STRAY_REJECT and CW_STRAY_KEEP, or an encoding iconv does not
** know). */
int cw_dialect_check(const cw_dialect *d, cw_err *err);

/* ==== Runs: load a recipe, bind inputs and outputs, execute ==== */

typedef struct cw_run cw_run; /* one recipe run (opaque) */

/*
** Create an empty run.  Returns CW_OK, or CW_ENOMEM with NULL in '*out'
** and the problem in 'err' (when not NULL).
*/
int cw_run_new(cw_run **out, cw_err *err);

/*
** Configuration, all before cw_run_load().  Strings are copied.
**   cw_run_param:     a recipe parameter, as from --set KEY=VALUE.
**   cw_run_home:      the directory holding schemas/ and lua/ (NULL, or
**                     not called: the default home, above).
**   cw_run_limits:    sandbox limits: Lua instructions per recipe call
**                     (0 = default, 50 million) and Lua memory in bytes
**                     (0 = default, 64 MiB).
**   cw_run_max_seconds: the deadline of every call into recipe code
**                     (loading the recipe, each function step, predicate
**                     and map function), in seconds (0 = default, 5).  A
**                     call that runs past it stops, even inside a C
**                     library function, and the load or run fails with
**                     CW_ELIMIT; nothing is committed.  No signal or
**                     thread is used.  CW_EUSAGE for a negative value or
**                     one above 1e9.
**   cw_run_workers:   the threads that run the recipe's parallel fn steps
**                     (parallel = true), each with a Lua state of its own
**                     that loads the recipe again: 0 = default, one per
**                     core the process may use, at most 8; 1 to
**                     CW_WORKERS_MAX (64).  CW_EUSAGE above it.
** A second call replaces the value (cw_run_param: of the same KEY).
** Returns: cw_run_param CW_OK, CW_ENOMEM, or CW_EUSAGE after
** cw_run_load(); cw_run_home CW_OK or CW_ENOMEM; cw_run_limits always
** CW_OK; cw_run_max_seconds CW_OK or CW_EUSAGE (NaN too).  After
** cw_run_load() the last three still return so but change nothing.
*/
int cw_run_param(cw_run *r, const char *key, const char *value);
int cw_run_home(cw_run *r, const char *dir);
int cw_run_limits(cw_run *r, unsigned long long instructions, size_t memory);
int cw_run_max_seconds(cw_run *r, double seconds);
int cw_run_workers(cw_run *r, unsigned workers);
#define CW_WORKERS_MAX 64 /* cw_run_workers(): the most */

/*
** Load and compile the recipe 'path' names with the parameters given.  No
** data is read.  'path' is a recipe file; or a recipe folder, holding
** recipe.lua and optionally schemas/ and lua/, which are searched before
** the home's for the schemas it names and the modules it requires (a
** file named recipe.lua is its folder's recipe too); or, when no such
** file or folder exists, a bare name (letters, digits, '_', '-') of a
** recipe in the home: pipelines/NAME/recipe.lua, else pipelines/NAME.lua.
** The column names the recipe reads are resolved later, by
** cw_run_check() and cw_run_exec().
** Returns CW_OK, CW_EUSAGE for a broken recipe (or a broken or unknown
** schema it names, an unknown parameter, a file too large for the Lua
** memory limit, an upsert output that does not write its schema's key, a
** folder without recipe.lua, a name found nowhere), without
** cw_run_home() or on a second call, CW_EIO when the file cannot be read,
** CW_ELUA for a Lua error (a module refused or not found too),
** CW_ELIMIT when the recipe hit a sandbox limit, CW_ENOMEM.
*/
int cw_run_load(cw_run *r, const char *path);

/* The recipe's inputs, after cw_run_load(): count (0 before), and the
** name of input 'i' ('*ismain' set to 1 for the streamed one, when
** 'ismain' is not NULL), NULL for 'i' out of range.  Owned by 'r'. */
size_t cw_run_ninputs(const cw_run *r);
const char *cw_run_input_name(const cw_run *r, size_t i, int *ismain);

/*
** What the recipe declares, after cw_run_load() (before it, or past the
** end of a list, NULL).  Strings are owned by 'r'.
**   cw_run_recipe_name, cw_run_recipe_description: its 'name' and
**                   'description', or NULL when it sets none.
**   cw_run_recipe_file: the recipe file loaded (for a folder,
**                   FOLDER/recipe.lua; for a name, the home's file).
**   cw_run_recipe_folder: its recipe folder, or NULL for a plain file.
**   cw_run_param_decl: the name of parameter 'i' of its 'params' table
**                   (sorted by name), with '*doc' (when 'doc' is not
**                   NULL) set to its description, or NULL when that is
**                   not a string.
**   cw_run_input_schema: the schema named by input 'i' (the order of
**                   cw_run_input_name), or NULL for any header.
**   cw_run_output_decl: the name of output 'i' (sorted by name), with
**                   '*path' (its file name) or '*table' (its table) set
**                   and the other NULL, and '*schema' its schema or NULL;
**                   each pointer may be NULL.
**   cw_run_recipe_ledger: its 'ledger' target as written (it may hold a
**                   password: show it through cw_redact()), or NULL.
**   cw_run_input_since: the 'since' column of input 'i', or NULL.
**   cw_run_output_key: the count of the columns output 'i' declares as
**                   its 'key', their names in '*names' (when not NULL);
**                   0 when it declares none (or key = false).
*/
const char *cw_run_recipe_name(const cw_run *r);
const char *cw_run_recipe_description(const cw_run *r);
const char *cw_run_recipe_file(const cw_run *r);
const char *cw_run_recipe_folder(const cw_run *r);
const char *cw_run_param_decl(const cw_run *r, size_t i, const char **doc);
const char *cw_run_input_schema(const cw_run *r, size_t i);
const char *cw_run_output_decl(const cw_run *r, size_t i, const char **path,
                               const char **table, const char **schema);
const char *cw_run_recipe_ledger(const cw_run *r);
const char *cw_run_input_since(const cw_run *r, size_t i);
size_t cw_run_output_key(const cw_run *r, size_t i, const char *const **names);

/*
** Bind inputs and outputs, after cw_run_load() and before cw_run_exec().
**   cw_run_input:   the input called 'name' (NULL: the recipe's main
**                   input) reads from 'path': a CSV file ("-" is standard
**                   input), "sqlite:PATH#TABLE_OR_QUERY" or
**                   "postgres:CONNINFO#TABLE_OR_QUERY".
**   cw_run_outdir:  the directory output files are written to.
**   cw_run_rejects: path of the rejects CSV (default OUTDIR/rejects.csv).
**   cw_run_database: where outputs declared with a 'table' go:
**                   "sqlite:PATH" or "postgres:CONNINFO" (default
**                   sqlite:OUTDIR/crosswalk.db).
**   cw_run_dryrun:  when 'on', process everything but commit nothing.
**   cw_run_strict:  when 'on', a malformed CSV record (E_QUOTE: a stray
**                   quote, text after a closing quote) stops the run
**                   (CW_EPARSE) instead of going to the rejects file.
**   cw_run_on_problem: called for every warning (and every rejection);
**                   a NULL 'fn' (the default) reports to nobody.
** Returns: cw_run_input CW_OK, CW_ENOMEM, or CW_EUSAGE before
** cw_run_load(), for a name the recipe does not declare or an input bound
** twice; cw_run_outdir, cw_run_rejects and cw_run_database CW_OK or
** CW_ENOMEM (a second call replaces the value; cw_run_exec() checks the
** values, and the paths cw_run_input() binds); cw_run_dryrun and
** cw_run_strict always CW_OK.
*/
int cw_run_input(cw_run *r, const char *name, const char *path);
int cw_run_outdir(cw_run *r, const char *dir);
int cw_run_rejects(cw_run *r, const char *path);
int cw_run_database(cw_run *r, const char *target);
int cw_run_dryrun(cw_run *r, int on);
int cw_run_strict(cw_run *r, int on);
void cw_run_on_problem(cw_run *r, cw_problem_fn fn, void *ud);

/*
** The dialect (see cw_dialect) of the input called 'name', or, when
** 'name' is NULL, of every CSV input (NULL here means every input, not
** the main one; a database input keeps the default).  The fields of 'd'
** that are set replace those of an earlier call and those the recipe
** declares for the input ('delimiter', 'quote', 'encoding',
** 'stray_quotes'); those a call
** for 'name' sets win over those of a call for every input.  'd' is
** copied; NULL changes nothing.  After cw_run_load() and before
** cw_run_exec(), before or after the input is bound.  Returns CW_OK;
** CW_EUSAGE before cw_run_load(), for a name the recipe does not declare
** (the message lists its inputs), or for a dialect that cannot work once
** merged (the message names the input and why; nothing is changed);
** CW_ENOMEM.  A dialect set for an input bound to a database fails
** cw_run_exec() with CW_EUSAGE.
*/
int cw_run_input_dialect(cw_run *r, const char *name, const cw_dialect *d);

/* ==== Progress ==== */

/* How far a run or load has read its input. */
typedef struct cw_progress {
    unsigned long long rows;  /* records read so far */
    unsigned long long bytes; /* input bytes read so far; 0 when unknown
                                 (a database input) */
    unsigned long long total; /* the input's size in bytes; 0 when unknown
                                 (a pipe, a reader, a database) */
    int done;                 /* 1 on the last call: the input is read to
                                 its end */
} cw_progress;

typedef void (*cw_progress_fn)(void *ud, const cw_progress *p);

#define CW_PROGRESS_ROWS 1024 /* records between two progress calls */

/*
** Call 'fn' with 'ud' as the run reads its main input: after every
** CW_PROGRESS_ROWS records, and once more when it stops reading: at the
** end of the input ('done' 1), or when the run fails or is interrupted
** after the input was opened ('done' 0).  'p' is borrowed for
** the call.  'bytes' counts the bytes of a CSV input the parser has
** taken in: while it parses ahead in its thread, up to the end of the
** batch being handed out, so it moves in steps of about a megabyte and
** is the input's size when 'done'.  A NULL 'fn' (the default) reports to
** nobody.  'fn' is called from cw_run_exec(), in the caller's thread,
** and must not call the run's functions.  The library never prints: a
** progress display is the caller's.
*/
void cw_run_on_progress(cw_run *r, cw_progress_fn fn, void *ud);

/* ==== Streaming in and out (docs/embedding.md) ==== */

/*
** cw_run_input() for bytes the caller gives: the input called 'name'
** (NULL: the main input) is CSV read from 'fn' (see cw_read_fn), called
** with 'ud' from the caller's thread, as the run needs bytes, until it
** gives a chunk of length 0.  It may be the main input or a lookup input
** (read whole while cw_run_exec() starts).  Messages, problems and the
** rejects file name it "<reader:NAME>", NAME being the input's name in the
** recipe.  When 'fn' fails, cw_run_exec() fails with the code 'fn' stored
** in 'err' when negative, else CW_EIO, and a message ending with the one
** 'fn' stored ("<reader:NAME>:LINE:0: MESSAGE"); nothing is committed.
** After cw_run_load() and before cw_run_exec().  Returns CW_OK; CW_EUSAGE
** before cw_run_load(), for 'fn' NULL, an input the recipe does not have
** (the message lists its inputs), one already given (by path or reader),
** or one that two lookup steps read (a reader is read once); CW_ENOMEM.
*/
int cw_run_input_reader(cw_run *r, const char *name, cw_read_fn fn, void *ud);

/* One row of a callback output.  Borrowed for the call only. */
typedef struct cw_row {
    const char *output;        /* the output's name in the recipe */
    size_t ncols;              /* its columns */
    const char *const *names;  /* their names, in the recipe's order */
    const char *const *values; /* the values, each NUL-terminated, as the
                                  file would get them (checked against the
                                  output's schema, formulas policy applied);
                                  NULL for a missing value, which a CSV
                                  file writes as an empty field */
    const size_t *lens;        /* their lengths in bytes (0 for NULL) */
    const char *file;          /* the main input, as messages name it */
    unsigned long line;        /* the line of the record it came from */
} cw_row;

/*
** A row callback: return 0 to go on.  Anything else stops the run:
** cw_run_exec() returns the value returned when it is a negative status
** (CW_EINTR, CW_EIO, ...), else CW_EUSAGE, with the message the callback
** wrote in 'err->msg' (or "the row callback stopped the run"), after
** "outputs.NAME: ".  Nothing is committed.
*/
typedef int (*cw_row_fn)(void *ud, const cw_row *row, cw_err *err);

/*
** Deliver the rows of the recipe's output called 'output' to 'fn', with
** 'ud', instead of writing its file or table.  Rows are delivered as
** they pass, in the order a file would get them, before the run knows
** whether it will succeed: when cw_run_exec() then fails, the outputs
** that are files and tables are rolled back but the rows delivered
** cannot be: the status tells the caller to drop them.  A dry run
** delivers them too.  Such an output writes no file: its 'path' is not
** checked against the run's other files, it is not split (neither its
** 'split' nor its schema's size and distinct caps apply), and a 'table'
** output needs no database.  After a successful run the summary lists it
** as "<callback:NAME>" with the number of rows delivered (cw_run_output).
** After cw_run_load() and before cw_run_exec().  Returns CW_OK; CW_EUSAGE
** before cw_run_load(), for 'fn' NULL, an output the recipe does not
** have (the message lists its outputs) or one already given a callback.
*/
int cw_run_output_callback(cw_run *r, const char *output, cw_row_fn fn,
                           void *ud);

/*
** A file the caller writes itself (a summary file, ...), called 'what' in
** messages ("--summary-json"): no output, rejects file or database of the
** run may be it.  After cw_run_load() and before cw_run_exec().  Returns
** CW_OK or CW_ENOMEM; cw_run_check_files() and cw_run_exec() find a clash.
*/
int cw_run_reserve(cw_run *r, const char *path, const char *what);

/*
** Check, writing nothing, that the run's files are distinct: each output
** path a plain file name (not "." or ".."), no two outputs the same file
** or a part name ("a-001.csv") of a split one, and none of them the
** rejects file, the SQLite database of its tables or a reserved file, nor
** those each other.  Returns CW_OK, CW_EUSAGE naming both files (or
** before cw_run_load()), CW_ENOMEM.
** cw_run_load() checks the outputs among themselves; cw_run_exec() does
** all of this before it writes anything.
*/
int cw_run_check_files(cw_run *r);

/*
** Check the recipe as 'crosswalk check' does, reading no data: every
** column name its steps and outputs read against its main input's schema
** and the columns earlier steps create (a lookup's names against its
** input's schema), then cw_run_check_files().  A file may hold columns
** beyond its schema, so a name is refused only when it is close to a
** column of the schema or an alias of one (a misspelling); cw_run_exec()
** checks every name against the actual header.  Without a schema on the
** main input only the names read after a group are checked.  An output
** with a schema and no 'columns' after an fn step without 'sets' is
** refused (which columns it writes cannot be known).  After
** cw_run_load().  Returns CW_OK, CW_EUSAGE with a message naming the
** recipe, the step or output, the name and the closest known names
** ("did you mean 'message_type'?"), CW_ENOMEM.
*/
int cw_run_check(cw_run *r);

/*
** Execute the run.  Returns CW_OK when every record read was accounted
** for and the outputs were committed (rejects may exist: see the
** summary), or a negative status, outputs then rolled back: CW_EUSAGE
** (before cw_run_load(), on a second call, an input not bound, the run's
** files not distinct, a bad database target, a column name the recipe
** reads that is neither in the main input's header nor created by an
** earlier step: see cw_run_check()), CW_EINVALID (the main input's
** header lacks a required column of its schema; the summary's
** 'stopped_at' is then NULL: no record was read), CW_EIO (reading an input,
** writing an output), CW_EPARSE (malformed input that cannot be read on:
** a broken header, or a malformed record in strict mode), CW_ELUA and
** CW_ELIMIT (recipe code), CW_ESINK (a database refused), CW_EINTR (see
** cw_run_interrupt()), CW_ENOMEM.  Call once.
** Temp files are named ".NAME.crosswalk-PID.XXXXXX"; those that dead
** processes left in the output directory are removed first, reported as
** one W_STALE_TEMP warning (not in a dry run).
** A name read after an fn step without 'sets' cannot be resolved before
** the first record: after the last one, each such name that no record
** reaching its reader had a value in is reported as a W_NEVER_SET
** warning (file: the recipe; column: the name).
*/
int cw_run_exec(cw_run *r);

/*
** Ask a running cw_run_exec() to stop at the next record; it then
** returns CW_EINTR.  Safe to call from a signal handler.  Before
** cw_run_exec() it makes that call stop before its first record.
*/
void cw_run_interrupt(cw_run *r);

/* The accounting of a run: read = written + rejected + filtered + merged
** + sent_before + unprocessed.  'unprocessed' is nonzero only for an
** aborted run, 'sent_before' only with a ledger (cw_run_ledger()). */
typedef struct cw_summary {
    unsigned long long read;        /* records read from the main input */
    unsigned long long written;     /* records written to the outputs */
    unsigned long long rejected;    /* records sent to the rejects file */
    unsigned long long filtered;    /* records dropped by a filter step */
    unsigned long long merged;      /* records folded into a group */
    unsigned long long unprocessed; /* records read but never finished */
    unsigned long long warnings;    /* warnings reported */
    const char *rejects;            /* rejects path, NULL when none */
    const char *stopped_at;         /* "file:line" of an abort, or NULL */
    size_t noutputs;                /* number of files written; after a
                                       failure while committing, those
                                       committed before it */
    int commit_unknown;             /* 1: a database connection was lost
                                       during COMMIT: whether those rows
                                       are in is unknown */
    unsigned long long sent_before; /* with a ledger: records every output
                                       had delivered before (the same
                                       content under the same key), or
                                       that wait in a file not yet
                                       confirmed; written to no output */
    int ledger;                     /* 1: the run used a ledger; then
                                       read = written + rejected +
                                       filtered + merged + sent_before
                                       (+ unprocessed) */
} cw_summary;

/* Fill '*out' with the run's accounting (all 0 before cw_run_exec()).
** Strings are owned by 'r'. */
void cw_run_summary(const cw_run *r, cw_summary *out);

/* Output file 'i' (< noutputs): its path and, when 'rows' is not NULL,
** its rows; NULL for 'i' out of range.  Owned by 'r'. */
const char *cw_run_output(const cw_run *r, size_t i, unsigned long long *rows);

/* Message for the last error on 'r', "" before any.  Owned by 'r'; never
** NULL. */
const char *cw_run_errmsg(const cw_run *r);

/* Free 'r' and everything it owns.  Passing NULL is a harmless no-op. */
void cw_run_free(cw_run *r);

/* ==== The delivery ledger (docs/recipe-format.md, "Ledger") ==== */

/*
** A ledger remembers what each output of a recipe delivered, so that a
** run never writes again a row a file already took, and reads only what
** is new.  An output is tracked when it is a file (not a table, nor bound
** to cw_run_output_callback()) with a key: its own 'key' (column names),
** else its schema's key.  For each row it writes, the ledger keeps the
** key's text (a JSON array of the key's values), the row's content (a
** JSON object of its columns and values, null written "" in a CSV file)
** and the SHA-256 of that content, and the file it went into.  A file is
** pending until confirmed (imported) or released (never to be imported:
** its rows may be written again).  A later run
**   - writes no row whose key was delivered with the same content
**     (counted as 'sent_before'), nor one waiting in a pending file (the
**     same; reported as a W_PENDING warning naming the file);
**   - handles a key delivered with other content by the output's
**     'changed' policy: "reject" (default: E_ALREADY_SENT, the message
**     naming the key, the file and each value then and now), "warn"
**     (written, with a W_ALREADY_SENT warning) or "send" (written);
**   - with a main input declaring 'since' (a column), reads only its
**     rows past the watermark, the greatest value of that column a run
**     read, once that run's files and those it left out as pending are
**     all confirmed.  A CSV input's rows at or before it are filtered
**     (counted so); a database input's query gets the condition (the
**     database returns the new rows only).
** Tracked outputs that get no row write no file.  The ledger records a
** run's rows before its files are renamed and marks them pending after,
** so a failed run leaves it as it was, and a crash in between is
** settled by the next run or command from the files in place.
*/

/*
** The ledger of a run, replacing the one the recipe names ('ledger'):
** "sqlite:PATH[#TABLE]" or a bare path (a SQLite file, created when
** missing), "postgres:CONNINFO[#TABLE]" or a postgresql:// URI (its
** tables created when missing), TABLE being "crosswalk_ledger" by
** default; "none" (or NULL) for no ledger even when the recipe names
** one.  Copied.  Before cw_run_exec(), before or after cw_run_load().
** Returns CW_OK, CW_ENOMEM, or CW_EUSAGE for "" or after cw_run_exec()
** began.  cw_run_exec() checks the target (messages show it with its
** password as ***) and fails with CW_EUSAGE, nothing read, for a
** malformed one, a ledger in use by another run or command, a recipe
** with no output the ledger can track, or a 'since' column missing from
** the header; and at the commit, nothing committed, when a file of the
** run would replace one whose rows still wait to be imported.
*/
int cw_run_ledger(cw_run *r, const char *target);

/*
** When 'on', the run reads every row of its main input, ignoring the
** watermark ('since'), as the first run did; rows delivered before are
** still not written again.  A row rejected once (and so behind the
** watermark) is read again this way, once what rejected it is fixed.
** The watermark the run records is the greatest value it read.  Before
** cw_run_exec().  Returns CW_OK, or CW_ENOMEM.
*/
int cw_run_ledger_full(cw_run *r, int on);

/* What a run did with its ledger.  Strings are owned by the run. */
typedef struct cw_ledgerrun {
    const char *target;          /* the ledger as messages show it, or
                                    NULL: the run used none */
    unsigned long long run;      /* the run's number in it (0: a dry
                                    run, which records nothing) */
    unsigned long long recorded; /* rows recorded, pending until their
                                    files are confirmed */
    unsigned long long waiting;  /* rows left out because they wait in
                                    pending files (the W_PENDING
                                    warnings name them) */
    const char *input;           /* the main input, when it has 'since' */
    const char *since;           /* its watermark column, or NULL */
    const char *from;            /* the watermark it read past, or NULL:
                                    every row was read */
    const char *to;              /* the watermark it recorded (used once
                                    its files are confirmed), or NULL */
    unsigned long long before;   /* rows of a CSV input at or before
                                    'from', counted as filtered */
    int pushed;                  /* 1: the condition went into the
                                    database input's query */
    int full;                    /* 1: cw_run_ledger_full(): every row
                                    was read */
} cw_ledgerrun;

/* Fill '*out' (zeroed when the run used no ledger, or before
** cw_run_exec()). */
void cw_run_ledger_info(const cw_run *r, cw_ledgerrun *out);

/* A ledger open for its commands ('crosswalk ledger'). */
typedef struct cw_ledger cw_ledger;

/*
** Open the ledger 'target' (the forms of cw_run_ledger(); it must exist)
** and take its lock until cw_ledger_free(); settle the runs a crash left
** half recorded; read its files and watermarks.  Returns CW_OK, or with
** NULL in '*out' and the reason in 'err': CW_EUSAGE (a malformed target,
** no ledger there, one in use), CW_EIO, CW_ESINK, CW_ENOMEM.
*/
int cw_ledger_new(const char *target, cw_ledger **out, cw_err *err);

/* One file of a ledger.  Strings owned by the ledger. */
typedef struct cw_ledgerfile {
    const char *path;        /* absolute, where the run wrote it */
    const char *state;       /* "pending", "confirmed", "released",
                                "failed" (never renamed into place),
                                "writing" (a run is committing it) */
    const char *output;      /* "RECIPE/OUTPUT" */
    unsigned long long rows; /* rows it delivered */
    unsigned long long run;  /* the run that wrote it */
    const char *written;     /* when, UTC "YYYY-MM-DDTHH:MM:SSZ" */
    const char *changed;     /* when its state last changed, or NULL */
} cw_ledgerfile;

/* The files (in the order written): count, and file 'i' in '*out'
** (CW_OK, or CW_EUSAGE for 'i' out of range). */
size_t cw_ledger_nfiles(const cw_ledger *l);
int cw_ledger_file(const cw_ledger *l, size_t i, cw_ledgerfile *out);

/*
** Mark the file at 'path' imported (confirm) or never to be imported
** (release: its rows may be written again), '*out' describing it after.
** 'path' is the file a run wrote, by its path (relative to the current
** directory) or, moved since, by the file itself.  Confirming a
** confirmed file, or releasing a released one, changes nothing.  Returns
** CW_OK, or CW_EUSAGE (no file of the ledger there; a file not pending;
** a confirmed file cannot be released, its rows having gone out; a file
** replaced or changed since its run wrote it cannot be confirmed, unless
** cw_ledger_force()), CW_EIO, CW_ESINK, CW_ENOMEM.  Call
** cw_ledger_errmsg() for why.
*/
int cw_ledger_confirm(cw_ledger *l, const char *path, cw_ledgerfile *out);
int cw_ledger_release(cw_ledger *l, const char *path, cw_ledgerfile *out);

/* When 'on', cw_ledger_confirm() confirms a file that changed since its
** run wrote it (edited and saved, as a spreadsheet does): the ledger
** records the rows the run wrote. */
void cw_ledger_force(cw_ledger *l, int on);

/* One watermark of a ledger.  Strings owned by the ledger. */
typedef struct cw_ledgermark {
    const char *input;      /* "RECIPE/INPUT" */
    const char *column;     /* its 'since' column */
    const char *value;      /* the greatest value the run read */
    unsigned long long run; /* that run */
    int usable;             /* 1: its files (and those it left out as
                               pending) are all confirmed; the latest
                               usable one is what the next run reads
                               past */
} cw_ledgermark;

/* The watermarks of finished runs, by input, column and run: count, and
** mark 'i' in '*out' (CW_OK, or CW_EUSAGE for 'i' out of range). */
size_t cw_ledger_nmarks(const cw_ledger *l);
int cw_ledger_mark(const cw_ledger *l, size_t i, cw_ledgermark *out);

/* The ledger as messages show it (password as ***), and the message of
** the last error ("" before any).  Owned by 'l'; never NULL. */
const char *cw_ledger_target(const cw_ledger *l);
const char *cw_ledger_errmsg(const cw_ledger *l);

/* Release the lock and free 'l'.  NULL is a no-op. */
void cw_ledger_free(cw_ledger *l);

/* ==== End ledger ==== */

/* ==== One-shot tools ==== */

/*
** Check 'path' against the schema 'name' ("organizer/text_interactions")
** found under 'home'/schemas, reporting every problem through 'fn'.
** Store the number of errors (not warnings) in '*nerrors'.  Returns CW_OK
** when the file could be checked (even with errors), or a negative
** status when it could not: CW_EUSAGE (a bad name, an unknown or broken
** schema), CW_EIO (the file cannot be read), CW_ELUA or CW_ELIMIT (the
** schema's Lua), CW_ENOMEM.  'fn' may be NULL.
*/
int cw_validate(const char *home, const char *name, const char *path,
                cw_problem_fn fn, void *ud, unsigned long *nerrors,
                cw_err *err);

/*
** cw_validate() with 'flags': CW_VALIDATE_STRICT stops at the first
** malformed CSV record (E_QUOTE), reported as the last problem; without
** it (and in cw_validate()) each one is reported and checking goes on.
** Returns as cw_validate() does.
*/
#define CW_VALIDATE_STRICT 1
int cw_validate_flags(const char *home, const char *name, const char *path,
                      int flags, cw_problem_fn fn, void *ud,
                      unsigned long *nerrors, cw_err *err);

/*
** cw_validate_flags() reading 'path' in the dialect 'd' (NULL: the
** default, as cw_validate_flags() does).  Returns as cw_validate() does,
** and CW_EUSAGE for a dialect that cannot work (see cw_dialect_check()).
*/
int cw_validate_dialect(const char *home, const char *name, const char *path,
                        int flags, const cw_dialect *d, cw_problem_fn fn,
                        void *ud, unsigned long *nerrors, cw_err *err);

/*
** Convert between CSV and NDJSON, chosen by the extensions of 'in' and
** 'out' (".csv", ".ndjson" or ".jsonl").  'out' is written atomically.
** Store the number of records in '*rows' when not NULL (0 on failure).
** Returns CW_OK, CW_EUSAGE (a NULL name, a pair of kinds it does not
** convert), CW_EIO, CW_EPARSE (malformed input), CW_ESINK (a database
** target refused), CW_ENOMEM.
*/
int cw_convert(const char *in, const char *out, unsigned long long *rows,
               cw_err *err);

/*
** cw_convert() reading the CSV input 'in' in the dialect 'd' (NULL: the
** default, as cw_convert() does); what is written is UTF-8 as always.
** Returns as cw_convert() does, and CW_EUSAGE for a dialect that cannot
** work (see cw_dialect_check()) or one other than the default given for
** an input that is not CSV.
*/
int cw_convert_dialect(const char *in, const char *out, const cw_dialect *d,
                       unsigned long long *rows, cw_err *err);

/*
** Write the 'len' bytes at 'data' to the file 'path' atomically: a temp
** file beside it, fsynced and renamed over it.  A symbolic link at 'path'
** is replaced by the file, its target left alone.  Returns CW_OK, CW_EIO
** (the message names 'path' and the system's reason) or CW_ENOMEM; on
** failure 'path' is unchanged and no temp file stays.
*/
int cw_write_file(const char *path, const void *data, size_t len, cw_err *err);

/* ==== Load (engine/load.c) ==== */

/*
** Load files into typed database tables ('crosswalk load').  Each file's
** schema is recognised from its header (or forced), its values are checked
** like a recipe input (bad rows go to a rejects CSV), and its rows are
** written to a table created from the schema's types, keyed on the
** schema's key.  Everything is one transaction per database: a failed or
** interrupted load commits nothing.
*/
typedef struct cw_load cw_load; /* one load (opaque) */

/* Create an empty load.  Returns CW_OK, or CW_ENOMEM with NULL in '*out'
** and the problem in 'err' (when not NULL). */
int cw_load_new(cw_load **out, cw_err *err);

/*
** Configuration, all before cw_load_exec().  Strings are copied; each
** returns CW_OK or CW_ENOMEM, or CW_EUSAGE for a bad value where noted
** (see the message); a second call replaces the value but for
** cw_load_file and cw_load_key, which add one.
**   cw_load_home:    the directory holding schemas/ (NULL, or not
**                    called: the default home, above).
**   cw_load_into:    the target: "sqlite:PATH" or "postgres:CONNINFO",
**                    optionally followed by "#TABLE" (required).
**                    CW_EUSAGE for another form (a postgresql:// URI is
**                    accepted as well) or an empty TABLE.
**   cw_load_file:    add an input: a CSV path ("-" is standard input) or
**                    any source cw_run_input() accepts.  Call once a file.
**   cw_load_schema:  use schema 'name' ("impactive/messages") for every
**                    file instead of recognising one; "none" loads every
**                    column as text without checks.
**   cw_load_table:   the table for every file (default: "#TABLE" of the
**                    target, else the schema's format, "messages" for
**                    impactive/messages, else the file's base name
**                    without its extension).  CW_EUSAGE when empty.
**   cw_load_mode:    "create" (fail when the table exists), "append",
**                    "replace" or "upsert"; default upsert when the table
**                    has a key, else create.  CW_EUSAGE for another.
**   cw_load_key:     add a key column (instead of the schema's key).
**                    CW_EUSAGE when empty.
**   cw_load_rejects: path of the rejects CSV (default
**                    ./rejects-TABLE.csv; with several tables, "-TABLE"
**                    is added before the extension).
**   cw_load_strict:  when 'on', a malformed CSV record (E_QUOTE) stops
**                    the load (CW_EPARSE, nothing committed) instead of
**                    going to the rejects file.  Always CW_OK.
**   cw_load_dialect: the dialect (see cw_dialect) of every CSV file; NULL
**                    for the default.  Copied.  CW_EUSAGE for one that
**                    cannot work (see cw_dialect_check()).  A database
**                    input given with a dialect other than the default
**                    fails cw_load_exec() with CW_EUSAGE.  Without a
**                    delimiter given, a file whose header is one column
**                    holding ';', TAB or '|', and that no schema knows,
**                    fails cw_load_exec() with CW_EUSAGE and a hint
**                    (rather than loading a one-column table).
**   cw_load_on_problem: called for every rejected row; a NULL 'fn' (the
**                    default) reports to nobody.
** cw_load_exec() checks the rest: the schema's name, the files.
*/
int cw_load_home(cw_load *l, const char *dir);
int cw_load_into(cw_load *l, const char *target);
int cw_load_file(cw_load *l, const char *path);
int cw_load_schema(cw_load *l, const char *name);
int cw_load_table(cw_load *l, const char *name);
int cw_load_mode(cw_load *l, const char *mode);
int cw_load_key(cw_load *l, const char *column);
int cw_load_rejects(cw_load *l, const char *path);
int cw_load_strict(cw_load *l, int on);
int cw_load_dialect(cw_load *l, const cw_dialect *d);
void cw_load_on_problem(cw_load *l, cw_problem_fn fn, void *ud);

/* cw_run_on_progress() for a load: its files count as one input ('rows',
** 'bytes' and 'total' summed over them; 'total' 0 when the size of one
** is unknown), 'done' once the last is read to its end; the last call
** comes when the load stops reading, 'done' 0 when it failed before. */
void cw_load_on_progress(cw_load *l, cw_progress_fn fn, void *ud);

/*
** Run the load.  Returns CW_OK when every row read was written or
** rejected and everything was committed (see the summary for rejects), or
** a negative status with nothing committed: CW_EUSAGE before any row was
** read (unknown schema, a table that exists in create mode, a missing
** cw_load_home(), cw_load_into() or cw_load_file(), a second call, ...),
** CW_EINTR after cw_load_interrupt(), CW_ESINK when the database refused
** a row (the message names its file:line), CW_EPARSE (malformed input: a
** broken header, or a malformed record in strict mode), CW_ELUA or
** CW_ELIMIT (a schema given by cw_load_schema() failing in Lua), CW_EIO,
** CW_ENOMEM.  Call once.
*/
int cw_load_exec(cw_load *l);

/* Ask a running cw_load_exec() to stop at the next row; it then returns
** CW_EINTR.  Safe to call from a signal handler.  Before cw_load_exec()
** it makes that call stop before its first row. */
void cw_load_interrupt(cw_load *l);

/* The accounting, as for a run (filtered and merged are 0; noutputs is
** the number of tables; rejects is the first rejects file; all 0 before
** cw_load_exec()).  Strings are owned by 'l'. */
void cw_load_summary(const cw_load *l, cw_summary *out);

/* One table of the load, after cw_load_exec().  Strings owned by 'l'. */
typedef struct cw_loadinfo {
    const char *table;           /* table name */
    const char *schema;          /* schema used, NULL: all text */
    const char *mode;            /* "create", "append", "replace", "upsert" */
    const char *key;             /* key columns, comma-separated, or NULL */
    const char *rejects;         /* rejects file, NULL when none */
    unsigned long long rows;     /* rows written */
    unsigned long long rejected; /* rows rejected */
    int committed;               /* 1: its rows are committed; 0: not (a
                                    failed load); -1: unknown (the
                                    connection was lost during COMMIT) */
} cw_loadinfo;

/* Number of tables (0 before cw_load_exec()), and table 'i' (< that
** number) in '*out': CW_OK, or CW_EUSAGE ('*out' untouched). */
size_t cw_load_ntables(const cw_load *l);
int cw_load_info(const cw_load *l, size_t i, cw_loadinfo *out);

/* Message for the last error on 'l', "" before any.  Owned by 'l'; never
** NULL. */
const char *cw_load_errmsg(const cw_load *l);

/* Free 'l' (rolling back anything not committed).  NULL is a no-op. */
void cw_load_free(cw_load *l);

/* ==== End load ==== */

/* ==== Inspect (engine/inspect.c) ==== */

/*
** What a CSV file is ('crosswalk inspect'): its dialect, encoding, line
** endings and row count, and which schema under HOME/schemas its header
** matches, with the diff of missing and unexpected columns.
*/
typedef struct cw_inspection cw_inspection; /* one inspected file (opaque) */

/*
** Inspect the file at 'path' ("-" is standard input) against every schema
** under 'home'/schemas/<tool>/<format>.lua (a schema that fails to load is
** skipped, but one that hits a sandbox limit fails the call: CW_ELIMIT).  The
** delimiter is sniffed among , ; TAB | and the quote among
** " and ' from the first lines; rows are counted by the CSV parser.
** Returns CW_OK when the file was inspected (even when no schema matches
** or some rows are bad), CW_EIO when it cannot be read, CW_EPARSE when it
** is malformed (no header, a blank or duplicate header name, broken
** quoting) or not UTF-8 (a UTF-16 or UTF-32 file), CW_EUSAGE when 'home'
** holds no schemas directory, CW_ELIMIT, CW_ENOMEM.  On failure '*out' is
** NULL and 'err' (when not NULL) says why.
*/
int cw_inspect_new(const char *home, const char *path, cw_inspection **out,
                   cw_err *err);

/*
** cw_inspect_new() reading 'path' in the dialect 'd' (NULL: all sniffed,
** as cw_inspect_new() does): a delimiter or quote set in 'd' is used
** instead of the sniffed one, and an encoding set is converted from (the
** findings then name it, "UTF-16LE" or "windows-1252"; see
** cw_inspectinfo.encoding); with stray_quotes CW_STRAY_KEEP a quote
** inside an unquoted field is data (else it fails the call, CW_EPARSE,
** and the message says to try --stray-quotes keep).  Returns as
** cw_inspect_new() does, and CW_EUSAGE for a dialect that cannot work
** (see cw_dialect_check()).
*/
int cw_inspect_new_dialect(const char *home, const char *path,
                           const cw_dialect *d, cw_inspection **out,
                           cw_err *err);

/* The findings.  Strings are owned by the inspection (static for the
** constant ones); NULL where noted. */
typedef struct cw_inspectinfo {
    const char *file;            /* path as given */
    char delimiter;              /* ',', ';', '\t' or '|' */
    char quote;                  /* '"' or '\'' */
    const char *encoding;        /* "UTF-8", "UTF-8 with BOM", or, when
                                    some bytes are not UTF-8, "invalid
                                    UTF-8" / "invalid UTF-8 with BOM"; for
                                    an encoding given, its name as read
                                    ("UTF-16LE with BOM", "latin1") */
    unsigned long bad_utf8_line; /* first line with invalid UTF-8, 0 none */
    int bom;                     /* 1 when a byte order mark leads */
    const char *line_endings;    /* "LF", "CRLF", "CR", "mixed" or "none"
                                    (line ends inside quotes not counted) */
    unsigned long long rows;     /* data records read by the parser */
    unsigned long long bad_rows; /* of those: ragged, NUL or bad UTF-8 */
    const char *first_problem;   /* the first bad row's message, or NULL */
    size_t ncolumns;             /* header columns */
    const char *schema;          /* the matching schema, NULL when none */
    const char *title;           /* its title (of 'closest' when none) */
    const char *closest;         /* best candidate, even when it does not
                                    match; NULL only without schemas */
    int exact;                   /* 1: the header is exactly the columns
                                    of 'schema', none missing or extra */
    size_t nmissing;             /* columns of 'closest' not in the file */
    size_t nunexpected;          /* file columns 'closest' does not know */
    size_t ncandidates;          /* ranked candidates kept, at most 3 */
} cw_inspectinfo;

/* Fill '*out' with the findings of 'x'. */
void cw_inspect_info(const cw_inspection *x, cw_inspectinfo *out);

/* Header name 'i' (< ncolumns), or NULL. */
const char *cw_inspect_column(const cw_inspection *x, size_t i);

/*
** What to try when the findings look wrong, or NULL: the header is one
** column holding another delimiter than the one read with ("the header
** is one column holding ';': is the file semicolon-separated?
** (--delimiter ';')"), or some bytes are not UTF-8 (naming --encoding
** windows-1252).  Owned by the inspection.
*/
const char *cw_inspect_hint(const cw_inspection *x);

/* Missing column 'i' (< nmissing) of the closest schema, in schema order,
** with '*required' (when not NULL) set to 1 for a required one; or NULL. */
const char *cw_inspect_missing(const cw_inspection *x, size_t i, int *required);

/* Unexpected file column 'i' (< nunexpected), in file order; or NULL. */
const char *cw_inspect_unexpected(const cw_inspection *x, size_t i);

/*
** A ranked candidate.  Ranking: schemas that match (all required columns
** present and at least half the file's columns recognised) first, then
** the most columns recognised, the fewest missing, the fewest unexpected,
** the name.  Candidate 0 is 'closest'.
*/
typedef struct cw_inspectcand {
    const char *schema;      /* "tool/format" */
    int matches;             /* 1 when it meets the bar above */
    size_t recognised;       /* file columns the schema knows */
    size_t missing;          /* schema columns absent from the file */
    size_t missing_required; /* of those, required ones */
    size_t unexpected;       /* file columns the schema does not know */
    double score;            /* recognised / file columns, 0 to 1 */
} cw_inspectcand;

/* Candidate 'i' (< ncandidates) into '*out': CW_OK, or CW_EUSAGE ('*out'
** zeroed). */
int cw_inspect_candidate(const cw_inspection *x, size_t i, cw_inspectcand *out);

/* Free 'x'.  NULL is a harmless no-op. */
void cw_inspect_free(cw_inspection *x);

/*
** The schemas themselves ('crosswalk schemas', 'crosswalk schema show').
** A set holds one schema or every schema under 'home'/schemas.
*/
typedef struct cw_schemaset cw_schemaset; /* loaded schemas (opaque) */

/*
** Load schema 'name' ("rally/contacts"), or, when 'name' is NULL, every
** schema under 'home'/schemas sorted by name; then a schema that fails to
** load is kept with its error message (see cw_schemainfo.error).
** Returns CW_OK, CW_EUSAGE (an unknown or broken 'name', or no schemas
** directory; the message says which), CW_ELUA or CW_ELIMIT (a 'name'
** failing in Lua), CW_EIO (a 'name' that cannot be read), CW_ENOMEM.
*/
int cw_schemaset_new(const char *home, const char *name, cw_schemaset **out,
                     cw_err *err);

/* Number of schemas in 's'. */
size_t cw_schemaset_count(const cw_schemaset *s);

/* One schema.  Strings and arrays are owned by the set. */
typedef struct cw_schemainfo {
    const char *name;             /* "tool/format" */
    const char *title;            /* one line, "" when none */
    const char *error;            /* why it did not load, else NULL (then
                                     the fields below are empty) */
    int status;                   /* then its status: CW_ELIMIT when it
                                     hit a sandbox limit; else CW_OK */
    size_t ncolumns;              /* columns */
    const char *const *key;       /* key column names */
    size_t nkey;                  /* count of 'key' */
    const char *const *prefixes;  /* header prefixes of column families */
    size_t nprefixes;             /* count of 'prefixes' */
    int organizer;                /* 1: Organizer import rules apply */
    unsigned long long max_bytes; /* file size cap, 0 = none */
    const char *distinct_column;  /* column with a distinct-value cap */
    size_t distinct_max;          /* that cap, 0 = none */
} cw_schemainfo;

/* Schema 'i' (< count) into '*out': CW_OK, or CW_EUSAGE ('*out' zeroed). */
int cw_schemaset_info(const cw_schemaset *s, size_t i, cw_schemainfo *out);

/* One column of a schema. */
typedef struct cw_columninfo {
    const char *name;           /* canonical header */
    const char *type;           /* "id", "text", "enum", ... */
    int required;               /* header and value required */
    int nonblank;               /* value required when present */
    long max_length;            /* characters, or -1 */
    int organizer_dates;        /* dates in Organizer's forms only */
    const char *const *aliases; /* other spellings */
    size_t naliases;            /* count of 'aliases' */
    const char *const *values;  /* enum values */
    size_t nvalues;             /* count of 'values' */
    const char *doc;            /* one line, or NULL */
} cw_columninfo;

/* Column 'c' of schema 'i' into '*out': CW_OK, or CW_EUSAGE ('*out'
** zeroed) for 'i' or 'c' out of range or a schema that did not load. */
int cw_schemaset_column(const cw_schemaset *s, size_t i, size_t c,
                        cw_columninfo *out);

/* Free 's'.  NULL is a harmless no-op. */
void cw_schemaset_free(cw_schemaset *s);

/* ==== End inspect ==== */

/*
** ==== Deprecated names, removed in 0.2 ====
** The names of the create and free functions before the rule above
** (docs/decisions.md, "One name pattern for creating and freeing"), kept
** for one release: each is the function on its right.
*/
#define cw_run_close cw_run_free
#define cw_load_close cw_load_free
#define cw_inspect cw_inspect_new
#define cw_schemaset_open cw_schemaset_new
#define cw_schemaset_close cw_schemaset_free
/* ==== End deprecated names ==== */

#ifdef __cplusplus
}
#endif

#endif /* CW_H */
