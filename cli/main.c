#include "crosswalk.h"

#include <stdio.h>

int main(void)
{
    printf("crosswalk %s\n", cw_version());
    return 0;
}
