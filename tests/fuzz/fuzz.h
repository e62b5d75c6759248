/*
** fuzz.h -- what the fuzz targets share: the libFuzzer entry points each
** target defines, and a private temporary directory for the targets that
** must hand their input to the engine as a file.
*/
#ifndef CW_FUZZ_H
#define CW_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Run one input (libFuzzer's entry point, one per target).  Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Called once before the first input (libFuzzer, and replay.c alike). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
** Write 'size' bytes of 'data' to the file 'name' in the process's
** temporary directory (made on first use, removed at exit with what it
** holds) and return its path, static storage valid until the next call
** with the same 'name'.  Aborts when the file cannot be written: a fuzz
** run that cannot write its input tests nothing.
*/
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);

/* The path of 'name' in that directory, made the same way. */
const char *fuzz_path(const char *name);

/* With CW_FUZZ_VERBOSE set in the environment, print what became of an
** input ('rc' a cw_status, 'msg' the engine's message): how to see
** whether a seed gets past the first check. */
void fuzz_report(int rc, const char *msg);

#endif /* CW_FUZZ_H */
