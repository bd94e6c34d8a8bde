#include <stdio.h>
int main(void) { fputs("mgo-test-apiserver: not built yet\n", stderr); return 2; }
