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

/* A transaction's read of `key` is exactly `expected` (NULL: absent). */
static void CheckTxnGet(strata_transaction_t* txn,
                        const strata_readoptions_t* ro, const char* key,
                        const char* expected) {
  char* err = NULL;
  size_t len = 0;
  strata_code_t code = STRATA_OK;
  char* val =
      strata_transaction_get(txn, ro, key, strlen(key), &len, &code, &err);
  CHECK_NO_ERROR(err);
  if (expected == NULL) {
    CHECK(val == NULL && code == STRATA_NOT_FOUND);
  } else {
    CHECK(val != NULL && code == STRATA_OK);
    CHECK(len == strlen(expected) && memcmp(val, expected, len) == 0);
  }
  strata_free(val);
}

/* strata_writebatch_iterate's callbacks: count what they are given. */
struct Tally {
  int puts, deletes, ranges;
};
static void TallyPut(void* state, const char* k, size_t klen, const char* v,
                     size_t vlen) {
  (void)k, (void)klen, (void)v, (void)vlen;
  ((struct Tally*)state)->puts++;
}
static void TallyDelete(void* state, const char* k, size_t klen) {
  (void)k, (void)klen;
  ((struct Tally*)state)->deletes++;
}
static void TallyRange(void* state, const char* b, size_t blen, const char* e,
                       size_t elen) {
  (void)b, (void)blen, (void)e, (void)elen;
  ((struct Tally*)state)->ranges++;
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
  strata_options_set_compression_unit_size(options, 512);
  strata_options_set_block_page_size(options, 8192);
  strata_options_set_bloom_bits_per_key(options, 10);
  strata_options_set_block_cache_capacity(options, 8 << 20);
  strata_options_set_compression(options, strata_snappy_compression);
  strata_options_set_num_levels(options, 7);
  strata_options_set_allow_mmap_reads(options, 0);
  strata_options_set_allow_mmap_writes(options, 0);
  strata_options_set_enable_versioning(options, 1);
  strata_options_set_enable_value_log(options, 1);
  strata_options_set_value_log_threshold(options, 64);
  strata_options_set_version_retention(options, 0);
  strata_options_set_compaction_style(options, strata_leveled_compaction);
  strata_options_set_max_background_jobs(options, 2);
  strata_options_set_target_file_size(options, 2 << 20);
  strata_options_set_max_bytes_for_level_base(options, 8 << 20);
  strata_options_set_level0_compaction_trigger(options, 4);
  strata_options_set_level0_slowdown_writes_trigger(options, 20);
  strata_options_set_level0_stop_writes_trigger(options, 36);
  strata_options_set_level0_idle_compaction_ms(options, 0);
  strata_options_set_read_compaction_bytes(options, 0);
  strata_options_set_flush_on_close(options, 1);
  strata_options_set_max_transaction_index_bytes(options, 1 << 20);
  strata_options_set_value_log_gc_discard_ratio(options, 0.5);
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
    strata_options_set_compaction_style(options, 2);
    bad = strata_open(options, dbname, &err);
    CHECK(bad == NULL);
    CHECK(err != NULL && strstr(err, "compaction_style") != NULL);
    strata_free(err);
    err = NULL;
    strata_options_set_compaction_style(options, strata_leveled_compaction);
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

  StartPhase("history");
  {
    strata_writebatch_t* wb = strata_writebatch_create();
    strata_writebatch_delete_at(wb, "v", 1, 300);
    strata_writebatch_put_at(wb, "w", 1, "w1", 2, 250);
    CHECK(strata_write(db, wo, wb, &err) == STRATA_OK);
    CHECK_NO_ERROR(err);
    strata_writebatch_destroy(wb);
    CheckGet(db, ro, "v", NULL);
    strata_readoptions_t* hist = strata_readoptions_create();
    strata_readoptions_set_all_versions(hist, 1);
    strata_readoptions_set_lower_bound(hist, "v", 1);
    strata_readoptions_set_upper_bound(hist, "x", 1);
    /* Without tombstones: v@200, v@100, w@250. */
    strata_iterator_t* it = strata_create_iterator(db, hist);
    strata_iter_seek_to_first(it);
    CheckIter(it, "v", "two");
    CHECK(strata_iter_timestamp(it) == 200 && !strata_iter_is_deleted(it));
    strata_iter_next(it);
    CheckIter(it, "v", "one");
    CHECK(strata_iter_timestamp(it) == 100);
    strata_iter_next(it);
    CheckIter(it, "w", "w1");
    strata_iter_next(it);
    CHECK(!strata_iter_valid(it));
    strata_iter_destroy(it);
    /* With tombstones, within [150, 300], one version per seek. */
    strata_readoptions_set_include_deleted(hist, 1);
    strata_readoptions_set_history_range(hist, 150, 300);
    it = strata_create_iterator(db, hist);
    strata_iter_seek_to_first(it);
    CheckIter(it, "v", "");
    CHECK(strata_iter_timestamp(it) == 300 && strata_iter_is_deleted(it));
    strata_iter_next(it);
    CheckIter(it, "v", "two");
    strata_iter_next(it);
    CheckIter(it, "w", "w1");
    strata_iter_next(it);
    CHECK(!strata_iter_valid(it));
    strata_readoptions_set_history_limit(hist, 1);
    strata_iter_destroy(it);
    it = strata_create_iterator(db, hist);
    strata_iter_seek_to_first(it);
    CHECK(strata_iter_valid(it) && strata_iter_timestamp(it) == 300);
    strata_iter_next(it);
    CHECK(!strata_iter_valid(it));
    strata_iter_destroy(it);
    /* Clearing the range: all of v's versions again. */
    strata_readoptions_set_history_range(hist, 0, 0);
    strata_readoptions_set_history_limit(hist, 0);
    it = strata_create_iterator(db, hist);
    int n = 0;
    for (strata_iter_seek_to_first(it); strata_iter_valid(it);
         strata_iter_next(it)) {
      ++n;
    }
    CHECK(n == 4);
    strata_iter_destroy(it);
    strata_readoptions_destroy(hist);
  }

  StartPhase("writebatch_more");
  {
    strata_writebatch_t* a = strata_writebatch_create();
    strata_writebatch_t* b = strata_writebatch_create();
    strata_writebatch_put(a, "p1", 2, "x", 1);
    strata_writebatch_replace(b, "w", 1, "w2", 2);
    strata_writebatch_purge(b, "v", 1);
    strata_writebatch_delete_range(b, "q", 1, "r", 1);
    strata_writebatch_delete_range_at(b, "s", 1, "t", 1, 400);
    strata_writebatch_append(a, b);
    CHECK(strata_writebatch_count(a) == 5);
    struct Tally tally = {0, 0, 0};
    strata_writebatch_iterate(a, &tally, TallyPut, TallyDelete, TallyRange);
    CHECK(tally.puts == 2 && tally.deletes == 1 && tally.ranges == 2);
    strata_writebatch_iterate(a, &tally, TallyPut, TallyDelete, NULL);
    CHECK(tally.puts == 4 && tally.deletes == 2 && tally.ranges == 2);
    CHECK(strata_write(db, wo, a, &err) == STRATA_OK);
    CHECK_NO_ERROR(err);
    strata_writebatch_destroy(a);
    strata_writebatch_destroy(b);
    CheckGet(db, ro, "w", "w2");
    /* Purged: no version of v is left, and w has one. */
    strata_readoptions_t* hist = strata_readoptions_create();
    strata_readoptions_set_all_versions(hist, 1);
    strata_readoptions_set_include_deleted(hist, 1);
    strata_readoptions_set_lower_bound(hist, "v", 1);
    strata_readoptions_set_upper_bound(hist, "x", 1);
    strata_iterator_t* it = strata_create_iterator(db, hist);
    strata_iter_seek_to_first(it);
    CheckIter(it, "w", "w2");
    strata_iter_next(it);
    CHECK(!strata_iter_valid(it));
    strata_iter_destroy(it);
    strata_readoptions_destroy(hist);
  }

  StartPhase("count");
  {
    uint64_t count = 99;
    CHECK(strata_count(db, ro, "a", 1, "z", 1, &count, &err) == STRATA_OK);
    CHECK_NO_ERROR(err);
    CHECK(count == 4); /* big, box, p1, w */
    CHECK(strata_count(db, ro, "z", 1, "a", 1, &count, &err) ==
          STRATA_INVALID_ARGUMENT);
    strata_free(err);
    err = NULL;
  }

  StartPhase("transactions");
  {
    strata_txnoptions_t* topts = strata_txnoptions_create();
    strata_txnoptions_set_max_write_bytes(topts, 1 << 20);
    strata_txnoptions_set_isolation(topts, strata_isolation_snapshot);
    strata_txnoptions_set_mode(topts, strata_txn_read_write);
    strata_transaction_t* t1 = strata_transaction_begin(db, wo, topts, &err);
    CHECK_NO_ERROR(err);
    strata_transaction_t* t2 = strata_transaction_begin(db, wo, NULL, &err);
    CHECK_NO_ERROR(err);
    /* t1 reads its own writes; the DB does not see them before commit. */
    CHECK(strata_transaction_put(t1, "t", 1, "one", 3, &err) == STRATA_OK);
    CheckTxnGet(t1, ro, "t", "one");
    CheckGet(db, ro, "t", NULL);
    /* A savepoint undoes what came after it. */
    strata_transaction_set_savepoint(t1);
    CHECK(strata_transaction_put(t1, "u", 1, "undone", 6, &err) == STRATA_OK);
    CHECK(strata_transaction_delete(t1, "t", 1, &err) == STRATA_OK);
    CheckTxnGet(t1, ro, "t", NULL);
    CHECK(strata_transaction_rollback_to_savepoint(t1, &err) == STRATA_OK);
    CheckTxnGet(t1, ro, "t", "one");
    CheckTxnGet(t1, ro, "u", NULL);
    CHECK(strata_transaction_rollback_to_savepoint(t1, &err) ==
          STRATA_NOT_FOUND);
    strata_free(err);
    err = NULL;
    CHECK(strata_transaction_delete_range(t1, "p", 1, "q", 1, &err) ==
          STRATA_OK);
    CHECK(strata_transaction_put_at(t1, "at", 2, "then", 4, 500, &err) ==
          STRATA_OK);
    /* A tombstone after it: "at" is gone now, and "then" as of 600. */
    CHECK(strata_transaction_delete_at(t1, "at", 2, 700, &err) == STRATA_OK);
    CHECK_NO_ERROR(err);
    /* Its iterator merges its writes with its snapshot. */
    strata_iterator_t* it = strata_transaction_create_iterator(t1, ro);
    strata_iter_seek(it, "p", 1);
    CheckIter(it, "t", "one"); /* p1 deleted in the transaction */
    strata_iter_destroy(it);
    uint64_t count = 0;
    CHECK(strata_transaction_count(t1, ro, "a", 1, "z", 1, &count, &err) ==
          STRATA_OK);
    CHECK(count == 4); /* big, box, t, w */
    /* t2 reads t for update; t1 commits t first, so t2 conflicts. */
    size_t len = 0;
    strata_code_t code = STRATA_OK;
    char* v =
        strata_transaction_get_for_update(t2, ro, "t", 1, &len, &code, &err);
    CHECK(v == NULL && code == STRATA_NOT_FOUND && err == NULL);
    CHECK(strata_transaction_put(t2, "t", 1, "two", 3, &err) == STRATA_OK);
    CHECK(strata_transaction_commit(t1, &err) == STRATA_OK);
    CHECK_NO_ERROR(err);
    CHECK(strata_transaction_commit(t2, &err) == STRATA_BUSY);
    CHECK(err != NULL);
    strata_free(err);
    err = NULL;
    CheckGet(db, ro, "t", "one");
    CheckGet(db, ro, "p1", NULL);
    CheckGet(db, ro, "at", NULL);
    strata_readoptions_set_as_of(ro, 600);
    CheckGet(db, ro, "at", "then");
    strata_readoptions_set_as_of(ro, 0);
    /* A finished transaction refuses every call. */
    CHECK(strata_transaction_put(t1, "x", 1, "y", 1, &err) ==
          STRATA_INVALID_ARGUMENT);
    strata_free(err);
    err = NULL;
    CHECK(strata_transaction_commit(t2, &err) == STRATA_INVALID_ARGUMENT);
    strata_free(err);
    err = NULL;
    strata_transaction_destroy(t1);
    strata_transaction_destroy(t2);

    /* Read-only refuses writes; write-only refuses reads. */
    strata_txnoptions_set_mode(topts, strata_txn_read_only);
    strata_transaction_t* ro_txn =
        strata_transaction_begin(db, wo, topts, &err);
    CHECK_NO_ERROR(err);
    CheckTxnGet(ro_txn, ro, "t", "one");
    CHECK(strata_transaction_put(ro_txn, "x", 1, "y", 1, &err) ==
          STRATA_INVALID_ARGUMENT);
    strata_free(err);
    err = NULL;
    CHECK(strata_transaction_rollback(ro_txn, &err) == STRATA_OK);
    strata_transaction_destroy(ro_txn);
    strata_txnoptions_set_mode(topts, strata_txn_write_only);
    strata_transaction_t* wo_txn =
        strata_transaction_begin(db, wo, topts, &err);
    CHECK_NO_ERROR(err);
    v = strata_transaction_get(wo_txn, ro, "t", 1, &len, &code, &err);
    CHECK(v == NULL && code == STRATA_INVALID_ARGUMENT && err != NULL);
    strata_free(err);
    err = NULL;
    CHECK(strata_transaction_put(wo_txn, "wo", 2, "1", 1, &err) == STRATA_OK);
    CHECK(strata_transaction_commit(wo_txn, &err) == STRATA_OK);
    strata_transaction_destroy(wo_txn);
    CheckGet(db, ro, "wo", "1");
    /* Serializable: a key read and then written by another conflicts. */
    strata_txnoptions_set_mode(topts, strata_txn_read_write);
    strata_txnoptions_set_isolation(topts, strata_isolation_serializable);
    strata_transaction_t* ser = strata_transaction_begin(db, wo, topts, &err);
    CHECK_NO_ERROR(err);
    CheckTxnGet(ser, ro, "wo", "1");
    CHECK(strata_put(db, wo, "wo", 2, "2", 1, &err) == STRATA_OK);
    CHECK(strata_transaction_put(ser, "other", 5, "z", 1, &err) == STRATA_OK);
    CHECK(strata_transaction_commit(ser, &err) == STRATA_BUSY);
    strata_free(err);
    err = NULL;
    /* Destroying an unfinished transaction rolls it back. */
    strata_transaction_destroy(ser);
    ser = strata_transaction_begin(db, wo, topts, &err);
    CHECK(strata_transaction_put(ser, "gone", 4, "z", 1, &err) == STRATA_OK);
    strata_transaction_destroy(ser);
    CheckGet(db, ro, "gone", NULL);
    /* Unknown mode and isolation are refused at begin. */
    strata_txnoptions_set_mode(topts, 7);
    CHECK(strata_transaction_begin(db, wo, topts, &err) == NULL);
    CHECK(err != NULL && strstr(err, "mode") != NULL);
    strata_free(err);
    err = NULL;
    strata_txnoptions_set_mode(topts, strata_txn_read_write);
    strata_txnoptions_set_isolation(topts, -1);
    CHECK(strata_transaction_begin(db, wo, topts, &err) == NULL);
    CHECK(err != NULL && strstr(err, "isolation") != NULL);
    strata_free(err);
    err = NULL;
    strata_txnoptions_destroy(topts);
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

  StartPhase("approximate_sizes");
  {
    const char* start[2] = {"a", "y"};
    const size_t start_len[2] = {1, 1};
    const char* limit[2] = {"z", "z"};
    const size_t limit_len[2] = {1, 1};
    uint64_t sizes[2] = {0, 7};
    CHECK(strata_flush(db, &err) == STRATA_OK);
    CHECK(strata_approximate_sizes(db, 2, start, start_len, limit, limit_len,
                                   sizes, &err) == STRATA_OK);
    CHECK_NO_ERROR(err);
    CHECK(sizes[0] > 0 && sizes[1] == 0);
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
