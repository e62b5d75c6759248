/*
** syncer.c -- fdatasync of a growing file on a thread of its own.  One
** file at a time, through a dup() of its descriptor: the caller may
** close its own only after cw__syncer_forget(), which waits for the
** thread to let go of the duplicate and hands back the errno of any
** fdatasync that failed.
*/
#include "csv/syncer.h"

#include "core/cw.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

struct cw_syncer {
    pthread_mutex_t mu; /* guards what follows */
    pthread_cond_t cv;  /* signalled on every change of it */
    pthread_t tid;      /* the thread, once 'started' */
    int started;        /* 1: the thread runs */
    int fd;             /* the caller's descriptor being synced, or -1 */
    int dupfd;          /* the thread's duplicate of it, or -1 */
    int want;           /* 1: an fdatasync was asked and not begun */
    int busy;           /* 1: the thread is in fdatasync */
    int err;            /* errno of a failed one, or 0 */
    int stop;           /* 1: the thread ends */
};

static void *run(void *ud)
{
    cw_syncer *s = ud;

    pthread_mutex_lock(&s->mu);
    for (;;) {
        int fd, r;

        while (!s->stop && !s->want)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->stop)
            break;
        s->want = 0;
        s->busy = 1;
        fd = s->dupfd;
        pthread_mutex_unlock(&s->mu);
        do {
            r = fdatasync(fd);
        } while (r != 0 && errno == EINTR);
        pthread_mutex_lock(&s->mu);
        if (r != 0 && s->err == 0)
            s->err = errno;
        s->busy = 0;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

cw_syncer *cw__syncer_new(void)
{
    cw_syncer *s = cw__alloc(sizeof *s);

    if (s == NULL)
        return NULL;
    *s = (cw_syncer){.fd = -1, .dupfd = -1};
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        cw__free(s);
        return NULL;
    }
    if (pthread_cond_init(&s->cv, NULL) != 0) {
        pthread_mutex_destroy(&s->mu);
        cw__free(s);
        return NULL;
    }
    return s;
}

/* Start the thread, with every signal blocked in it.  Under 'mu'. */
static void start(cw_syncer *s)
{
    sigset_t all, old;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    s->started = pthread_create(&s->tid, NULL, run, s) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void cw__syncer_ask(cw_syncer *s, int fd)
{
    pthread_mutex_lock(&s->mu);
    if (s->fd < 0) {
        s->dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        s->fd = s->dupfd >= 0 ? fd : -1;
        s->err = 0;
    }
    if (!s->started && s->fd >= 0)
        start(s);
    if (s->started && s->fd == fd) {
        s->want = 1;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
}

int cw__syncer_forget(cw_syncer *s, int fd)
{
    int err = 0;

    if (s == NULL)
        return 0;
    pthread_mutex_lock(&s->mu);
    if (s->fd == fd && fd >= 0) {
        s->want = 0;
        while (s->busy)
            pthread_cond_wait(&s->cv, &s->mu);
        err = s->err;
        close(s->dupfd);
        s->dupfd = s->fd = -1;
        s->err = 0;
    }
    pthread_mutex_unlock(&s->mu);
    return err;
}

void cw__syncer_free(cw_syncer *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->started)
        pthread_join(s->tid, NULL);
    if (s->dupfd >= 0)
        close(s->dupfd);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    cw__free(s);
}
