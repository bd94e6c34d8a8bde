#include <stdio.h>
int main(void) { fputs("launcher: not implemented yet\n", stderr); return 2; }
