/* The C API (strata/c.h) from a C program, the way LevelDB's c_test.c
 * drives its own: every function, in a plausible order, with the results
 * checked. Takes a scratch directory as its argument. Exit status 0 on
 * success; a failed check prints where and exits 1. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strata/c.h"

static const char* phase = "";

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, \
              phase, #cond);                                               \
      exit(1);                                                             \
    }                                                                      \
  } while (0)

#define CHECK_NO_ERROR(err)                                               \
  do {                                                                    \
    if ((err) != NULL) {                                                  \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, phase, err); \
      exit(1);                                                            \
    }                                                                     \
  } while (0)

static void StartPhase(const char* name) {
  fprintf(stderr, "=== %s\n", name);
  phase = name;
}

/* `db` holds `key` with exactly `expected` (NULL: absent). */
static void CheckGet(strata_t* db, const strata_readoptions_t* ro,
                     const char* key, const char* expected) {
  char* err = NULL;
  size_t len = 0;
  strata_code_t code = STRATA_OK;
  char* val = strata_get(db, ro, key, strlen(key), &len, &code, &err);
  CHECK_NO_ERROR(err);
  if (expected == NULL) {
    CHECK(val == NULL);
    CHECK(code == STRATA_NOT_FOUND);
  } else {
    CHECK(val != NULL);
    CHECK(code == STRATA_OK);
    CHECK(len == strlen(expected));
    CHECK(memcmp(val, expected, len) == 0);
    CHECK(val[len] == '\0');
  }
  strata_free(val);
}

static void CheckIter(strata_iterator_t* it, const char* key,
                      const char* value) {
  size_t len = 0;
  CHECK(strata_iter_valid(it));
  const char* k = strata_iter_key(it, &len);
  CHECK(len == strlen(key) && memcmp(k, key, len) == 0);
  const char* v = strata_iter_value(it, &len);
  CHECK(len == strlen(value) && memcmp(v, value, len) == 0);
}

int main(int argc, char** argv) {
  char dbname[4096], cpname[4096], restored[4096];
  const char* dir = argc > 1 ? argv[1] : "/tmp";
  CHECK(strlen(dir) < 3000);
  snprintf(dbname, sizeof(dbname), "%s/c_api_test-%d", dir, (int)getpid());
  snprintf(cpname, sizeof(cpname), "%s/c_api_test-%d-cp", dir, (int)getpid());
  snprintf(restored, sizeof(restored), "%s/c_api_test-%d-restored", dir,
           (int)getpid());
  char* err = NULL;

  StartPhase("version");
  CHECK(strata_major_version() == EXPECTED_MAJOR);
  CHECK(strata_minor_version() == EXPECTED_MINOR);
  CHECK(strata_patch_version() == EXPECTED_PATCH);

  StartPhase("options");
  strata_options_t* options = strata_options_create();
  strata_options_set_create_if_missing(options, 1);
  strata_options_set_error_if_exists(options, 1);
  strata_options_set_paranoid_checks(options, 1);
  strata_options_set_write_buffer_size(options, 1 << 20);
  strata_options_set_max_write_buffer_number(options, 3);
  strata_options_set_max_open_files(options, 100);
  strata_options_set_block_size(options, 4096);
  strata_options_set_block_restart_interval(options, 8);
  strata_options_set_bloom_bits_per_key(options, 10);
  strata_options_set_block_cache_capacity(options, 8 << 20);
  strata_options_set_compression(options, strata_snappy_compression);
  strata_options_set_num_levels(options, 7);
  strata_options_set_allow_mmap_reads(options, 0);
  strata_options_set_enable_versioning(options, 1);
  strata_options_set_enable_value_log(options, 1);
  strata_options_set_value_log_threshold(options, 64);
  strata_readoptions_t* ro = strata_readoptions_create();
  strata_readoptions_set_verify_checksums(ro, 1);
  strata_readoptions_set_fill_cache(ro, 1);
  strata_writeoptions_t* wo = strata_writeoptions_create();
  strata_writeoptions_set_sync(wo, 1);

  StartPhase("bad_compression");
  {
    /* 257 must not wrap onto a known compression: refused at open. */
    strata_options_set_compression(options, 257);
    strata_t* bad = strata_open(options, dbname, &err);
    CHECK(bad == NULL);
    CHECK(err != NULL && strstr(err, "compression") != NULL);
    strata_free(err);
    err = NULL;
    strata_options_set_compression(options, strata_snappy_compression);
  }

  StartPhase("destroy");
  CHECK(strata_destroy_db(options, dbname, &err) == STRATA_OK);
  CHECK_NO_ERROR(err);

  StartPhase("open_error");
  strata_options_set_create_if_missing(options, 0);
  strata_t* db = strata_open(options, dbname, &err);
  CHECK(db == NULL);
  CHECK(err != NULL);
  strata_free(err);
  err = NULL;
  strata_options_set_create_if_missing(options, 1);

  StartPhase("open");
  db = strata_open(options, dbname, &err);
  CHECK_NO_ERROR(err);
  CHECK(db != NULL);
  CheckGet(db, ro, "foo", NULL);

  StartPhase("put");
  CHECK(strata_put(db, wo, "foo", 3, "hello", 5, &err) == STRATA_OK);
  CHECK_NO_ERROR(err);
  CheckGet(db, ro, "foo", "hello");

  StartPhase("bad_arguments");
  CHECK(strata_put(db, wo, "", 0, "x", 1, &err) == STRATA_INVALID_ARGUMENT);
  CHECK(err != NULL && strstr(err, "empty") != NULL);
  strata_free(err);
  err = NULL;
  CHECK(strata_delete_range(db, wo, "b", 1, "a", 1, &err) ==
        STRATA_INVALID_ARGUMENT);
  CHECK(err != NULL);
  strata_free(err);
  err = NULL;
  {
    /* strata_get without a code pointer, and an empty key refused. */
    size_t len = 7;
    char* v = strata_get(db, ro, "nope", 4, &len, NULL, &err);
    CHECK(v == NULL && len == 0 && err == NULL);
    strata_code_t code = STRATA_OK;
    v = strata_get(db, ro, "", 0, &len, &code, &err);
    CHECK(v == NULL && code == STRATA_INVALID_ARGUMENT && err != NULL);
    strata_free(err);
    err = NULL;
  }

  StartPhase("writebatch");
  {
    strata_writebatch_t* wb = strata_writebatch_create();
    strata_writebatch_put(wb, "foo", 3, "a", 1);
    strata_writebatch_clear(wb);
    CHECK(strata_writebatch_count(wb) == 0);
    strata_writebatch_put(wb, "bar", 3, "b", 1);
    strata_writebatch_put(wb, "box", 3, "c", 1);
    strata_writebatch_delete(wb, "bar", 3);
    strata_writebatch_put(wb, "big", 3,
                          "a value long enough to go to the value log, "
                          "sixty-four bytes or more",
                          68);
    CHECK(strata_writebatch_count(wb) == 4);
    CHECK(strata_write(db, wo, wb, &err) == STRATA_OK);
    CHECK_NO_ERROR(err);
    strata_writebatch_destroy(wb);
    CheckGet(db, ro, "foo", "hello");
    CheckGet(db, ro, "bar", NULL);
    CheckGet(db, ro, "box", "c");
    /* Flushed, the long value is read back through the value log. */
    CHECK(strata_flush(db, &err) == STRATA_OK);
    CHECK_NO_ERROR(err);
    char* stats = strata_property_value(db, "strata.counters");
    CHECK(stats != NULL && strstr(stats, "vlog.bytes.written 0\n") == NULL);
    strata_free(stats);
    CheckGet(db, ro, "big",
             "a value long enough to go to the value log, sixty-four bytes "
             "or more");
  }

  StartPhase("iter");
  {
    strata_iterator_t* it = strata_create_iterator(db, ro);
    CHECK(!strata_iter_valid(it));
    strata_iter_seek_to_first(it);
    CheckIter(it, "big",
              "a value long enough to go to the value log, sixty-four bytes "
              "or more");
    CHECK(strata_iter_timestamp(it) > 0); /* a versioned DB */
    strata_iter_next(it);
    CheckIter(it, "box", "c");
    strata_iter_next(it);
    CheckIter(it, "foo", "hello");
    strata_iter_prev(it);
    CheckIter(it, "box", "c");
    strata_iter_seek_to_last(it);
    CheckIter(it, "foo", "hello");
    strata_iter_seek(it, "bp", 2);
    CheckIter(it, "foo", "hello");
    strata_iter_seek_for_prev(it, "bp", 2);
    CheckIter(it, "box", "c");
    strata_iter_next(it);
    strata_iter_next(it);
    CHECK(!strata_iter_valid(it));
    CHECK(strata_iter_get_error(it, &err) == STRATA_OK);
    CHECK_NO_ERROR(err);
    strata_iter_destroy(it);
  }

  StartPhase("bounds_and_keys_only");
  {
    strata_readoptions_t* bounded = strata_readoptions_create();
    strata_readoptions_set_lower_bound(bounded, "bo", 2);
    strata_readoptions_set_upper_bound(bounded, "c", 1);
    strata_readoptions_set_keys_only(bounded, 1);
    strata_iterator_t* it = strata_create_iterator(db, bounded);
    strata_iter_seek_to_first(it);
    size_t len = 0;
    CHECK(strata_iter_valid(it));
    CHECK(memcmp(strata_iter_key(it, &len), "box", 3) == 0 && len == 3);
    strata_iter_value(it, &len);
    CHECK(len == 0);
    strata_iter_next(it);
    CHECK(!strata_iter_valid(it));
    strata_iter_destroy(it);
    strata_readoptions_set_lower_bound(bounded, NULL, 0);
    strata_readoptions_set_upper_bound(bounded, NULL, 0);
    it = strata_create_iterator(db, bounded);
    int n = 0;
    for (strata_iter_seek_to_first(it); strata_iter_valid(it);
         strata_iter_next(it)) {
      ++n;
    }
    CHECK(n == 3);
    strata_iter_destroy(it);
    strata_readoptions_destroy(bounded);
  }

  StartPhase("snapshot");
  {
    const strata_snapshot_t* snap = strata_create_snapshot(db);
    CHECK(snap != NULL);
    CHECK(strata_delete(db, wo, "foo", 3, &err) == STRATA_OK);
    CHECK_NO_ERROR(err);
    strata_readoptions_set_snapshot(ro, snap);
    CheckGet(db, ro, "foo", "hello");
    strata_readoptions_set_snapshot(ro, NULL);
    CheckGet(db, ro, "foo", NULL);
    strata_release_snapshot(db, snap);
  }

  StartPhase("versions");
  {
    strata_writebatch_t* wb = strata_writebatch_create();
    strata_writebatch_put_at(wb, "v", 1, "one", 3, 100);
    strata_writebatch_put_at(wb, "v", 1, "two", 3, 200);
    CHECK(strata_write(db, wo, wb, &err) == STRATA_OK);
    CHECK_NO_ERROR(err);
    strata_writebatch_destroy(wb);
    strata_readoptions_set_as_of(ro, 150);
    CheckGet(db, ro, "v", "one");
    strata_readoptions_set_as_of(ro, 0);
    CheckGet(db, ro, "v", "two");
  }

  StartPhase("delete_range");
  CHECK(strata_delete_range(db, wo, "a", 1, "c", 1, &err) == STRATA_OK);
  CHECK_NO_ERROR(err);
  CheckGet(db, ro, "box", NULL);
  CheckGet(db, ro, "big", NULL);

  StartPhase("property");
  {
    char* prop = strata_property_value(db, "nosuchprop");
    CHECK(prop == NULL);
    prop = strata_property_value(db, "strata.stats");
    CHECK(prop != NULL && strstr(prop, "Level") != NULL);
    strata_free(prop);
  }

  StartPhase("flush_compact_verify");
  CHECK(strata_put(db, wo, "k1", 2, "v1", 2, &err) == STRATA_OK);
  CHECK(strata_flush(db, &err) == STRATA_OK);
  CHECK_NO_ERROR(err);
  CHECK(strata_compact_range(db, "a", 1, "z", 1, &err) == STRATA_OK);
  CHECK(strata_compact_range(db, NULL, 0, NULL, 0, &err) == STRATA_OK);
  CHECK(strata_flush_wal(db, 1, &err) == STRATA_OK);
  CHECK(strata_verify_checksums(db, &err) == STRATA_OK);
  CHECK_NO_ERROR(err);
  CheckGet(db, ro, "k1", "v1");

  StartPhase("checkpoint_and_restore");
  {
    uint64_t sequence = 0;
    CHECK(strata_destroy_db(options, cpname, &err) == STRATA_OK);
    CHECK(strata_create_checkpoint(db, cpname, &sequence, &err) == STRATA_OK);
    CHECK_NO_ERROR(err);
    CHECK(sequence > 0);
    CHECK(strata_create_checkpoint(db, cpname, NULL, &err) ==
          STRATA_INVALID_ARGUMENT);
    strata_free(err);
    err = NULL;
    CHECK(strata_put(db, wo, "later", 5, "x", 1, &err) == STRATA_OK);
    CHECK(strata_restore_from_checkpoint(db, cpname, &err) == STRATA_OK);
    CHECK_NO_ERROR(err);
    CheckGet(db, ro, "later", NULL);
    CheckGet(db, ro, "k1", "v1");
  }

  StartPhase("close_and_offline");
  strata_close(db);
  CHECK(strata_destroy_db(options, restored, &err) == STRATA_OK);
  CHECK(strata_restore_db(options, cpname, restored, &err) == STRATA_OK);
  CHECK_NO_ERROR(err);
  CHECK(strata_repair_db(options, dbname, &err) == STRATA_OK);
  CHECK_NO_ERROR(err);
  strata_options_set_error_if_exists(options, 0);
  strata_options_set_create_if_missing(options, 0);
  db = strata_open(options, restored, &err);
  CHECK_NO_ERROR(err);
  CheckGet(db, ro, "k1", "v1");
  /* A locked DB: a second open fails with an I/O error naming the lock. */
  {
    strata_t* second = strata_open(options, restored, &err);
    CHECK(second == NULL);
    CHECK(err != NULL && strstr(err, "locked") != NULL);
    strata_free(err);
    err = NULL;
  }
  strata_close(db);

  StartPhase("cleanup");
  CHECK(strata_destroy_db(options, dbname, &err) == STRATA_OK);
  CHECK(strata_destroy_db(options, cpname, &err) == STRATA_OK);
  CHECK(strata_destroy_db(options, restored, &err) == STRATA_OK);
  CHECK_NO_ERROR(err);
  strata_options_destroy(options);
  strata_readoptions_destroy(ro);
  strata_writeoptions_destroy(wo);
  fprintf(stderr, "PASS\n");
  return 0;
}
