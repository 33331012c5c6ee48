/* Starting the Node CLI and the agent: fork and exec, with what the child gets set up
 * exactly (its standard streams, its session, the descriptors it may keep), and an exec
 * that fails reported back to the parent as an error, as Go's os.StartProcess reports it,
 * not as an exit code of a child that never ran. */
#include "client.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int exit_code(pid_t pid) {
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return 1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int above_stdio(int fd) {
    if (fd < 0 || fd > 2) return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return moved;
}

/* close_from closes every descriptor from first on: a detached agent must not hold a
 * tool's pipes open (a tool waiting for their end would wait as long as the agent lives).
 * close_range(2) where the kernel has it (5.9), else the descriptors /proc lists: a loop
 * to the descriptor limit could take a million calls in a container. */
static void close_from(int first) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)first, ~0U, 0U) == 0) return;
#endif
    DIR *fds = opendir("/proc/self/fd");
    if (fds) {
        int own = dirfd(fds);
        struct dirent *entry;
        while ((entry = readdir(fds)))
            if (entry->d_name[0] != '.') {
                int fd = atoi(entry->d_name);
                if (fd >= first && fd != own) close(fd);
            }
        closedir(fds);
        return;
    }
    for (int fd = first; fd < 65536; fd++) close(fd);
}

/* report_and_exit, in the child: why it could not exec, then exit without running the
 * parent's atexit handlers or flushing its buffers. */
static void report_and_exit(int report) {
    int err = errno;
    write_all(report, &err, sizeof err);
    _exit(127);
}

int spawn_checked(const char *path, char **args, char **env, const spawn_setup *setup, pid_t *pid) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
    report[0] = above_stdio(report[0]);
    report[1] = above_stdio(report[1]);
    if (report[0] < 0 || report[1] < 0) return errno;
    pid_t child = fork();
    if (child < 0) {
        int err = errno;
        close(report[0]);
        close(report[1]);
        return err;
    }
    if (child == 0) {
        int w = report[1];
        if (setup->detach && (setsid() < 0 || chdir("/") != 0)) report_and_exit(w);
        /* dup2 onto a descriptor's own number keeps its close-on-exec flag: clear it. */
        if (setup->stdin_fd >= 0 && (dup2(setup->stdin_fd, 0) < 0 || fcntl(0, F_SETFD, 0) != 0)) report_and_exit(w);
        for (int fd = 0; setup->null_fd >= 0 && fd <= 2; fd++)
            if (dup2(setup->null_fd, fd) < 0 || fcntl(fd, F_SETFD, 0) != 0) report_and_exit(w);
        if (setup->detach) {
            if (w != 3 && (dup2(w, 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) != 0)) report_and_exit(w);
            w = 3;
            close_from(4);
        }
        execve(path, args, env);
        report_and_exit(w);
    }
    close(report[1]);
    int err = 0;
    ssize_t n;
    while ((n = read(report[0], &err, sizeof err)) < 0 && errno == EINTR) {}
    close(report[0]);
    if (n == (ssize_t)sizeof err) {
        exit_code(child);
        return err;
    }
    *pid = child;
    return 0;
}
