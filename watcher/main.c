#include <stdio.h>
int main(void) { fputs("watcher: not implemented yet\n", stderr); return 2; }
