/* strata/compat/leveldb/c.h — LevelDB 1.23's C API, served by strata.
 *
 * Every type and function of LevelDB 1.23's leveldb/c.h, with the same
 * names, types and meanings, so that a program written against LevelDB's
 * C API builds and runs unchanged on strata. Either include this header
 * as "strata/compat/leveldb/c.h", or keep the program's own
 * `#include "leveldb/c.h"` and add `-I<includedir>/strata/compat` (the
 * strata-leveldb pkg-config package and the CMake target
 * strata::leveldb_compat say so), and link libstrata-leveldb and libstrata
 * instead of libleveldb. The directory a program opens is a strata DB:
 * LevelDB's files are not read, and LevelDB cannot read strata's.
 *
 * Conventions are LevelDB's: opaque handles; errors in `char** errptr`
 * (left as it was on success; on failure the old message is freed and a
 * malloc'd one stored); bools as uint8_t; every pointer argument non-NULL
 * unless said otherwise. Error messages read as LevelDB's do ("NotFound:
 * ", "Corruption: ", "Not implemented: ", "Invalid argument: ", "IO error:
 * " and the message); the message after the prefix is strata's own.
 *
 * Where strata behaves differently:
 *  - strata keeps no empty key. Writing one fails with "Invalid argument:
 *    empty key" (leveldb_put; leveldb_write of a batch that puts one,
 *    which is refused whole); LevelDB takes it. Reading it finds nothing
 *    (leveldb_get returns NULL with no error), and deleting it succeeds
 *    and does nothing (leveldb_writebatch_delete leaves it out of the
 *    batch). Every other key, NUL bytes included, works as in LevelDB.
 *  - Keys are limited to 2 MiB and values to 60 MiB (a larger one fails
 *    with "Invalid argument"); LevelDB sets no limit.
 *  - leveldb_options_create's defaults are LevelDB's where a program can
 *    see them: create_if_missing and error_if_exists off, paranoid checks
 *    off, snappy compression, a 4 MiB write buffer and an 8 MiB block
 *    cache. Other settings are strata's (Options()).
 *  - A filter policy made by leveldb_filterpolicy_create (custom
 *    callbacks) is never called: strata keeps its own bloom filter on the
 *    key bytes (10 bits per key) when the comparator is the default one,
 *    and no filter under a custom comparator (whose equal keys may differ
 *    in bytes). Only the destructor is called, by
 *    leveldb_filterpolicy_destroy. leveldb_filterpolicy_create_bloom(n)
 *    is strata's bloom filter with n bits per key. With no filter policy,
 *    strata's default bloom filter is kept under the default comparator
 *    and none under a custom one.
 *  - A cache from leveldb_cache_create_lru sets the capacity of the block
 *    cache of each DB opened with it: DBs sharing one cache handle get one
 *    cache each, not one shared cache.
 *  - leveldb_options_set_info_log: strata writes its LOG file in the DB's
 *    directory as LevelDB does without a logger; since no function of this
 *    API makes a logger, the argument can only be NULL.
 *  - leveldb_options_set_max_file_size sets strata's target_file_size
 *    (left unset, strata derives it from the write buffer).
 *    max_open_files, write_buffer_size, max_file_size and block_size are
 *    clipped to the ranges LevelDB clips them to; a block restart interval
 *    below 1 fails at leveldb_open (LevelDB would assert).
 *  - leveldb_options_set_compression takes leveldb_no_compression and
 *    leveldb_snappy_compression; any other value fails at leveldb_open.
 *  - leveldb_approximate_sizes counts table files as LevelDB does (not the
 *    memtable, not the value log), from strata's index blocks.
 *  - leveldb_property_value: "leveldb.<name>" is answered as strata's
 *    "strata.<name>" (num-files-at-level<N>, stats, ...), plus
 *    "leveldb.approximate-memory-usage" and "leveldb.sstables"; the
 *    values' formats are strata's.
 *  - leveldb_compact_range compacts [start, limit] through every level
 *    and waits, as LevelDB does; a failure is not reported (the function
 *    returns void in LevelDB too).
 *  - leveldb_major_version and leveldb_minor_version give 1 and 23: the
 *    LevelDB API this header implements (strata_major_version in
 *    strata/c.h gives strata's own).
 *
 * Leniencies marked "(strata only)" below are not LevelDB's: a program
 * that relies on them will not work with LevelDB again.
 *
 * The functions are in their own library, libstrata-leveldb (link it and
 * libstrata). A process must not load it beside libleveldb: the two define
 * the same leveldb_* functions, and the dynamic linker would send a
 * program's calls to whichever it found first.
 */

#ifndef STORAGE_LEVELDB_INCLUDE_C_H_
#define STORAGE_LEVELDB_INCLUDE_C_H_

/* Tells a program it builds against strata's implementation. */
#define STRATA_LEVELDB_COMPAT 1

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifndef LEVELDB_EXPORT
#define LEVELDB_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Exported types */

typedef struct leveldb_t leveldb_t;
typedef struct leveldb_cache_t leveldb_cache_t;
typedef struct leveldb_comparator_t leveldb_comparator_t;
typedef struct leveldb_env_t leveldb_env_t;
typedef struct leveldb_filelock_t leveldb_filelock_t;
typedef struct leveldb_filterpolicy_t leveldb_filterpolicy_t;
typedef struct leveldb_iterator_t leveldb_iterator_t;
typedef struct leveldb_logger_t leveldb_logger_t;
typedef struct leveldb_options_t leveldb_options_t;
typedef struct leveldb_randomfile_t leveldb_randomfile_t;
typedef struct leveldb_readoptions_t leveldb_readoptions_t;
typedef struct leveldb_seqfile_t leveldb_seqfile_t;
typedef struct leveldb_snapshot_t leveldb_snapshot_t;
typedef struct leveldb_writablefile_t leveldb_writablefile_t;
typedef struct leveldb_writebatch_t leveldb_writebatch_t;
typedef struct leveldb_writeoptions_t leveldb_writeoptions_t;

/* DB operations */

/* Opens the DB `name`; NULL on failure with *errptr set. */
LEVELDB_EXPORT leveldb_t* leveldb_open(const leveldb_options_t* options,
                                       const char* name, char** errptr);

/* Closes the DB and frees it. Its iterators must be destroyed and its
 * snapshots released first. */
LEVELDB_EXPORT void leveldb_close(leveldb_t* db);

LEVELDB_EXPORT void leveldb_put(leveldb_t* db,
                                const leveldb_writeoptions_t* options,
                                const char* key, size_t keylen, const char* val,
                                size_t vallen, char** errptr);

LEVELDB_EXPORT void leveldb_delete(leveldb_t* db,
                                   const leveldb_writeoptions_t* options,
                                   const char* key, size_t keylen,
                                   char** errptr);

LEVELDB_EXPORT void leveldb_write(leveldb_t* db,
                                  const leveldb_writeoptions_t* options,
                                  leveldb_writebatch_t* batch, char** errptr);

/* Returns NULL if not found (with *vallen 0 and no error). A malloc()'d
 * array otherwise (followed by a NUL byte not counted in *vallen: strata
 * only); free it with leveldb_free. */
LEVELDB_EXPORT char* leveldb_get(leveldb_t* db,
                                 const leveldb_readoptions_t* options,
                                 const char* key, size_t keylen, size_t* vallen,
                                 char** errptr);

LEVELDB_EXPORT leveldb_iterator_t* leveldb_create_iterator(
    leveldb_t* db, const leveldb_readoptions_t* options);

LEVELDB_EXPORT const leveldb_snapshot_t* leveldb_create_snapshot(leveldb_t* db);

LEVELDB_EXPORT void leveldb_release_snapshot(
    leveldb_t* db, const leveldb_snapshot_t* snapshot);

/* Returns NULL if the property name is unknown. Else a malloc()'d
 * NUL-terminated value. */
LEVELDB_EXPORT char* leveldb_property_value(leveldb_t* db,
                                            const char* propname);

/* For each of the num_ranges ranges [start, limit), the approximate bytes
 * of table data in it into sizes[i] (0 on an error). */
LEVELDB_EXPORT void leveldb_approximate_sizes(
    leveldb_t* db, int num_ranges, const char* const* range_start_key,
    const size_t* range_start_key_len, const char* const* range_limit_key,
    const size_t* range_limit_key_len, uint64_t* sizes);

/* Compacts [start_key, limit_key]; a NULL key leaves that end open. */
LEVELDB_EXPORT void leveldb_compact_range(leveldb_t* db, const char* start_key,
                                          size_t start_key_len,
                                          const char* limit_key,
                                          size_t limit_key_len);

/* Management operations */

LEVELDB_EXPORT void leveldb_destroy_db(const leveldb_options_t* options,
                                       const char* name, char** errptr);

LEVELDB_EXPORT void leveldb_repair_db(const leveldb_options_t* options,
                                      const char* name, char** errptr);

/* Iterator */

LEVELDB_EXPORT void leveldb_iter_destroy(leveldb_iterator_t*);
LEVELDB_EXPORT uint8_t leveldb_iter_valid(const leveldb_iterator_t*);
LEVELDB_EXPORT void leveldb_iter_seek_to_first(leveldb_iterator_t*);
LEVELDB_EXPORT void leveldb_iter_seek_to_last(leveldb_iterator_t*);
LEVELDB_EXPORT void leveldb_iter_seek(leveldb_iterator_t*, const char* k,
                                      size_t klen);
LEVELDB_EXPORT void leveldb_iter_next(leveldb_iterator_t*);
LEVELDB_EXPORT void leveldb_iter_prev(leveldb_iterator_t*);
/* REQUIRES: leveldb_iter_valid. Valid until the iterator moves. */
LEVELDB_EXPORT const char* leveldb_iter_key(const leveldb_iterator_t*,
                                            size_t* klen);
LEVELDB_EXPORT const char* leveldb_iter_value(const leveldb_iterator_t*,
                                              size_t* vlen);
LEVELDB_EXPORT void leveldb_iter_get_error(const leveldb_iterator_t*,
                                           char** errptr);

/* Write batch */

LEVELDB_EXPORT leveldb_writebatch_t* leveldb_writebatch_create(void);
LEVELDB_EXPORT void leveldb_writebatch_destroy(leveldb_writebatch_t*);
LEVELDB_EXPORT void leveldb_writebatch_clear(leveldb_writebatch_t*);
LEVELDB_EXPORT void leveldb_writebatch_put(leveldb_writebatch_t*,
                                           const char* key, size_t klen,
                                           const char* val, size_t vlen);
LEVELDB_EXPORT void leveldb_writebatch_delete(leveldb_writebatch_t*,
                                              const char* key, size_t klen);
/* Calls put or deleted for each operation, in order. */
LEVELDB_EXPORT void leveldb_writebatch_iterate(
    const leveldb_writebatch_t*, void* state,
    void (*put)(void*, const char* k, size_t klen, const char* v, size_t vlen),
    void (*deleted)(void*, const char* k, size_t klen));
LEVELDB_EXPORT void leveldb_writebatch_append(
    leveldb_writebatch_t* destination, const leveldb_writebatch_t* source);

/* Options */

LEVELDB_EXPORT leveldb_options_t* leveldb_options_create(void);
LEVELDB_EXPORT void leveldb_options_destroy(leveldb_options_t*);
/* The comparator must outlive every DB opened with it. */
LEVELDB_EXPORT void leveldb_options_set_comparator(leveldb_options_t*,
                                                   leveldb_comparator_t*);
LEVELDB_EXPORT void leveldb_options_set_filter_policy(leveldb_options_t*,
                                                      leveldb_filterpolicy_t*);
LEVELDB_EXPORT void leveldb_options_set_create_if_missing(leveldb_options_t*,
                                                          uint8_t);
LEVELDB_EXPORT void leveldb_options_set_error_if_exists(leveldb_options_t*,
                                                        uint8_t);
LEVELDB_EXPORT void leveldb_options_set_paranoid_checks(leveldb_options_t*,
                                                        uint8_t);
/* NULL: the default environment (strata only). */
LEVELDB_EXPORT void leveldb_options_set_env(leveldb_options_t*, leveldb_env_t*);
LEVELDB_EXPORT void leveldb_options_set_info_log(leveldb_options_t*,
                                                 leveldb_logger_t*);
LEVELDB_EXPORT void leveldb_options_set_write_buffer_size(leveldb_options_t*,
                                                          size_t);
LEVELDB_EXPORT void leveldb_options_set_max_open_files(leveldb_options_t*, int);
/* NULL: the default block cache, 8 MiB (strata only). */
LEVELDB_EXPORT void leveldb_options_set_cache(leveldb_options_t*,
                                              leveldb_cache_t*);
LEVELDB_EXPORT void leveldb_options_set_block_size(leveldb_options_t*, size_t);
LEVELDB_EXPORT void leveldb_options_set_block_restart_interval(
    leveldb_options_t*, int);
LEVELDB_EXPORT void leveldb_options_set_max_file_size(leveldb_options_t*,
                                                      size_t);

enum { leveldb_no_compression = 0, leveldb_snappy_compression = 1 };
LEVELDB_EXPORT void leveldb_options_set_compression(leveldb_options_t*, int);

/* Comparator: a total order over keys. compare returns <0, 0 or >0; name
 * is stored with the DB, and opening it under another name fails. The
 * destructor is called with state by leveldb_comparator_destroy (it may be
 * NULL: strata only). */
LEVELDB_EXPORT leveldb_comparator_t* leveldb_comparator_create(
    void* state, void (*destructor)(void*),
    int (*compare)(void*, const char* a, size_t alen, const char* b,
                   size_t blen),
    const char* (*name)(void*));
LEVELDB_EXPORT void leveldb_comparator_destroy(leveldb_comparator_t*);

/* Filter policy. Custom callbacks are kept but never called (see above);
 * the destructor is called by leveldb_filterpolicy_destroy (it may be
 * NULL: strata only). */
LEVELDB_EXPORT leveldb_filterpolicy_t* leveldb_filterpolicy_create(
    void* state, void (*destructor)(void*),
    char* (*create_filter)(void*, const char* const* key_array,
                           const size_t* key_length_array, int num_keys,
                           size_t* filter_length),
    uint8_t (*key_may_match)(void*, const char* key, size_t length,
                             const char* filter, size_t filter_length),
    const char* (*name)(void*));
LEVELDB_EXPORT void leveldb_filterpolicy_destroy(leveldb_filterpolicy_t*);

LEVELDB_EXPORT leveldb_filterpolicy_t* leveldb_filterpolicy_create_bloom(
    int bits_per_key);

/* Read options */

/* verify_checksums off and fill_cache on, as in LevelDB. */
LEVELDB_EXPORT leveldb_readoptions_t* leveldb_readoptions_create(void);
LEVELDB_EXPORT void leveldb_readoptions_destroy(leveldb_readoptions_t*);
LEVELDB_EXPORT void leveldb_readoptions_set_verify_checksums(
    leveldb_readoptions_t*, uint8_t);
LEVELDB_EXPORT void leveldb_readoptions_set_fill_cache(leveldb_readoptions_t*,
                                                       uint8_t);
/* NULL: the latest state. */
LEVELDB_EXPORT void leveldb_readoptions_set_snapshot(leveldb_readoptions_t*,
                                                     const leveldb_snapshot_t*);

/* Write options */

LEVELDB_EXPORT leveldb_writeoptions_t* leveldb_writeoptions_create(void);
LEVELDB_EXPORT void leveldb_writeoptions_destroy(leveldb_writeoptions_t*);
LEVELDB_EXPORT void leveldb_writeoptions_set_sync(leveldb_writeoptions_t*,
                                                  uint8_t);

/* Cache */

LEVELDB_EXPORT leveldb_cache_t* leveldb_cache_create_lru(size_t capacity);
LEVELDB_EXPORT void leveldb_cache_destroy(leveldb_cache_t* cache);

/* Env */

LEVELDB_EXPORT leveldb_env_t* leveldb_create_default_env(void);
LEVELDB_EXPORT void leveldb_env_destroy(leveldb_env_t*);

/* A directory for tests ($TEST_TMPDIR, else /tmp/leveldbtest-<euid>),
 * created if missing; malloc()'d (leveldb_free). */
LEVELDB_EXPORT char* leveldb_env_get_test_directory(leveldb_env_t*);

/* Utility */

/* Frees memory this API returned (values, messages, properties). */
LEVELDB_EXPORT void leveldb_free(void* ptr);

/* The LevelDB API version implemented: 1.23. */
LEVELDB_EXPORT int leveldb_major_version(void);
LEVELDB_EXPORT int leveldb_minor_version(void);

#ifdef __cplusplus
} /* end extern "C" */
#endif

#endif /* STORAGE_LEVELDB_INCLUDE_C_H_ */
