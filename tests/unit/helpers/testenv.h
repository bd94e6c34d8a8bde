/* Helpers shared by the Criterion tests: starting the programs under test. */
#ifndef MGO_TESTENV_H
#define MGO_TESTENV_H
#endif
