/* placeholder until the types module lands */
#include "mgo/types.h"
