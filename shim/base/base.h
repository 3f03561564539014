/* The base layer, beneath hub/: the symbol table and the originals, the
 * configuration values. It includes nothing from the layers above it
 * (hub/, resolver/, patches/, the front door in shim/). */
#ifndef GP_BASE_H
#define GP_BASE_H

#include "config.h"
#include "raw.h"
#include "sym.h"
#include "util.h"

#endif
