/* LevelDB 1.23's C API (leveldb/c.h) from a C program: the phases of
 * LevelDB's own db/c_test.c, with the results checked exactly, and then
 * more of the contract (reverse iteration, snapshots under iterators,
 * open flags, locking, a reverse-ordering comparator, compression, large
 * and binary values, big write batches, the errptr convention).
 *
 * It is written against the real LevelDB first and must pass there:
 *   gcc -std=c11 -Wall -Wextra -Wpedantic -Werror -D_POSIX_C_SOURCE=200809L \
 *       tests/leveldb_c_test.c -lleveldb
 * and then, unchanged, against strata's drop-in header and library:
 *   gcc ... -Iinclude/strata/compat tests/leveldb_c_test.c libstrata.a ...
 * strata's header defines STRATA_LEVELDB_COMPAT; the few places where
 * strata may differ from LevelDB test under it, each with a comment.
 *
 * Takes a scratch directory as its argument (default: the env's test
 * directory). Exit status 0 on success; a failed check prints where, the
 * phase and the condition, and exits 1. */

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leveldb/c.h"

static const char* phase = "";

/* The helpers below take the line they are called from as a parameter
 * `caller`, which hides this one; a failed check prints it. */
static const int caller = 0;

static void PrintCaller(int line) {
  if (line != 0) fprintf(stderr, " (called from line %d)", line);
  fprintf(stderr, "\n");
}

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      fprintf(stderr, "%s:%d: %s: check failed: %s", __FILE__, __LINE__, \
              phase, #cond);                                             \
      PrintCaller(caller);                                               \
      exit(1);                                                           \
    }                                                                    \
  } while (0)

#define CHECK_NO_ERROR(err)                                             \
  do {                                                                  \
    if ((err) != NULL) {                                                \
      fprintf(stderr, "%s:%d: %s: %s", __FILE__, __LINE__, phase, err); \
      PrintCaller(caller);                                              \
      exit(1);                                                          \
    }                                                                   \
  } while (0)

/* `err` holds an error: a message starting with `prefix`. The texts
 * differ between LevelDB and strata but both start with Status's
 * prefix ("Invalid argument: ", "IO error: ", ...). Frees it, clears it. */
#define CHECK_ERROR(err, prefix)                      \
  do {                                                \
    CHECK((err) != NULL);                             \
    fprintf(stderr, "  (expected error: %s)\n", err); \
    CHECK(strncmp(err, prefix, strlen(prefix)) == 0); \
    CHECK(strlen(err) > strlen(prefix));              \
    leveldb_free(err);                                \
    (err) = NULL;                                     \
  } while (0)

/* The prefixes of the errors this test makes. */
static const char kInvalid[] = "Invalid argument: ";
static const char kIOError[] = "IO error: ";

static void StartPhase(const char* name) {
  fprintf(stderr, "=== %s\n", name);
  phase = name;
}

/* `v` (length `n`) is exactly `expected` (length `elen`); both NULL: ok. */
static void CheckEqualNAt(int caller, const char* expected, size_t elen,
                          const char* v, size_t n) {
  if (expected == NULL) {
    CHECK(v == NULL);
    return;
  }
  CHECK(v != NULL);
  CHECK(n == elen);
  CHECK(memcmp(v, expected, n) == 0);
}
#define CheckEqualN(...) CheckEqualNAt(__LINE__, __VA_ARGS__)

static void CheckEqualAt(int caller, const char* expected, const char* v,
                         size_t n) {
  CheckEqualNAt(caller, expected, expected ? strlen(expected) : 0, v, n);
}
#define CheckEqual(...) CheckEqualAt(__LINE__, __VA_ARGS__)

/* `db` holds `key` with exactly `expected` (NULL: absent). A miss is a
 * NULL result, *vallen set to 0, and no error. */
static void CheckGetNAt(int caller, leveldb_t* db,
                        const leveldb_readoptions_t* ro, const char* key,
                        size_t klen, const char* expected, size_t elen) {
  char* err = NULL;
  size_t len = 12345;
  char* val = leveldb_get(db, ro, key, klen, &len, &err);
  CHECK_NO_ERROR(err);
  if (expected == NULL) {
    CHECK(val == NULL);
    CHECK(len == 0);
  } else {
    /* Found, even if empty: never NULL. */
    CHECK(val != NULL);
    CheckEqualNAt(caller, expected, elen, val, len);
  }
  leveldb_free(val);
}
#define CheckGetN(...) CheckGetNAt(__LINE__, __VA_ARGS__)

static void CheckGetAt(int caller, leveldb_t* db,
                       const leveldb_readoptions_t* ro, const char* key,
                       const char* expected) {
  CheckGetNAt(caller, db, ro, key, strlen(key), expected,
              expected ? strlen(expected) : 0);
}
#define CheckGet(...) CheckGetAt(__LINE__, __VA_ARGS__)

static void CheckIterNAt(int caller, leveldb_iterator_t* it, const char* key,
                         size_t klen, const char* val, size_t vlen) {
  size_t len = 0;
  CHECK(leveldb_iter_valid(it));
  const char* k = leveldb_iter_key(it, &len);
  CheckEqualNAt(caller, key, klen, k, len);
  const char* v = leveldb_iter_value(it, &len);
  CheckEqualNAt(caller, val, vlen, v, len);
}
#define CheckIterN(...) CheckIterNAt(__LINE__, __VA_ARGS__)

static void CheckIterAt(int caller, leveldb_iterator_t* it, const char* key,
                        const char* val) {
  CheckIterNAt(caller, it, key, strlen(key), val, strlen(val));
}
#define CheckIter(...) CheckIterAt(__LINE__, __VA_ARGS__)

static void CheckIterErrorAt(int caller, leveldb_iterator_t* it) {
  char* err = NULL;
  leveldb_iter_get_error(it, &err);
  CHECK_NO_ERROR(err);
}
#define CheckIterError(...) CheckIterErrorAt(__LINE__, __VA_ARGS__)

static leveldb_t* OpenDBAt(int caller, const leveldb_options_t* options,
                           const char* name) {
  char* err = NULL;
  leveldb_t* db = leveldb_open(options, name, &err);
  CHECK_NO_ERROR(err);
  CHECK(db != NULL);
  return db;
}
#define OpenDB(...) OpenDBAt(__LINE__, __VA_ARGS__)

/* Opening `name` fails: NULL, and an error message. */
static void CheckOpenFailsAt(int caller, const leveldb_options_t* options,
                             const char* name, const char* prefix) {
  char* err = NULL;
  leveldb_t* db = leveldb_open(options, name, &err);
  CHECK(db == NULL);
  CHECK_ERROR(err, prefix);
}
#define CheckOpenFails(...) CheckOpenFailsAt(__LINE__, __VA_ARGS__)

static void PutAt(int caller, leveldb_t* db, const leveldb_writeoptions_t* wo,
                  const char* key, const char* val) {
  char* err = NULL;
  leveldb_put(db, wo, key, strlen(key), val, strlen(val), &err);
  CHECK_NO_ERROR(err);
}
#define Put(...) PutAt(__LINE__, __VA_ARGS__)

static void DestroyDBAt(int caller, const leveldb_options_t* options,
                        const char* name) {
  char* err = NULL;
  leveldb_destroy_db(options, name, &err);
  CHECK_NO_ERROR(err);
}
#define DestroyDB(...) DestroyDBAt(__LINE__, __VA_ARGS__)

/* After DestroyDB: what LevelDB's repair leaves (<name>/lost/, the files
 * it set aside), and the directory itself if empty. Errors ignored. */
static void RemoveLeftovers(const char* name) {
  char lost[4200], path[4500];
  if (snprintf(lost, sizeof(lost), "%s/lost", name) >= (int)sizeof(lost)) {
    return;
  }
  DIR* d = opendir(lost);
  if (d != NULL) {
    struct dirent* e;
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
        continue;
      }
      if (snprintf(path, sizeof(path), "%s/%s", lost, e->d_name) <
          (int)sizeof(path)) {
        unlink(path);
      }
    }
    closedir(d);
    rmdir(lost);
  }
  rmdir(name);
}

/* Number of entries an iterator over `db` sees, forward and backward. */
static int CountEntriesAt(int caller, leveldb_t* db,
                          const leveldb_readoptions_t* ro) {
  leveldb_iterator_t* it = leveldb_create_iterator(db, ro);
  int forward = 0, backward = 0;
  for (leveldb_iter_seek_to_first(it); leveldb_iter_valid(it);
       leveldb_iter_next(it)) {
    ++forward;
  }
  for (leveldb_iter_seek_to_last(it); leveldb_iter_valid(it);
       leveldb_iter_prev(it)) {
    ++backward;
  }
  CheckIterErrorAt(caller, it);
  leveldb_iter_destroy(it);
  CHECK(forward == backward);
  return forward;
}
#define CountEntries(...) CountEntriesAt(__LINE__, __VA_ARGS__)

/* `base`-`suffix` in `buf`. */
static const char* OtherDB(char* buf, size_t size, const char* base,
                           const char* suffix) {
  int n = snprintf(buf, size, "%s-%s", base, suffix);
  CHECK(n > 0 && (size_t)n < size);
  return buf;
}

/* The number a property "leveldb.num-files-at-level<level>" holds. */
static long NumFilesAtLevelAt(int caller, leveldb_t* db, int level) {
  char name[64];
  snprintf(name, sizeof(name), "leveldb.num-files-at-level%d", level);
  char* prop = leveldb_property_value(db, name);
  CHECK(prop != NULL);
  char* end = NULL;
  errno = 0;
  long n = strtol(prop, &end, 10);
  CHECK(errno == 0 && end != prop && n >= 0);
  while (*end == ' ' || *end == '\n') ++end;
  CHECK(*end == '\0');
  leveldb_free(prop);
  return n;
}
#define NumFilesAtLevel(...) NumFilesAtLevelAt(__LINE__, __VA_ARGS__)

/* leveldb_writebatch_iterate's callbacks for c_test's batch: put bar=b,
 * put box=c, delete bar, in that order. */
static void CheckPut(void* ptr, const char* k, size_t klen, const char* v,
                     size_t vlen) {
  int* state = (int*)ptr;
  CHECK(*state < 2);
  switch (*state) {
    case 0:
      CheckEqual("bar", k, klen);
      CheckEqual("b", v, vlen);
      break;
    case 1:
      CheckEqual("box", k, klen);
      CheckEqual("c", v, vlen);
      break;
  }
  (*state)++;
}

static void CheckDel(void* ptr, const char* k, size_t klen) {
  int* state = (int*)ptr;
  CHECK(*state == 2);
  CheckEqual("bar", k, klen);
  (*state)++;
}

/* Callbacks that must not be called (an empty batch). */
static void NoPut(void* ptr, const char* k, size_t klen, const char* v,
                  size_t vlen) {
  (void)ptr, (void)k, (void)klen, (void)v, (void)vlen;
  CHECK(0 && "put callback on an empty batch");
}
static void NoDel(void* ptr, const char* k, size_t klen) {
  (void)ptr, (void)k, (void)klen;
  CHECK(0 && "delete callback on an empty batch");
}

/* The big batch: kMany puts ("b%06d" = "v%06d"), then deletes of every
 * third of those keys, then a put of a deleted key again. */
enum { kMany = 10000, kManyDeletes = (kMany + 2) / 3 };

static void ManyPut(void* ptr, const char* k, size_t klen, const char* v,
                    size_t vlen) {
  int* pos = (int*)ptr;
  char kb[32], vb[32];
  if (*pos < kMany) {
    snprintf(kb, sizeof(kb), "b%06d", *pos);
    snprintf(vb, sizeof(vb), "v%06d", *pos);
  } else {
    CHECK(*pos == kMany + kManyDeletes);
    snprintf(kb, sizeof(kb), "b%06d", 3);
    snprintf(vb, sizeof(vb), "again");
  }
  CheckEqual(kb, k, klen);
  CheckEqual(vb, v, vlen);
  (*pos)++;
}

static void ManyDel(void* ptr, const char* k, size_t klen) {
  int* pos = (int*)ptr;
  CHECK(*pos >= kMany && *pos < kMany + kManyDeletes);
  char kb[32];
  snprintf(kb, sizeof(kb), "b%06d", (*pos - kMany) * 3);
  CheckEqual(kb, k, klen);
  (*pos)++;
}

/* A comparator: bytewise, or its reverse; counts its destructor's calls. */
struct CmpState {
  const char* name;
  int reverse;
  int destroyed;
};

static void CmpDestroy(void* arg) { ((struct CmpState*)arg)->destroyed++; }

static int CmpCompare(void* arg, const char* a, size_t alen, const char* b,
                      size_t blen) {
  size_t n = (alen < blen) ? alen : blen;
  int r = memcmp(a, b, n);
  if (r == 0) {
    if (alen < blen) {
      r = -1;
    } else if (alen > blen) {
      r = +1;
    }
  }
  return ((struct CmpState*)arg)->reverse ? -r : r;
}

static const char* CmpName(void* arg) { return ((struct CmpState*)arg)->name; }

/* A custom filter policy, as c_test's: the filter is "fake", and whether
 * a key may match is fake_filter_result. */
struct FilterState {
  int destroyed;
  int created;
  int matched;
};
static uint8_t fake_filter_result = 1;

static void FilterDestroy(void* arg) {
  ((struct FilterState*)arg)->destroyed++;
}

static const char* FilterName(void* arg) {
  (void)arg;
  return "TestFilter";
}

static char* FilterCreate(void* arg, const char* const* key_array,
                          const size_t* key_length_array, int num_keys,
                          size_t* filter_length) {
  (void)key_array, (void)key_length_array;
  CHECK(num_keys >= 0);
  ((struct FilterState*)arg)->created++;
  *filter_length = 4;
  char* result = malloc(4);
  CHECK(result != NULL);
  memcpy(result, "fake", 4);
  return result;
}

static uint8_t FilterKeyMatch(void* arg, const char* key, size_t length,
                              const char* filter, size_t filter_length) {
  (void)key, (void)length;
  ((struct FilterState*)arg)->matched++;
  CHECK(filter_length == 4);
  CHECK(memcmp(filter, "fake", 4) == 0);
  return fake_filter_result;
}

/* The suffixes of the other DBs the test makes: <dbname>-<suffix>. */
static const char* const kOthers[] = {"errptr", "iter",   "binary", "batch",
                                      "large",  "flags",  "sync",   "rev",
                                      "none",   "snappy", "empty"};

/* 1 MiB values: a byte pattern per seed, with NULs and high bytes. */
enum { kLarge = 1 << 20 };

static void FillLarge(char* buf, int seed) {
  for (size_t j = 0; j < kLarge; j++) {
    buf[j] =
        (char)((j * (size_t)(2 * seed + 7) + j / 251 + (size_t)seed) & 0xff);
  }
}

int main(int argc, char** argv) {
  leveldb_t* db;
  leveldb_comparator_t* cmp;
  leveldb_cache_t* cache;
  leveldb_env_t* env;
  leveldb_options_t* options;
  leveldb_readoptions_t* roptions;
  leveldb_writeoptions_t* woptions;
  char* test_dir;
  char* err = NULL;
  int run;
  struct CmpState cmp_state = {"foo", 0, 0};

  CHECK(leveldb_major_version() == 1);
  CHECK(leveldb_minor_version() >= 23);

  StartPhase("create_objects");
  cmp = leveldb_comparator_create(&cmp_state, CmpDestroy, CmpCompare, CmpName);
  CHECK(cmp != NULL);
  env = leveldb_create_default_env();
  CHECK(env != NULL);
  cache = leveldb_cache_create_lru(100000);
  CHECK(cache != NULL);
  test_dir = leveldb_env_get_test_directory(env);
  CHECK(test_dir != NULL && test_dir[0] != '\0');

  const char* dir = argc > 1 ? argv[1] : test_dir;
  CHECK(strlen(dir) < 3000);
  CHECK(mkdir(dir, 0755) == 0 || errno == EEXIST);
  char dbname[4096], name2[4096];
  snprintf(dbname, sizeof(dbname), "%s/leveldb_c_test-%d", dir, (int)getpid());
  /* The other DBs: <dbname>-<suffix>, in name2 (one at a time). */
#define OTHER_DB(suffix) OtherDB(name2, sizeof(name2), dbname, suffix)

  options = leveldb_options_create();
  leveldb_options_set_comparator(options, cmp);
  leveldb_options_set_error_if_exists(options, 1);
  leveldb_options_set_cache(options, cache);
  leveldb_options_set_env(options, env);
  leveldb_options_set_info_log(options, NULL);
  leveldb_options_set_write_buffer_size(options, 100000);
  leveldb_options_set_paranoid_checks(options, 1);
  leveldb_options_set_max_open_files(options, 10);
  leveldb_options_set_block_size(options, 1024);
  leveldb_options_set_block_restart_interval(options, 8);
  leveldb_options_set_max_file_size(options, 3 << 20);
  leveldb_options_set_compression(options, leveldb_no_compression);

  roptions = leveldb_readoptions_create();
  leveldb_readoptions_set_verify_checksums(roptions, 1);
  leveldb_readoptions_set_fill_cache(roptions, 0);

  woptions = leveldb_writeoptions_create();
  leveldb_writeoptions_set_sync(woptions, 1);

  /* Options for the other DBs: the default (bytewise) comparator. */
  leveldb_options_t* plain = leveldb_options_create();
  leveldb_options_set_create_if_missing(plain, 1);
  leveldb_readoptions_t* ro = leveldb_readoptions_create();
  leveldb_writeoptions_t* wo = leveldb_writeoptions_create();

  StartPhase("destroy");
  leveldb_destroy_db(options, dbname, &err);
  CHECK_NO_ERROR(err); /* destroying a missing DB is not an error */
  for (size_t i = 0; i < sizeof(kOthers) / sizeof(kOthers[0]); i++) {
    DestroyDB(plain, OTHER_DB(kOthers[i]));
  }

  StartPhase("open_error");
  db = leveldb_open(options, dbname, &err);
  CHECK(db == NULL);
  CHECK(err != NULL);
  /* As c_test does: the message is malloc()ed, so free() works too. */
  free(err);
  err = NULL;

  StartPhase("leveldb_free");
  db = leveldb_open(options, dbname, &err);
  CHECK(db == NULL);
  CHECK(err != NULL);
  leveldb_free(err);
  err = NULL;

  StartPhase("open");
  leveldb_options_set_create_if_missing(options, 1);
  db = leveldb_open(options, dbname, &err);
  CHECK_NO_ERROR(err);
  CHECK(db != NULL);
  CheckGet(db, roptions, "foo", NULL);

  StartPhase("put");
  leveldb_put(db, woptions, "foo", 3, "hello", 5, &err);
  CHECK_NO_ERROR(err);
  CheckGet(db, roptions, "foo", "hello");

  StartPhase("compactall");
  leveldb_compact_range(db, NULL, 0, NULL, 0);
  CheckGet(db, roptions, "foo", "hello");

  StartPhase("compactrange");
  leveldb_compact_range(db, "a", 1, "z", 1);
  CheckGet(db, roptions, "foo", "hello");

  StartPhase("writebatch");
  {
    leveldb_writebatch_t* wb = leveldb_writebatch_create();
    leveldb_writebatch_put(wb, "foo", 3, "a", 1);
    leveldb_writebatch_clear(wb);
    leveldb_writebatch_put(wb, "bar", 3, "b", 1);
    leveldb_writebatch_put(wb, "box", 3, "c", 1);

    leveldb_writebatch_t* wb2 = leveldb_writebatch_create();
    leveldb_writebatch_delete(wb2, "bar", 3);
    leveldb_writebatch_append(wb, wb2);
    leveldb_writebatch_destroy(wb2);

    leveldb_write(db, woptions, wb, &err);
    CHECK_NO_ERROR(err);
    CheckGet(db, roptions, "foo", "hello");
    CheckGet(db, roptions, "bar", NULL);
    CheckGet(db, roptions, "box", "c");
    int pos = 0;
    leveldb_writebatch_iterate(wb, &pos, CheckPut, CheckDel);
    CHECK(pos == 3);
    /* Written, the batch is unchanged: again the same three records. */
    pos = 0;
    leveldb_writebatch_iterate(wb, &pos, CheckPut, CheckDel);
    CHECK(pos == 3);
    /* Appending an empty batch adds nothing. */
    wb2 = leveldb_writebatch_create();
    leveldb_writebatch_iterate(wb2, NULL, NoPut, NoDel);
    leveldb_writebatch_append(wb, wb2);
    leveldb_writebatch_destroy(wb2);
    pos = 0;
    leveldb_writebatch_iterate(wb, &pos, CheckPut, CheckDel);
    CHECK(pos == 3);
    leveldb_writebatch_destroy(wb);
  }

  StartPhase("iter");
  {
    leveldb_iterator_t* iter = leveldb_create_iterator(db, roptions);
    CHECK(!leveldb_iter_valid(iter));
    leveldb_iter_seek_to_first(iter);
    CHECK(leveldb_iter_valid(iter));
    CheckIter(iter, "box", "c");
    leveldb_iter_next(iter);
    CheckIter(iter, "foo", "hello");
    leveldb_iter_prev(iter);
    CheckIter(iter, "box", "c");
    leveldb_iter_prev(iter);
    CHECK(!leveldb_iter_valid(iter));
    leveldb_iter_seek_to_last(iter);
    CheckIter(iter, "foo", "hello");
    leveldb_iter_seek(iter, "b", 1);
    CheckIter(iter, "box", "c");
    leveldb_iter_get_error(iter, &err);
    CHECK_NO_ERROR(err);
    leveldb_iter_destroy(iter);
  }

  StartPhase("approximate_sizes");
  {
    int i;
    int n = 20000;
    char keybuf[100];
    char valbuf[100];
    uint64_t sizes[2];
    const char* start[2] = {"a", "k00000000000000010000"};
    size_t start_len[2] = {1, 21};
    const char* limit[2] = {"k00000000000000010000", "z"};
    size_t limit_len[2] = {21, 1};
    leveldb_writeoptions_set_sync(woptions, 0);
    for (i = 0; i < n; i++) {
      snprintf(keybuf, sizeof(keybuf), "k%020d", i);
      snprintf(valbuf, sizeof(valbuf), "v%020d", i);
      leveldb_put(db, woptions, keybuf, strlen(keybuf), valbuf, strlen(valbuf),
                  &err);
      CHECK_NO_ERROR(err);
    }
    leveldb_approximate_sizes(db, 2, start, start_len, limit, limit_len, sizes);
    CHECK(sizes[0] > 0);
    CHECK(sizes[1] > 0);
    /* Empty ranges: start == limit, and start after limit. */
    const char* estart[2] = {"k00000000000000005000", "k00000000000000015000"};
    const char* elimit[2] = {"k00000000000000005000", "k00000000000000005000"};
    size_t elen[2] = {21, 21};
    sizes[0] = sizes[1] = 777;
    leveldb_approximate_sizes(db, 2, estart, elen, elimit, elen, sizes);
    CHECK(sizes[0] == 0);
    CHECK(sizes[1] == 0);
    CheckGet(db, roptions, "k00000000000000000000", "v00000000000000000000");
    CheckGet(db, roptions, "k00000000000000019999", "v00000000000000019999");
  }

  StartPhase("property");
  {
    char* prop = leveldb_property_value(db, "nosuchprop");
    CHECK(prop == NULL);
    prop = leveldb_property_value(db, "leveldb.stats");
    CHECK(prop != NULL);
    leveldb_free(prop);
    /* Formats differ; the per-level file counts are numbers, and with
     * 20000 keys through a 100000-byte write buffer some files exist. */
    long files = 0;
    for (int level = 0; level < 7; level++) {
      files += NumFilesAtLevel(db, level);
    }
    CHECK(files > 0);
    /* Memory in use: a number, and more than nothing (the memtable). */
    prop = leveldb_property_value(db, "leveldb.approximate-memory-usage");
    CHECK(prop != NULL);
    char* end = NULL;
    const unsigned long long bytes = strtoull(prop, &end, 10);
    CHECK(end != prop && *end == '\0' && bytes > 0);
    leveldb_free(prop);
    /* The table list names at least one table. */
    prop = leveldb_property_value(db, "leveldb.sstables");
    CHECK(prop != NULL && strlen(prop) > 0);
    leveldb_free(prop);
  }

  StartPhase("snapshot");
  {
    const leveldb_snapshot_t* snap;
    snap = leveldb_create_snapshot(db);
    CHECK(snap != NULL);
    leveldb_delete(db, woptions, "foo", 3, &err);
    CHECK_NO_ERROR(err);
    leveldb_readoptions_set_snapshot(roptions, snap);
    CheckGet(db, roptions, "foo", "hello");
    leveldb_readoptions_set_snapshot(roptions, NULL);
    CheckGet(db, roptions, "foo", NULL);
    leveldb_release_snapshot(db, snap);
  }

  StartPhase("repair");
  {
    leveldb_close(db);
    leveldb_options_set_create_if_missing(options, 0);
    leveldb_options_set_error_if_exists(options, 0);
    leveldb_repair_db(options, dbname, &err);
    CHECK_NO_ERROR(err);
    db = leveldb_open(options, dbname, &err);
    CHECK_NO_ERROR(err);
    CHECK(db != NULL);
    CheckGet(db, roptions, "foo", NULL);
    CheckGet(db, roptions, "bar", NULL);
    CheckGet(db, roptions, "box", "c");
    /* Everything else survived the repair too. */
    CheckGet(db, roptions, "k00000000000000000000", "v00000000000000000000");
    CheckGet(db, roptions, "k00000000000000012345", "v00000000000000012345");
    CheckGet(db, roptions, "k00000000000000019999", "v00000000000000019999");
    CHECK(CountEntries(db, roptions) == 20001);
    leveldb_options_set_create_if_missing(options, 1);
    leveldb_options_set_error_if_exists(options, 1);
  }

  StartPhase("filter");
  leveldb_close(db);
  db = NULL;
  for (run = 0; run < 2; run++) {
    /* First run uses a custom filter, second run a bloom filter. */
    struct FilterState filter_state = {0, 0, 0};
    CHECK_NO_ERROR(err);
    leveldb_filterpolicy_t* policy;
    if (run == 0) {
      policy =
          leveldb_filterpolicy_create(&filter_state, FilterDestroy,
                                      FilterCreate, FilterKeyMatch, FilterName);
    } else {
      policy = leveldb_filterpolicy_create_bloom(10);
    }
    CHECK(policy != NULL);

    /* Create a new database. */
    leveldb_destroy_db(options, dbname, &err);
    CHECK_NO_ERROR(err);
    leveldb_options_set_filter_policy(options, policy);
    db = leveldb_open(options, dbname, &err);
    CHECK_NO_ERROR(err);
    leveldb_put(db, woptions, "foo", 3, "foovalue", 8, &err);
    CHECK_NO_ERROR(err);
    leveldb_put(db, woptions, "bar", 3, "barvalue", 8, &err);
    CHECK_NO_ERROR(err);
    leveldb_compact_range(db, NULL, 0, NULL, 0);

    fake_filter_result = 1;
    CheckGet(db, roptions, "foo", "foovalue");
    CheckGet(db, roptions, "bar", "barvalue");
    CheckGet(db, roptions, "baz", NULL);
#ifndef STRATA_LEVELDB_COMPAT
    /* LevelDB consults a custom filter policy (c_test means to test this
     * but tests `phase == 0`, never true). strata keeps its own bloom
     * filter and may never call a custom policy's callbacks. */
    if (run == 0) {
      CHECK(filter_state.created > 0);
      CHECK(filter_state.matched > 0);
      /* Must not find value when custom filter returns false. */
      fake_filter_result = 0;
      CheckGet(db, roptions, "foo", NULL);
      CheckGet(db, roptions, "bar", NULL);
      fake_filter_result = 1;

      CheckGet(db, roptions, "foo", "foovalue");
      CheckGet(db, roptions, "bar", "barvalue");
    }
#else
    /* As strata's header says: a custom policy's callbacks are never
     * called. */
    CHECK(filter_state.created == 0 && filter_state.matched == 0);
#endif
    /* The DB may use the policy until closed; then it can go. */
    leveldb_close(db);
    db = NULL;
    leveldb_options_set_filter_policy(options, NULL);
    leveldb_filterpolicy_destroy(policy);
    if (run == 0) {
      CHECK(filter_state.destroyed == 1);
    }
  }

  StartPhase("errptr");
  {
    /* On entry *errptr may hold a malloc()ed message. On success it is
     * left as it is; on failure it is freed and replaced. */
    const char* name = OTHER_DB("errptr");
    char* prev = strdup("previous error");
    CHECK(prev != NULL);
    err = prev;
    leveldb_t* edb = leveldb_open(plain, name, &err);
    CHECK(err == prev);
    CHECK(edb != NULL);
    leveldb_put(edb, wo, "k", 1, "v", 1, &err);
    CHECK(err == prev);
    size_t len = 99;
    char* v = leveldb_get(edb, ro, "k", 1, &len, &err);
    CHECK(err == prev);
    CheckEqual("v", v, len);
    leveldb_free(v);
    len = 99;
    v = leveldb_get(edb, ro, "missing", 7, &len, &err);
    CHECK(err == prev); /* not found is not an error */
    CHECK(v == NULL && len == 0);
    leveldb_delete(edb, wo, "k", 1, &err);
    CHECK(err == prev);
    leveldb_delete(edb, wo, "never-there", 11, &err);
    CHECK(err == prev); /* deleting a missing key is not an error */
    leveldb_writebatch_t* wb = leveldb_writebatch_create();
    leveldb_write(edb, wo, wb, &err); /* an empty batch */
    CHECK(err == prev);
    leveldb_writebatch_put(wb, "k2", 2, "v2", 2);
    leveldb_write(edb, wo, wb, &err);
    CHECK(err == prev);
    leveldb_writebatch_destroy(wb);
    leveldb_iterator_t* it = leveldb_create_iterator(edb, ro);
    leveldb_iter_seek_to_first(it);
    CheckIter(it, "k2", "v2");
    leveldb_iter_get_error(it, &err);
    CHECK(err == prev);
    leveldb_iter_destroy(it);
    leveldb_close(edb);
    leveldb_repair_db(plain, name, &err);
    CHECK(err == prev);
    leveldb_destroy_db(plain, name, &err);
    CHECK(err == prev);
    CHECK(strcmp(err, "previous error") == 0);
    /* A failure: the previous message is freed (a leak checker sees it)
     * and a new one is there instead. */
    leveldb_options_t* no_create = leveldb_options_create();
    leveldb_options_set_create_if_missing(no_create, 0);
    edb = leveldb_open(no_create, name, &err);
    CHECK(edb == NULL);
    CHECK(err != NULL && strcmp(err, "previous error") != 0);
    CHECK(strncmp(err, kInvalid, strlen(kInvalid)) == 0);
    /* And once more, replacing that one. */
    char* first = strdup(err);
    CHECK(first != NULL);
    edb = leveldb_open(no_create, name, &err);
    CHECK(edb == NULL);
    CHECK(err != NULL && strcmp(err, first) == 0);
    free(first);
    leveldb_free(err);
    err = NULL;
    leveldb_options_destroy(no_create);
  }

  StartPhase("iter_more");
  {
    leveldb_t* idb = OpenDB(plain, OTHER_DB("iter"));
    /* An empty DB: nothing anywhere. */
    leveldb_iterator_t* it = leveldb_create_iterator(idb, ro);
    CHECK(!leveldb_iter_valid(it));
    leveldb_iter_seek_to_first(it);
    CHECK(!leveldb_iter_valid(it));
    leveldb_iter_seek_to_last(it);
    CHECK(!leveldb_iter_valid(it));
    leveldb_iter_seek(it, "a", 1);
    CHECK(!leveldb_iter_valid(it));
    CheckIterError(it);
    leveldb_iter_destroy(it);

    Put(idb, wo, "b", "vb");
    Put(idb, wo, "d", "vd");
    Put(idb, wo, "f", "vf");
    for (int pass = 0; pass < 2; pass++) {
      /* pass 0 from the memtable, pass 1 from tables. */
      it = leveldb_create_iterator(idb, ro);
      leveldb_iter_seek_to_last(it);
      CheckIter(it, "f", "vf");
      leveldb_iter_prev(it);
      CheckIter(it, "d", "vd");
      leveldb_iter_prev(it);
      CheckIter(it, "b", "vb");
      leveldb_iter_prev(it);
      CHECK(!leveldb_iter_valid(it));
      leveldb_iter_seek_to_first(it);
      CheckIter(it, "b", "vb");
      leveldb_iter_next(it);
      CheckIter(it, "d", "vd");
      leveldb_iter_next(it);
      CheckIter(it, "f", "vf");
      leveldb_iter_next(it);
      CHECK(!leveldb_iter_valid(it));
      leveldb_iter_seek_to_last(it);
      leveldb_iter_next(it);
      CHECK(!leveldb_iter_valid(it));
      /* Seeks: to the first key at or after the target. */
      leveldb_iter_seek(it, "c", 1);
      CheckIter(it, "d", "vd");
      leveldb_iter_prev(it);
      CheckIter(it, "b", "vb");
      leveldb_iter_seek(it, "d", 1);
      CheckIter(it, "d", "vd");
      leveldb_iter_next(it);
      CheckIter(it, "f", "vf");
      leveldb_iter_seek(it, "", 0);
      CheckIter(it, "b", "vb");
      leveldb_iter_seek(it, "a", 1);
      CheckIter(it, "b", "vb");
      leveldb_iter_seek(it, "g", 1); /* past the end */
      CHECK(!leveldb_iter_valid(it));
      leveldb_iter_seek(it, "ff", 2);
      CHECK(!leveldb_iter_valid(it));
      leveldb_iter_seek(it, "e", 1); /* and back again */
      CheckIter(it, "f", "vf");
      CheckIterError(it);
      leveldb_iter_destroy(it);
      leveldb_compact_range(idb, NULL, 0, NULL, 0);
    }
    /* Deleted keys are skipped both ways; overwrites show the newest. */
    leveldb_delete(idb, wo, "d", 1, &err);
    CHECK_NO_ERROR(err);
    Put(idb, wo, "c", "vc");
    Put(idb, wo, "f", "vf2");
    it = leveldb_create_iterator(idb, ro);
    leveldb_iter_seek_to_first(it);
    CheckIter(it, "b", "vb");
    leveldb_iter_next(it);
    CheckIter(it, "c", "vc");
    leveldb_iter_next(it);
    CheckIter(it, "f", "vf2");
    leveldb_iter_next(it);
    CHECK(!leveldb_iter_valid(it));
    leveldb_iter_seek_to_last(it);
    CheckIter(it, "f", "vf2");
    leveldb_iter_prev(it);
    CheckIter(it, "c", "vc");
    leveldb_iter_prev(it);
    CheckIter(it, "b", "vb");
    leveldb_iter_seek(it, "d", 1);
    CheckIter(it, "f", "vf2");
    leveldb_iter_prev(it);
    CheckIter(it, "c", "vc");
    CheckIterError(it);
    leveldb_iter_destroy(it);
    leveldb_close(idb);
  }

  StartPhase("iter_snapshot");
  {
    leveldb_t* idb = OpenDB(plain, OTHER_DB("iter"));
    /* State: b=vb c=vc f=vf2. */
    const leveldb_snapshot_t* snap = leveldb_create_snapshot(idb);
    CHECK(snap != NULL);
    /* An iterator made before later writes sees none of them... */
    leveldb_iterator_t* before = leveldb_create_iterator(idb, ro);
    Put(idb, wo, "a", "va");
    Put(idb, wo, "c", "vc2");
    leveldb_delete(idb, wo, "f", 1, &err);
    CHECK_NO_ERROR(err);
    /* ...nor does one made later over the snapshot. */
    leveldb_readoptions_t* snap_ro = leveldb_readoptions_create();
    leveldb_readoptions_set_snapshot(snap_ro, snap);
    leveldb_iterator_t* at_snap = leveldb_create_iterator(idb, snap_ro);
    leveldb_iterator_t* iters[2] = {before, at_snap};
    for (int i = 0; i < 2; i++) {
      leveldb_iterator_t* it = iters[i];
      leveldb_iter_seek_to_first(it);
      CheckIter(it, "b", "vb");
      leveldb_iter_next(it);
      CheckIter(it, "c", "vc");
      leveldb_iter_next(it);
      CheckIter(it, "f", "vf2");
      leveldb_iter_next(it);
      CHECK(!leveldb_iter_valid(it));
      leveldb_iter_seek_to_last(it);
      CheckIter(it, "f", "vf2");
      leveldb_iter_seek(it, "a", 1);
      CheckIter(it, "b", "vb");
      CheckIterError(it);
      leveldb_iter_destroy(it);
    }
    CheckGet(idb, snap_ro, "a", NULL);
    CheckGet(idb, snap_ro, "c", "vc");
    CheckGet(idb, snap_ro, "f", "vf2");
    /* The present. */
    leveldb_iterator_t* now = leveldb_create_iterator(idb, ro);
    leveldb_iter_seek_to_first(now);
    CheckIter(now, "a", "va");
    leveldb_iter_next(now);
    CheckIter(now, "b", "vb");
    leveldb_iter_next(now);
    CheckIter(now, "c", "vc2");
    leveldb_iter_next(now);
    CHECK(!leveldb_iter_valid(now));
    leveldb_iter_destroy(now);
    leveldb_readoptions_set_snapshot(snap_ro, NULL);
    CheckGet(idb, snap_ro, "f", NULL);
    leveldb_readoptions_destroy(snap_ro);
    leveldb_release_snapshot(idb, snap);
    leveldb_close(idb);
  }

  StartPhase("open_flags");
  {
    const char* name = OTHER_DB("flags");
    leveldb_options_t* o = leveldb_options_create();
    /* Missing, not to be created: fails. */
    leveldb_options_set_create_if_missing(o, 0);
    CheckOpenFails(o, name, kInvalid);
    CheckOpenFails(o, name, kInvalid); /* and again: no DB was created */
    leveldb_options_set_create_if_missing(o, 1);
    leveldb_t* fdb = OpenDB(o, name);
    Put(fdb, wo, "x", "1");
    /* Open already: a second open fails (the lock), and so does
     * destroying it; the open DB is unharmed. */
    CheckOpenFails(o, name, kIOError);
    leveldb_destroy_db(o, name, &err);
    CHECK_ERROR(err, kIOError);
    CheckGet(fdb, ro, "x", "1");
    Put(fdb, wo, "y", "2");
    leveldb_close(fdb);
    /* Existing, error_if_exists: fails. */
    leveldb_options_set_error_if_exists(o, 1);
    CheckOpenFails(o, name, kInvalid);
    leveldb_options_set_create_if_missing(o, 0);
    CheckOpenFails(o, name, kInvalid);
    /* Existing, neither flag: opens, with the data. */
    leveldb_options_set_error_if_exists(o, 0);
    fdb = OpenDB(o, name);
    CheckGet(fdb, ro, "x", "1");
    CheckGet(fdb, ro, "y", "2");
    leveldb_close(fdb);
    /* Closed, the lock is free: another open works. */
    fdb = OpenDB(o, name);
    leveldb_close(fdb);
    /* Destroyed: gone. */
    DestroyDB(o, name);
    CheckOpenFails(o, name, kInvalid);
    DestroyDB(o, name);
    leveldb_options_destroy(o);
  }

  StartPhase("sync");
  {
    const char* name = OTHER_DB("sync");
    leveldb_writeoptions_t* sync = leveldb_writeoptions_create();
    leveldb_writeoptions_set_sync(sync, 1);
    leveldb_options_t* o = leveldb_options_create();
    leveldb_options_set_create_if_missing(o, 1);
    leveldb_options_set_paranoid_checks(o, 1);
    leveldb_t* sdb = OpenDB(o, name);
    Put(sdb, sync, "s1", "one");
    Put(sdb, sync, "s2", "two");
    leveldb_delete(sdb, sync, "s1", 2, &err);
    CHECK_NO_ERROR(err);
    leveldb_writebatch_t* wb = leveldb_writebatch_create();
    leveldb_writebatch_put(wb, "s3", 2, "three", 5);
    leveldb_writebatch_delete(wb, "s2", 2);
    leveldb_write(sdb, sync, wb, &err);
    CHECK_NO_ERROR(err);
    leveldb_writebatch_destroy(wb);
    leveldb_writeoptions_set_sync(sync, 0);
    Put(sdb, sync, "s4", "four");
    leveldb_close(sdb);
    /* Reopened (with paranoid checks, then without): all there. */
    for (int paranoid = 1; paranoid >= 0; paranoid--) {
      leveldb_options_set_paranoid_checks(o, (uint8_t)paranoid);
      sdb = OpenDB(o, name);
      CheckGet(sdb, ro, "s1", NULL);
      CheckGet(sdb, ro, "s2", NULL);
      CheckGet(sdb, ro, "s3", "three");
      CheckGet(sdb, ro, "s4", "four");
      CHECK(CountEntries(sdb, ro) == 2);
      leveldb_close(sdb);
    }
    leveldb_options_destroy(o);
    leveldb_writeoptions_destroy(sync);
  }

  StartPhase("big_batch");
  {
    leveldb_t* bdb = OpenDB(plain, OTHER_DB("batch"));
    leveldb_writebatch_t* wb = leveldb_writebatch_create();
    char kb[32], vb[32];
    for (int i = 0; i < kMany; i++) {
      snprintf(kb, sizeof(kb), "b%06d", i);
      snprintf(vb, sizeof(vb), "v%06d", i);
      leveldb_writebatch_put(wb, kb, strlen(kb), vb, strlen(vb));
    }
    for (int i = 0; i < kMany; i += 3) {
      snprintf(kb, sizeof(kb), "b%06d", i);
      leveldb_writebatch_delete(wb, kb, strlen(kb));
    }
    leveldb_writebatch_put(wb, "b000003", 7, "again", 5);
    int pos = 0;
    leveldb_writebatch_iterate(wb, &pos, ManyPut, ManyDel);
    CHECK(pos == kMany + kManyDeletes + 1);
    leveldb_write(bdb, wo, wb, &err);
    CHECK_NO_ERROR(err);
    /* In the batch, later records win: b000000 put then deleted is
     * absent, b000003 put, deleted, put again is "again". */
    CheckGet(bdb, ro, "b000000", NULL);
    CheckGet(bdb, ro, "b000001", "v000001");
    CheckGet(bdb, ro, "b000003", "again");
    CheckGet(bdb, ro, "b009999", NULL);
    CheckGet(bdb, ro, "b009998", "v009998");
    for (int pass = 0; pass < 2; pass++) {
      leveldb_iterator_t* it = leveldb_create_iterator(bdb, ro);
      leveldb_iter_seek_to_first(it);
      for (int i = 0; i < kMany; i++) {
        if (i % 3 == 0 && i != 3) continue;
        snprintf(kb, sizeof(kb), "b%06d", i);
        if (i == 3) {
          snprintf(vb, sizeof(vb), "again");
        } else {
          snprintf(vb, sizeof(vb), "v%06d", i);
        }
        CheckIter(it, kb, vb);
        leveldb_iter_next(it);
      }
      CHECK(!leveldb_iter_valid(it));
      CheckIterError(it);
      leveldb_iter_destroy(it);
      CHECK(CountEntries(bdb, ro) == kMany - kManyDeletes + 1);
      leveldb_compact_range(bdb, NULL, 0, NULL, 0);
    }
    /* Cleared: nothing to iterate, and writing it changes nothing. */
    leveldb_writebatch_clear(wb);
    leveldb_writebatch_iterate(wb, NULL, NoPut, NoDel);
    leveldb_write(bdb, wo, wb, &err);
    CHECK_NO_ERROR(err);
    CHECK(CountEntries(bdb, ro) == kMany - kManyDeletes + 1);
    /* And reusable. */
    leveldb_writebatch_delete(wb, "b000001", 7);
    leveldb_writebatch_put(wb, "b000000", 7, "back", 4);
    leveldb_write(bdb, wo, wb, &err);
    CHECK_NO_ERROR(err);
    CheckGet(bdb, ro, "b000000", "back");
    CheckGet(bdb, ro, "b000001", NULL);
    leveldb_writebatch_clear(wb);
    leveldb_writebatch_clear(wb);
    leveldb_writebatch_iterate(wb, NULL, NoPut, NoDel);
    leveldb_writebatch_destroy(wb);
    leveldb_close(bdb);
  }

  StartPhase("binary");
  {
    /* NUL and high bytes in keys and values; bytewise (unsigned) order:
     * "a" < "a\0" < "a\0b" < "a\1" < "z" < "\xff". (The empty key: below.) */
    static const struct {
      const char* k;
      size_t klen;
      const char* v;
      size_t vlen;
    } kv[] = {
        {"a", 1, "\0", 1},     {"a\0", 2, "v\0a\0l", 5},
        {"a\0b", 3, "", 0},    {"a\1", 2, "\0\0\0", 3},
        {"z", 1, "zz\0zz", 5}, {"\xff", 1, "\xff\xfe\0\x80", 4},
    };
    const int n = (int)(sizeof(kv) / sizeof(kv[0]));
    leveldb_t* bdb = OpenDB(plain, OTHER_DB("binary"));
    for (int i = n - 1; i >= 0; i--) {
      leveldb_put(bdb, wo, kv[i].k, kv[i].klen, kv[i].v, kv[i].vlen, &err);
      CHECK_NO_ERROR(err);
    }
    CheckGetN(bdb, ro, "a\0c", 3, NULL, 0);
    CheckGetN(bdb, ro, "\xfe", 1, NULL, 0);
    for (int pass = 0; pass < 3; pass++) {
      /* pass 0: memtable; 1: after compaction; 2: after reopening. */
      for (int i = 0; i < n; i++) {
        CheckGetN(bdb, ro, kv[i].k, kv[i].klen, kv[i].v, kv[i].vlen);
      }
      leveldb_iterator_t* it = leveldb_create_iterator(bdb, ro);
      leveldb_iter_seek_to_first(it);
      for (int i = 0; i < n; i++) {
        CheckIterN(it, kv[i].k, kv[i].klen, kv[i].v, kv[i].vlen);
        leveldb_iter_next(it);
      }
      CHECK(!leveldb_iter_valid(it));
      leveldb_iter_seek_to_last(it);
      for (int i = n - 1; i >= 0; i--) {
        CheckIterN(it, kv[i].k, kv[i].klen, kv[i].v, kv[i].vlen);
        leveldb_iter_prev(it);
      }
      CHECK(!leveldb_iter_valid(it));
      leveldb_iter_seek(it, "a\0a", 3);
      CheckIterN(it, kv[2].k, kv[2].klen, kv[2].v, kv[2].vlen);
      leveldb_iter_seek(it, "\x80", 1);
      CheckIterN(it, kv[5].k, kv[5].klen, kv[5].v, kv[5].vlen);
      leveldb_iter_seek(it, "", 0);
      CheckIterN(it, kv[0].k, kv[0].klen, kv[0].v, kv[0].vlen);
      CheckIterError(it);
      leveldb_iter_destroy(it);
      if (pass == 0) {
        leveldb_compact_range(bdb, NULL, 0, NULL, 0);
      } else if (pass == 1) {
        leveldb_close(bdb);
        bdb = OpenDB(plain, OTHER_DB("binary"));
      }
    }
    CHECK(CountEntries(bdb, ro) == n);
    leveldb_close(bdb);
  }

  StartPhase("large_values");
  {
    char* big = malloc(kLarge);
    CHECK(big != NULL);
    leveldb_t* ldb = OpenDB(plain, OTHER_DB("large"));
    char key[16];
    for (int i = 0; i < 5; i++) {
      snprintf(key, sizeof(key), "large%d", i);
      FillLarge(big, i);
      leveldb_put(ldb, wo, key, strlen(key), big, kLarge, &err);
      CHECK_NO_ERROR(err);
    }
    Put(ldb, wo, "small", "s");
    for (int pass = 0; pass < 3; pass++) {
      /* pass 0: as written; 1: after compaction; 2: after reopening. */
      for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof(key), "large%d", i);
        FillLarge(big, i);
        CheckGetN(ldb, ro, key, strlen(key), big, kLarge);
      }
      leveldb_iterator_t* it = leveldb_create_iterator(ldb, ro);
      leveldb_iter_seek_to_first(it);
      for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof(key), "large%d", i);
        FillLarge(big, i);
        CheckIterN(it, key, strlen(key), big, kLarge);
        leveldb_iter_next(it);
      }
      CheckIter(it, "small", "s");
      leveldb_iter_next(it);
      CHECK(!leveldb_iter_valid(it));
      CheckIterError(it);
      leveldb_iter_destroy(it);
      if (pass == 0) {
        leveldb_compact_range(ldb, NULL, 0, NULL, 0);
      } else if (pass == 1) {
        leveldb_close(ldb);
        ldb = OpenDB(plain, OTHER_DB("large"));
      }
    }
    /* Overwritten by a small value, and deleted. */
    Put(ldb, wo, "large0", "now small");
    CheckGet(ldb, ro, "large0", "now small");
    leveldb_delete(ldb, wo, "large1", 6, &err);
    CHECK_NO_ERROR(err);
    CheckGet(ldb, ro, "large1", NULL);
    leveldb_close(ldb);
    free(big);
  }

  StartPhase("empty_value");
  {
    leveldb_t* edb = OpenDB(plain, OTHER_DB("empty"));
    Put(edb, wo, "e", "");
    /* Found and empty: a non-NULL result, length 0. */
    CheckGet(edb, ro, "e", "");
    leveldb_compact_range(edb, NULL, 0, NULL, 0);
    CheckGet(edb, ro, "e", "");
    leveldb_iterator_t* it = leveldb_create_iterator(edb, ro);
    leveldb_iter_seek_to_first(it);
    CheckIter(it, "e", "");
    leveldb_iter_destroy(it);
    leveldb_close(edb);
  }

  StartPhase("empty_key");
  {
    leveldb_t* edb = OpenDB(plain, OTHER_DB("empty"));
    leveldb_writebatch_t* wb = leveldb_writebatch_create();
    leveldb_writebatch_put(wb, "", 0, "v0", 2);
    leveldb_writebatch_put(wb, "k1", 2, "v1", 2);
#ifndef STRATA_LEVELDB_COMPAT
    /* LevelDB takes the empty key as an ordinary key, the first of all. */
    leveldb_put(edb, wo, "", 0, "empty key", 9, &err);
    CHECK_NO_ERROR(err);
    CheckGetN(edb, ro, "", 0, "empty key", 9);
    leveldb_iterator_t* it = leveldb_create_iterator(edb, ro);
    leveldb_iter_seek_to_first(it);
    CheckIterN(it, "", 0, "empty key", 9);
    leveldb_iter_seek(it, "", 0);
    CheckIterN(it, "", 0, "empty key", 9);
    leveldb_iter_destroy(it);
    leveldb_delete(edb, wo, "", 0, &err);
    CHECK_NO_ERROR(err);
    CheckGetN(edb, ro, "", 0, NULL, 0);
    leveldb_write(edb, wo, wb, &err);
    CHECK_NO_ERROR(err);
    CheckGetN(edb, ro, "", 0, "v0", 2);
    CheckGet(edb, ro, "k1", "v1");
#else
    /* strata keeps no empty key (its header says so): writing one fails,
     * a batch with one fails whole, reading it finds nothing, deleting it
     * does nothing. */
    leveldb_put(edb, wo, "", 0, "empty key", 9, &err);
    CHECK_ERROR(err, kInvalid);
    CheckGetN(edb, ro, "", 0, NULL, 0);
    leveldb_delete(edb, wo, "", 0, &err);
    CHECK_NO_ERROR(err);
    leveldb_write(edb, wo, wb, &err);
    CHECK_ERROR(err, kInvalid);
    CheckGetN(edb, ro, "", 0, NULL, 0);
    CheckGet(edb, ro, "k1", NULL);
#endif
    leveldb_writebatch_destroy(wb);
    leveldb_close(edb);
  }

  StartPhase("reverse_comparator");
  {
    const char* name = OTHER_DB("rev");
    struct CmpState rev_state = {"leveldb_c_test.Reverse", 1, 0};
    struct CmpState other_state = {"leveldb_c_test.Other", 1, 0};
    leveldb_comparator_t* rev =
        leveldb_comparator_create(&rev_state, CmpDestroy, CmpCompare, CmpName);
    leveldb_comparator_t* other = leveldb_comparator_create(
        &other_state, CmpDestroy, CmpCompare, CmpName);
    leveldb_options_t* o = leveldb_options_create();
    leveldb_options_set_create_if_missing(o, 1);
    leveldb_options_set_comparator(o, rev);
    leveldb_t* rdb = OpenDB(o, name);
    Put(rdb, wo, "a", "1");
    Put(rdb, wo, "c", "3");
    Put(rdb, wo, "b", "2");
    Put(rdb, wo, "bb", "22");
    /* Descending: c, bb, b, a. */
    static const char* const kOrder[] = {"c", "bb", "b", "a"};
    static const char* const kValues[] = {"3", "22", "2", "1"};
    for (int pass = 0; pass < 3; pass++) {
      /* pass 0: memtable; 1: after compaction; 2: after reopening. */
      leveldb_iterator_t* it = leveldb_create_iterator(rdb, ro);
      leveldb_iter_seek_to_first(it);
      for (int i = 0; i < 4; i++) {
        CheckIter(it, kOrder[i], kValues[i]);
        leveldb_iter_next(it);
      }
      CHECK(!leveldb_iter_valid(it));
      leveldb_iter_seek_to_last(it);
      for (int i = 3; i >= 0; i--) {
        CheckIter(it, kOrder[i], kValues[i]);
        leveldb_iter_prev(it);
      }
      CHECK(!leveldb_iter_valid(it));
      /* The first key at or after "bc" in the comparator's order. */
      leveldb_iter_seek(it, "bc", 2);
      CheckIter(it, "bb", "22");
      leveldb_iter_seek(it, "d", 1);
      CheckIter(it, "c", "3");
      leveldb_iter_seek(it, "", 0); /* the last key of all */
      CHECK(!leveldb_iter_valid(it));
      leveldb_iter_seek(it, "a", 1);
      CheckIter(it, "a", "1");
      leveldb_iter_next(it);
      CHECK(!leveldb_iter_valid(it));
      CheckIterError(it);
      leveldb_iter_destroy(it);
      for (int i = 0; i < 4; i++) {
        CheckGet(rdb, ro, kOrder[i], kValues[i]);
      }
      CheckGet(rdb, ro, "bc", NULL);
      if (pass == 0) {
        /* A range in the comparator's order: from "c" down to "a". */
        leveldb_compact_range(rdb, "c", 1, "a", 1);
        leveldb_compact_range(rdb, NULL, 0, NULL, 0);
      } else if (pass == 1) {
        leveldb_close(rdb);
        leveldb_options_set_create_if_missing(o, 0);
        rdb = OpenDB(o, name);
      }
    }
    leveldb_close(rdb);
    /* Reopening with a comparator of another name fails, even one that
     * orders the same; so does the default (bytewise) comparator. */
    leveldb_options_set_comparator(o, other);
    CheckOpenFails(o, name, kInvalid);
    leveldb_options_t* dflt = leveldb_options_create();
    CheckOpenFails(dflt, name, kInvalid);
    leveldb_options_destroy(dflt);
    /* The right one still opens it, unharmed. */
    leveldb_options_set_comparator(o, rev);
    rdb = OpenDB(o, name);
    CHECK(CountEntries(rdb, ro) == 4);
    leveldb_close(rdb);
    DestroyDB(o, name);
    leveldb_options_destroy(o);
    CHECK(rev_state.destroyed == 0);
    leveldb_comparator_destroy(rev);
    CHECK(rev_state.destroyed == 1);
    leveldb_comparator_destroy(other);
    CHECK(other_state.destroyed == 1);
  }

  StartPhase("compression");
  {
    static const int kTypes[2] = {leveldb_no_compression,
                                  leveldb_snappy_compression};
    static const char* const kNames[2] = {"none", "snappy"};
    char kb[32];
    char vb[1001];
    for (int t = 0; t < 2; t++) {
      const char* name = OTHER_DB(kNames[t]);
      leveldb_options_t* o = leveldb_options_create();
      leveldb_options_set_create_if_missing(o, 1);
      leveldb_options_set_compression(o, kTypes[t]);
      leveldb_options_set_write_buffer_size(o, 1 << 20);
      leveldb_options_set_block_size(o, 4096);
      leveldb_t* cdb = OpenDB(o, name);
      for (int i = 0; i < 2000; i++) {
        snprintf(kb, sizeof(kb), "c%05d", i);
        memset(vb, 'a' + i % 26, 1000);
        vb[1000] = '\0';
        Put(cdb, wo, kb, vb);
      }
      leveldb_compact_range(cdb, NULL, 0, NULL, 0);
      const char* start = "c";
      const char* limit = "d";
      size_t len1 = 1;
      uint64_t size = 0;
      leveldb_approximate_sizes(cdb, 1, &start, &len1, &limit, &len1, &size);
      CHECK(size > 0);
      leveldb_close(cdb);
      cdb = OpenDB(o, name);
      for (int i = 0; i < 2000; i += 199) {
        snprintf(kb, sizeof(kb), "c%05d", i);
        memset(vb, 'a' + i % 26, 1000);
        CheckGet(cdb, ro, kb, vb);
      }
      CHECK(CountEntries(cdb, ro) == 2000);
      leveldb_close(cdb);
      DestroyDB(o, name);
      leveldb_options_destroy(o);
    }
  }

  StartPhase("cleanup");
  DestroyDB(options, dbname);
  RemoveLeftovers(dbname);
  for (size_t i = 0; i < sizeof(kOthers) / sizeof(kOthers[0]); i++) {
    DestroyDB(plain, OTHER_DB(kOthers[i]));
    RemoveLeftovers(OTHER_DB(kOthers[i]));
  }
  leveldb_options_destroy(options);
  leveldb_options_destroy(plain);
  leveldb_readoptions_destroy(roptions);
  leveldb_readoptions_destroy(ro);
  leveldb_writeoptions_destroy(woptions);
  leveldb_writeoptions_destroy(wo);
  leveldb_cache_destroy(cache);
  CHECK(cmp_state.destroyed == 0);
  leveldb_comparator_destroy(cmp);
  CHECK(cmp_state.destroyed == 1);
  leveldb_env_destroy(env);
  leveldb_free(test_dir);

  fprintf(stderr, "PASS\n");
  return 0;
}
