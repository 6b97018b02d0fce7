/*
 * init: the first process. It opens the console as fds 0-2, then runs the programs named by
 * the kernel option guest.run (comma separated; default "selftest,bench"; "sh" gives an
 * interactive shell), reaps orphans, and exits with the number of programs that failed,
 * which the kernel turns into the machine's exit status.
 */
#include "libc.h"

static int run(const char *name)
{
    char path[64];
    snprintf(path, sizeof path, "/bin/%s", name);
    char *argv[] = {path, NULL};
    int pid = fork();
    if (pid == 0) {
        exec(path, argv);
        printf("init: cannot exec %s\n", path);
        exit(127);
    }
    if (pid < 0) {
        printf("init: fork failed (%d)\n", pid);
        return 1;
    }
    int status = 0;
    for (;;) {
        int reaped = wait(&status);
        if (reaped == pid || reaped < 0)
            break; /* other reaped pids are orphans handed to init */
    }
    if (WIFEXITED(status)) {
        printf("init: %s exited with status %d\n", name, WEXITSTATUS(status));
        return WEXITSTATUS(status) != 0;
    }
    printf("init: %s killed by signal %d\n", name, WTERMSIG(status));
    return 1;
}

int main(void)
{
    open("/dev/console", O_RDONLY);
    open("/dev/console", O_WRONLY);
    open("/dev/console", O_WRONLY);
    char programs[128];
    if (!kernel_option_string("guest.run", programs, sizeof programs))
        snprintf(programs, sizeof programs, "selftest,bench");
    printf("init: running %s (system calls by %s)\n", programs, syscall_uses_sysenter ? "sysenter" : "int 0x80");
    int failures = 0;
    for (char *name = programs; *name;) {
        char *comma = strchr(name, ',');
        if (comma)
            *comma = 0;
        failures += run(name);
        if (!comma)
            break;
        name = comma + 1;
    }
    printf("init: done, %d failed\n", failures);
    return failures;
}
