/*
 * sh: a tiny shell. `sh -c "command args"` runs one command; without -c it reads commands
 * from standard input. Words are separated by spaces; a command without a '/' is looked up
 * in /bin. Built-in: exit.
 */
#include "libc.h"

#define MAX_WORDS 16

static int run_line(char *line)
{
    char *words[MAX_WORDS + 1];
    int count = 0;
    for (char *p = line; *p && count < MAX_WORDS;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            *p++ = 0;
        if (*p == 0)
            break;
        words[count++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n')
            p++;
    }
    words[count] = NULL;
    if (count == 0)
        return 0;
    if (strcmp(words[0], "exit") == 0)
        exit(count > 1 ? (int)atol(words[1]) : 0);
    char path[64];
    if (strchr(words[0], '/'))
        snprintf(path, sizeof path, "%s", words[0]);
    else
        snprintf(path, sizeof path, "/bin/%s", words[0]);
    int pid = fork();
    if (pid == 0) {
        exec(path, words);
        dprintf(2, "sh: %s: not found\n", words[0]);
        exit(127);
    }
    int status = 0;
    while (wait(&status) != pid)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
        char line[256];
        snprintf(line, sizeof line, "%s", argv[2]);
        return run_line(line);
    }
    char line[256];
    for (;;) {
        printf("$ ");
        int n = 0;
        while (n < (int)sizeof line - 1) {
            int got = read(0, line + n, 1);
            if (got <= 0)
                return 0;
            if (line[n++] == '\n')
                break;
        }
        line[n] = 0;
        run_line(line);
    }
}
