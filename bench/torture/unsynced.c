/* Power-loss simulation for the torture suite: an LD_PRELOAD shim that records, for every file
 * opened under $PL_DIR while $PL_ACTIVE is "1", how to UNDO each write not yet made durable by
 * fsync/fdatasync. The writes themselves go to the file as usual (so the process sees its own
 * writes, exactly like the page cache), and before each one the old bytes of the region and the
 * file's size are appended to "<file>.undo". fsync/fdatasync of the file empties its undo log
 * (those writes are now on the platter). After the process is killed, the harness replays the
 * undo logs backwards ("power loss": every unsynced write is gone), then opens the database.
 *
 * Modelled on SQLite's own crash tests (test_vfs.c / crash8.test), at the libc level so it runs
 * unchanged under SQLCipher. Not modelled: directory-entry durability (a created or renamed file
 * is treated as durable), torn sectors, reordering of synced writes. The -shm file is skipped
 * (SQLite rebuilds it; it is never durable state).
 *
 * Undo record: 'W' u64 offset u64 old_size u64 length, then `length` old bytes (zero-filled past
 * old_size). Build: cc -shared -fPIC -O2 -o unsynced.so unsynced.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_FD 1024
static int undo_fd[MAX_FD]; /* fd of the undo log for a tracked fd, 0 = untracked (stored +1) */

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off64_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_close)(int);

#define LOAD(name) if (!real_##name) real_##name = dlsym(RTLD_NEXT, #name)

static void load_all(void) {
    LOAD(open); LOAD(open64); LOAD(openat); LOAD(write); LOAD(pwrite); LOAD(pwrite64);
    LOAD(ftruncate); LOAD(ftruncate64); LOAD(fsync); LOAD(fdatasync); LOAD(close);
}

static void track(int fd, const char *path) {
    const char *dir = getenv("PL_DIR");
    const char *active = getenv("PL_ACTIVE");
    if (fd < 0 || fd >= MAX_FD || !dir || !active || strcmp(active, "1") != 0) return;
    char full[PATH_MAX];
    if (path[0] != '/') {
        if (!getcwd(full, sizeof full)) return;
        strncat(full, "/", sizeof full - strlen(full) - 1);
        strncat(full, path, sizeof full - strlen(full) - 1);
    } else {
        strncpy(full, path, sizeof full - 1);
        full[sizeof full - 1] = 0;
    }
    size_t n = strlen(full);
    if (strncmp(full, dir, strlen(dir)) != 0) return;
    if (n > 4 && strcmp(full + n - 4, "-shm") == 0) return;
    if (n > 5 && strcmp(full + n - 5, ".undo") == 0) return;
    char undo[PATH_MAX + 8];
    snprintf(undo, sizeof undo, "%s.undo", full);
    int u = real_open(undo, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (u >= 0) undo_fd[fd] = u + 1;
}

static void untrack(int fd) {
    if (fd >= 0 && fd < MAX_FD && undo_fd[fd]) {
        real_close(undo_fd[fd] - 1);
        undo_fd[fd] = 0;
    }
}

static void all_out(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len) {
        ssize_t w = real_write(fd, p, len);
        if (w <= 0) return;
        p += w;
        len -= (size_t)w;
    }
}

/* Before writing [offset, offset+len): log the old bytes and the old size. */
static void before_write(int fd, uint64_t offset, uint64_t len) {
    if (fd < 0 || fd >= MAX_FD || !undo_fd[fd]) return;
    struct stat st;
    if (fstat(fd, &st) != 0) return;
    uint64_t old_size = (uint64_t)st.st_size;
    char *old = calloc(1, len ? len : 1);
    if (!old) return;
    if (len && offset < old_size) {
        uint64_t have = old_size - offset < len ? old_size - offset : len;
        ssize_t r = pread(fd, old, have, (off_t)offset);
        (void)r;
    }
    char head[1 + 24];
    head[0] = 'W';
    memcpy(head + 1, &offset, 8);
    memcpy(head + 9, &old_size, 8);
    memcpy(head + 17, &len, 8);
    int u = undo_fd[fd] - 1;
    all_out(u, head, sizeof head);
    if (len) all_out(u, old, len);
    free(old);
}

static void synced(int fd) {
    if (fd >= 0 && fd < MAX_FD && undo_fd[fd]) real_ftruncate(undo_fd[fd] - 1, 0);
}

int open(const char *path, int flags, ...) {
    load_all();
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = va_arg(ap, int); va_end(ap); }
    int fd = real_open(path, flags, mode);
    track(fd, path);
    return fd;
}

int open64(const char *path, int flags, ...) {
    load_all();
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = va_arg(ap, int); va_end(ap); }
    int fd = real_open64(path, flags, mode);
    track(fd, path);
    return fd;
}

int openat(int dirfd, const char *path, int flags, ...) {
    load_all();
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = va_arg(ap, int); va_end(ap); }
    int fd = real_openat(dirfd, path, flags, mode);
    if (dirfd == AT_FDCWD || path[0] == '/') track(fd, path);
    return fd;
}

ssize_t write(int fd, const void *buf, size_t len) {
    load_all();
    if (fd >= 0 && fd < MAX_FD && undo_fd[fd]) {
        off_t pos = lseek(fd, 0, SEEK_CUR);
        if (pos >= 0) before_write(fd, (uint64_t)pos, len);
    }
    return real_write(fd, buf, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t offset) {
    load_all();
    before_write(fd, (uint64_t)offset, len);
    return real_pwrite(fd, buf, len, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t offset) {
    load_all();
    before_write(fd, (uint64_t)offset, len);
    return real_pwrite64(fd, buf, len, offset);
}

static void before_truncate(int fd, uint64_t size) {
    if (fd < 0 || fd >= MAX_FD || !undo_fd[fd]) return;
    struct stat st;
    if (fstat(fd, &st) != 0) return;
    uint64_t old_size = (uint64_t)st.st_size;
    if (size < old_size) before_write(fd, size, old_size - size); /* keep the cut bytes */
    else before_write(fd, old_size, 0);
}

int ftruncate(int fd, off_t size) {
    load_all();
    before_truncate(fd, (uint64_t)size);
    return real_ftruncate(fd, size);
}

int ftruncate64(int fd, off64_t size) {
    load_all();
    before_truncate(fd, (uint64_t)size);
    return real_ftruncate64(fd, size);
}

int fsync(int fd) {
    load_all();
    int rc = real_fsync(fd);
    if (rc == 0) synced(fd);
    return rc;
}

int fdatasync(int fd) {
    load_all();
    int rc = real_fdatasync(fd);
    if (rc == 0) synced(fd);
    return rc;
}

int close(int fd) {
    load_all();
    untrack(fd);
    return real_close(fd);
}
