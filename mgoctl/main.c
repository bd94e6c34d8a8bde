#include <stdio.h>
int main(void) { fputs("mgoctl: not implemented yet\n", stderr); return 2; }
