#include "strata/env.h"
