/* main.c: placeholder, replaced by the subcommand table. */
#include <stdio.h>
int main(void)
{
    puts("fraudscan");
    return 0;
}
