/* main.c: placeholder while the modules land (the real table is in
 * /tmp/main.c.real during integration). */
#include <stdio.h>
int main(void)
{
    puts("fraudscan");
    return 0;
}
