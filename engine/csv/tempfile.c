/*
** tempfile.c -- files written whole and atomically: temp files named
** after their process beside the final path, directory fsyncs,
** cw_write_file(), and the sweep of temp files left by dead processes.
*/
#include "csv/tempfile.h"

#include "csv/csvwrite.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_TAG ".crosswalk-" /* in temp names, before the pid */

/*
** The process's file-creation mask, read from /proc/self/status so that
** the process-wide umask is never changed (umask() cannot be read without
** setting it, which would race with other threads).  022 when unknown.
** mkstemp creates files 0600; outputs get 0666 minus this mask, as a file
** made by open(2) would.
*/
static mode_t process_umask(void)
{
    char line[128];
    unsigned mask = 022;
    FILE *f = fopen("/proc/self/status", "r");

    if (f == NULL)
        return (mode_t)mask;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "Umask: %o", &mask) == 1)
            break;
    fclose(f);
    return (mode_t)(mask & 0777);
}

/* A temp file beside 'path', named after this process (tempfile.h). */
int cw__temp_make(const char *path, char **tmp)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash != NULL ? (size_t)(slash + 1 - path) : 0;
    size_t len = strlen(path) + sizeof TMP_TAG + 32;
    int fd, e;

    *tmp = cw__alloc(len);
    if (*tmp == NULL) {
        errno = ENOMEM;
        return -1;
    }
    snprintf(*tmp, len, "%.*s.%s" TMP_TAG "%ld.XXXXXX", (int)dirlen, path,
             path + dirlen, (long)getpid());
    fd = mkstemp(*tmp);
    if (fd < 0) {
        e = errno;
        cw__free(*tmp);
        *tmp = NULL;
        errno = e;
        return -1;
    }
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    (void)fchmod(fd, 0666 & ~process_umask());
    return fd;
}

/* Fsync the directory 'dir' (tempfile.h). */
int cw__fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r, e;

    if (fd < 0)
        return -1;
    do {
        r = fsync(fd);
    } while (r != 0 && errno == EINTR);
    e = errno;
    close(fd);
    errno = e;
    return r != 0 && e != EINVAL ? -1 : 0;
}

/* ==== Whole files and stale temp files ==== */

/*
** Write the 'len' bytes at 'data' to 'path' atomically: a temp file beside
** it, fsynced, renamed over 'path' (a symbolic link there is replaced, its
** target left alone), then the directory fsynced.  On failure nothing
** changes at 'path' and no temp file stays.
*/
int cw_write_file(const char *path, const void *data, size_t len, cw_err *err)
{
    const char *p = data, *slash = strrchr(path, '/');
    char *tmp = NULL, *dir;
    int fd = cw__temp_make(path, &tmp), r;

    if (fd < 0)
        return cw__fail(err, errno == ENOMEM ? CW_ENOMEM : CW_EIO, "%s: %s",
                        path, strerror(errno));
    while (len > 0) {
        ssize_t k = write(fd, p, len);

        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0)
                errno = EIO;
            goto fail;
        }
        p += k;
        len -= (size_t)k;
    }
    do {
        r = fsync(fd);
    } while (r != 0 && errno == EINTR);
    if (r != 0)
        goto fail;
    r = close(fd);
    fd = -1;
    if ((r != 0 && errno != EINTR) || rename(tmp, path) != 0)
        goto fail;
    cw__free(tmp);
    if (slash == NULL)
        dir = cw__strdup(".");
    else
        dir = cw__strndup(path, slash == path ? 1 : (size_t)(slash - path));
    if (dir == NULL)
        return cw__fail(err, CW_ENOMEM, "%s: out of memory", path);
    r = cw__fsync_dir(dir);
    cw__free(dir);
    if (r != 0)
        return cw__fail(err, CW_EIO, "%s: %s", path, strerror(errno));
    return CW_OK;

fail:
    r = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    cw__free(tmp);
    return cw__fail(err, CW_EIO, "%s: %s", path, strerror(r));
}

/*
** The pid in the temp file name 'name' (".NAME.crosswalk-PID.XXXXXX", as
** cw__temp_make() creates them), or 0 when it is not such a name.
*/
static long temp_pid(const char *name)
{
    const char *tag = NULL, *p, *q;
    long pid = 0;

    if (name[0] != '.')
        return 0;
    for (p = strstr(name + 1, TMP_TAG); p != NULL; p = strstr(p + 1, TMP_TAG))
        tag = p;
    if (tag == NULL || tag == name + 1)
        return 0;
    for (q = tag + strlen(TMP_TAG); *q >= '0' && *q <= '9'; q++) {
        if (pid > 99999999)
            return 0;
        pid = pid * 10 + (*q - '0');
    }
    if (q == tag + strlen(TMP_TAG) || *q != '.' || strlen(q + 1) != 6)
        return 0;
    return pid;
}

/*
** Remove the temp files left in 'dir' by processes that no longer exist:
** regular files named as cw__temp_make() names them whose pid is not this
** process's and answers kill(pid, 0) with ESRCH.  Returns the number
** removed (0 when 'dir' cannot be read) and copies the first one's name
** to 'first' ('cap' bytes; "" when none).
*/
size_t cw__writer_sweep(const char *dir, char *first, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct stat st;
    cw_buf path = {0};
    size_t n = 0;

    if (cap > 0)
        first[0] = '\0';
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        long pid = temp_pid(e->d_name);

        if (pid <= 0 || pid == (long)getpid() ||
            !(kill((pid_t)pid, 0) == -1 && errno == ESRCH))
            continue;
        path.len = 0;
        if (cw__buf_printf(&path, "%s/%s", dir, e->d_name) != CW_OK)
            break;
        if (lstat(path.p, &st) != 0 || !S_ISREG(st.st_mode) ||
            unlink(path.p) != 0)
            continue;
        if (n++ == 0 && cap > 0)
            snprintf(first, cap, "%s", e->d_name);
    }
    closedir(d);
    cw__buf_free(&path);
    return n;
}
