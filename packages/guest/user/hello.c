/* The smallest program: what "exec proc" and "sh proc" start. With an argument it prints it. */
#include "libc.h"

int main(int argc, char **argv)
{
    if (argc > 1)
        printf("hello %s\n", argv[1]);
    return 0;
}
