/*
** fuzz_tz.c -- fuzz target for the TZif reader (engine/values/tz.h): a
** date rule's 'tzdir' argument lets a recipe name any zoneinfo folder,
** so zone files are input too.  The input is written as a zone file and
** read with cw__tz_read(); a zone that loads converts a spread of
** instants both ways.
*/
#include "fuzz.h"

#include "values/tz.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Before, at and after the epoch, 2038, far past and future. */
    static const long long instants[] = {
        -62135596800ll, -2147483649ll, -1,           0,
        1700000000ll,   2147483648ll,  4102444800ll, 253402300799ll};
    const char *path = fuzz_file("Zone", data, size);
    char dir[4096];
    const char *slash = strrchr(path, '/');
    cw_tz *z = NULL;
    cw_err err = {0};

    if (slash == NULL || (size_t)(slash - path) >= sizeof dir)
        abort();
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    if (cw__tz_read(dir, "Zone", &z, &err) != CW_OK)
        return 0;
    for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
        long long utc;

        cw__tz_offset_utc(z, instants[i]);
        cw__tz_local_to_utc(z, instants[i], &utc);
    }
    cw__tz_free(z);
    return 0;
}
