/* An outside C program built against an installed strata: the C API
 * (strata/c.h) through CMake's strata::strata and through pkg-config. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/c.h"

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "/tmp/strata-c-consumer";
  char* err = NULL;
  strata_options_t* options = strata_options_create();
  strata_destroy_db(options, path, &err);
  strata_t* db = strata_open(options, path, &err);
  if (db == NULL) {
    fprintf(stderr, "open: %s\n", err);
    return 1;
  }
  strata_writeoptions_t* wo = strata_writeoptions_create();
  strata_readoptions_t* ro = strata_readoptions_create();
  strata_put(db, wo, "hello", 5, "world", 5, &err);
  size_t len = 0;
  char* value = strata_get(db, ro, "hello", 5, &len, NULL, &err);
  const int ok = err == NULL && value != NULL && len == 5 &&
                 memcmp(value, "world", 5) == 0;
  strata_free(value);
  strata_free(err);
  strata_readoptions_destroy(ro);
  strata_writeoptions_destroy(wo);
  strata_close(db);
  err = NULL;
  strata_destroy_db(options, path, &err);
  strata_options_destroy(options);
  printf("c consumer (strata %d.%d.%d): %s\n", strata_major_version(),
         strata_minor_version(), strata_patch_version(), ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
