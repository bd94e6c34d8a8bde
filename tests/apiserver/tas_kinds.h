/* The built-in kinds the server serves, with their strategies (defaults,
 * validation, conversions) modelled on kube's pkg/registry/.../strategy.go
 * and pkg/apis/.../defaults.go for the fields our clients touch. */
#ifndef TAS_KINDS_H
#define TAS_KINDS_H

#include <stddef.h>

#include "tas_restype.h"

extern struct tas_restype *const tas_builtin_kinds[];
extern const size_t tas_n_builtin_kinds;

#endif
