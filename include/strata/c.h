/* strata/c.h — the C API of strata: the DB, options, write batches,
 * iterators, snapshots, properties, flush, compaction, checkpoints,
 * restore, destroy and repair, transactions (modes, isolation, savepoints)
 * and time travel (as-of reads, history iterators, writes at a timestamp).
 * Programs written for LevelDB's C API use strata/compat/leveldb/c.h and
 * libstrata-leveldb instead.
 *
 * Conventions (LevelDB's, so that its users feel at home):
 *  - Every type is an opaque handle made by a *_create or *_open function
 *    and freed by the matching *_destroy or *_close function.
 *  - A function that can fail takes `char** errptr` last. It should point
 *    to NULL on entry (a non-NULL one must be a message from this API: it
 *    is freed and replaced). On failure the function stores a message
 *    allocated with malloc there (free it with strata_free) and returns
 *    the failure's code; on success it leaves *errptr as it was and
 *    returns STRATA_OK.
 *  - Keys and values are (pointer, length) pairs: any bytes.
 *  - Memory the API returns (values, keys of strata_get, property values,
 *    error messages) is malloc'd and belongs to the caller: strata_free.
 *  - No C++ type and no exception crosses this header.
 *  - Thread-safety: as the C++ API. A strata_t may be used from many
 *    threads at once; an iterator or write batch by one at a time.
 */

#ifndef STRATA_C_H_
#define STRATA_C_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version and ABI -------------------------------------------------- */

/* The library's version. The C ABI changes only with the major version:
 * within one, functions are only added, and no signature changes. */
int strata_major_version(void);
int strata_minor_version(void);
int strata_patch_version(void);

/* ---- Status codes ------------------------------------------------------ */

typedef enum {
  STRATA_OK = 0,
  STRATA_NOT_FOUND = 1,
  STRATA_CORRUPTION = 2,
  STRATA_NOT_SUPPORTED = 3,
  STRATA_INVALID_ARGUMENT = 4,
  STRATA_IO_ERROR = 5,
  STRATA_BUSY = 6, /* a transaction conflict */
  STRATA_TRY_AGAIN = 7,
} strata_code_t;

/* Frees memory the API returned (values, messages, property values). */
void strata_free(void* ptr);

/* ---- Handles ----------------------------------------------------------- */

typedef struct strata_t strata_t;
typedef struct strata_options_t strata_options_t;
typedef struct strata_readoptions_t strata_readoptions_t;
typedef struct strata_writeoptions_t strata_writeoptions_t;
typedef struct strata_writebatch_t strata_writebatch_t;
typedef struct strata_iterator_t strata_iterator_t;
typedef struct strata_snapshot_t strata_snapshot_t;
typedef struct strata_txnoptions_t strata_txnoptions_t;
typedef struct strata_transaction_t strata_transaction_t;

/* ---- Options ----------------------------------------------------------- */

/* Options as the C++ Options() gives them (create_if_missing is on). */
strata_options_t* strata_options_create(void);
void strata_options_destroy(strata_options_t* options);
void strata_options_set_create_if_missing(strata_options_t* o, unsigned char v);
void strata_options_set_error_if_exists(strata_options_t* o, unsigned char v);
void strata_options_set_paranoid_checks(strata_options_t* o, unsigned char v);
void strata_options_set_write_buffer_size(strata_options_t* o, size_t bytes);
void strata_options_set_max_write_buffer_number(strata_options_t* o, int n);
void strata_options_set_max_open_files(strata_options_t* o, int n);
void strata_options_set_block_size(strata_options_t* o, size_t bytes);
void strata_options_set_block_restart_interval(strata_options_t* o, int n);
/* Options::compression_unit_size: data blocks compressed in units of at
   least this many bytes (0: whole blocks). */
void strata_options_set_compression_unit_size(strata_options_t* o,
                                              size_t bytes);
/* Options::block_page_size: data blocks packed so that none that fits in
   a page of this many bytes crosses a page boundary (0: off). */
void strata_options_set_block_page_size(strata_options_t* o, size_t bytes);
void strata_options_set_bloom_bits_per_key(strata_options_t* o, int bits);
void strata_options_set_block_cache_capacity(strata_options_t* o, size_t bytes);
enum {
  strata_no_compression = 0,
  strata_snappy_compression = 1,
  strata_lz4_compression = 2,
  strata_zstd_compression = 3,
};
/* One of the strata_*_compression values; any other is refused at open. */
void strata_options_set_compression(strata_options_t* o, int compression);
void strata_options_set_num_levels(strata_options_t* o, int n);
void strata_options_set_allow_mmap_reads(strata_options_t* o, unsigned char v);
void strata_options_set_allow_mmap_writes(strata_options_t* o, unsigned char v);
/* Fixed when the DB is made (time travel). */
void strata_options_set_enable_versioning(strata_options_t* o, unsigned char v);
void strata_options_set_enable_value_log(strata_options_t* o, unsigned char v);
void strata_options_set_value_log_threshold(strata_options_t* o, size_t bytes);
/* Versioned DBs: how long history is kept, in nanoseconds (0: forever). */
void strata_options_set_version_retention(strata_options_t* o, uint64_t ns);
enum {
  strata_leveled_compaction = 0,
  strata_tiered_compaction = 1,
};
/* One of the strata_*_compaction values; any other is refused at open. */
void strata_options_set_compaction_style(strata_options_t* o, int style);
void strata_options_set_max_background_jobs(strata_options_t* o, int n);
/* 0 (the default) derives them from the write buffer: see Options. */
void strata_options_set_target_file_size(strata_options_t* o, size_t bytes);
void strata_options_set_max_bytes_for_level_base(strata_options_t* o,
                                                 uint64_t bytes);
void strata_options_set_level0_compaction_trigger(strata_options_t* o, int n);
void strata_options_set_level0_slowdown_writes_trigger(strata_options_t* o,
                                                       int n);
void strata_options_set_level0_stop_writes_trigger(strata_options_t* o, int n);
/* Milliseconds without writes before L0 is folded down; 0 turns it off. */
void strata_options_set_level0_idle_compaction_ms(strata_options_t* o,
                                                  uint64_t ms);
/* Read-triggered compaction: table bytes per charged read (a table's
 * budget is its size / this, at least 100); 0 turns it off. */
void strata_options_set_read_compaction_bytes(strata_options_t* o,
                                              uint64_t bytes);
void strata_options_set_flush_on_close(strata_options_t* o, unsigned char v);
void strata_options_set_max_transaction_index_bytes(strata_options_t* o,
                                                    size_t bytes);
void strata_options_set_value_log_gc_discard_ratio(strata_options_t* o,
                                                   double ratio);

strata_readoptions_t* strata_readoptions_create(void);
void strata_readoptions_destroy(strata_readoptions_t* o);
void strata_readoptions_set_verify_checksums(strata_readoptions_t* o,
                                             unsigned char v);
void strata_readoptions_set_fill_cache(strata_readoptions_t* o,
                                       unsigned char v);
/* NULL: the latest state. The snapshot must outlive the options' use. */
void strata_readoptions_set_snapshot(strata_readoptions_t* o,
                                     const strata_snapshot_t* snapshot);
/* Iterators yield keys in [lower, upper); a NULL key clears the bound.
 * The bytes are copied. */
void strata_readoptions_set_lower_bound(strata_readoptions_t* o,
                                        const char* key, size_t keylen);
void strata_readoptions_set_upper_bound(strata_readoptions_t* o,
                                        const char* key, size_t keylen);
void strata_readoptions_set_keys_only(strata_readoptions_t* o, unsigned char v);
/* Versioned DBs: read as of `ts` (ns since the epoch); 0 clears it. */
void strata_readoptions_set_as_of(strata_readoptions_t* o, uint64_t ts);
/* Versioned DBs, iterators: every version instead of the newest (key
 * ascending, newest version first); strata_iter_timestamp tells them
 * apart. */
void strata_readoptions_set_all_versions(strata_readoptions_t* o,
                                         unsigned char v);
/* With all_versions: tombstone versions too (strata_iter_is_deleted). */
void strata_readoptions_set_include_deleted(strata_readoptions_t* o,
                                            unsigned char v);
/* With all_versions: only versions with from <= timestamp <= to; 0 leaves
 * that end open. */
void strata_readoptions_set_history_range(strata_readoptions_t* o,
                                          uint64_t from, uint64_t to);
/* With all_versions: at most `n` versions after each seek (0: no limit). */
void strata_readoptions_set_history_limit(strata_readoptions_t* o, uint64_t n);

strata_writeoptions_t* strata_writeoptions_create(void);
void strata_writeoptions_destroy(strata_writeoptions_t* o);
/* 1: fsync before a write returns (immediate durability). */
void strata_writeoptions_set_sync(strata_writeoptions_t* o, unsigned char v);

/* ---- The DB ------------------------------------------------------------ */

/* Opens (or creates) the DB in `path`; NULL on failure (*errptr says
 * why). */
strata_t* strata_open(const strata_options_t* options, const char* path,
                      char** errptr);
/* Closes the DB (syncing its log) and frees it. Iterators and snapshots
 * of it must be destroyed or released first. */
void strata_close(strata_t* db);

strata_code_t strata_put(strata_t* db, const strata_writeoptions_t* options,
                         const char* key, size_t keylen, const char* val,
                         size_t vallen, char** errptr);
strata_code_t strata_delete(strata_t* db, const strata_writeoptions_t* options,
                            const char* key, size_t keylen, char** errptr);
/* Deletes every key in [begin, end). */
strata_code_t strata_delete_range(strata_t* db,
                                  const strata_writeoptions_t* options,
                                  const char* begin, size_t beginlen,
                                  const char* end, size_t endlen,
                                  char** errptr);
strata_code_t strata_write(strata_t* db, const strata_writeoptions_t* options,
                           strata_writebatch_t* batch, char** errptr);
/* Returns the value (malloc'd, *vallen bytes) or NULL. An absent key is
 * NULL with STRATA_NOT_FOUND in *code (when `code` is not NULL) and no
 * error message; any other failure sets *errptr. */
char* strata_get(strata_t* db, const strata_readoptions_t* options,
                 const char* key, size_t keylen, size_t* vallen,
                 strata_code_t* code, char** errptr);

/* Live keys in [begin, end) into *count, without reading values. */
strata_code_t strata_count(strata_t* db, const strata_readoptions_t* options,
                           const char* begin, size_t beginlen, const char* end,
                           size_t endlen, uint64_t* count, char** errptr);

/* For each of the n ranges [start[i], limit[i]), the approximate bytes of
 * table data in it into sizes[i] (DB::GetApproximateSizes). */
strata_code_t strata_approximate_sizes(strata_t* db, int n,
                                       const char* const* start,
                                       const size_t* start_len,
                                       const char* const* limit,
                                       const size_t* limit_len, uint64_t* sizes,
                                       char** errptr);

/* NULL after the DB failed or was restored away. */
const strata_snapshot_t* strata_create_snapshot(strata_t* db);
void strata_release_snapshot(strata_t* db, const strata_snapshot_t* snapshot);

/* A property's value (malloc'd, NUL-terminated), or NULL for an unknown
 * name. Names as in strata/db.h (strata.stats, strata.counters, ...). */
char* strata_property_value(strata_t* db, const char* name);

strata_code_t strata_flush(strata_t* db, char** errptr);
/* Compacts [begin, end] (NULL: that end open) through every level. */
strata_code_t strata_compact_range(strata_t* db, const char* begin,
                                   size_t beginlen, const char* end,
                                   size_t endlen, char** errptr);
/* DB::FlushWAL: the write-ahead log to the OS, and to disk with sync. */
strata_code_t strata_flush_wal(strata_t* db, unsigned char sync, char** errptr);
strata_code_t strata_verify_checksums(strata_t* db, char** errptr);

/* A consistent copy in `dir` (which must not exist); *sequence (when not
 * NULL) gets the last write it holds. */
strata_code_t strata_create_checkpoint(strata_t* db, const char* dir,
                                       uint64_t* sequence, char** errptr);
/* Replaces this open DB's state with the checkpoint's (verified first). */
strata_code_t strata_restore_from_checkpoint(strata_t* db,
                                             const char* checkpoint_dir,
                                             char** errptr);

/* A closed DB: destroy, repair, restore. */
strata_code_t strata_destroy_db(const strata_options_t* options,
                                const char* path, char** errptr);
strata_code_t strata_repair_db(const strata_options_t* options,
                               const char* path, char** errptr);
strata_code_t strata_restore_db(const strata_options_t* options,
                                const char* checkpoint_dir, const char* db_path,
                                char** errptr);

/* ---- Write batches ----------------------------------------------------- */

strata_writebatch_t* strata_writebatch_create(void);
void strata_writebatch_destroy(strata_writebatch_t* batch);
void strata_writebatch_clear(strata_writebatch_t* batch);
void strata_writebatch_put(strata_writebatch_t* batch, const char* key,
                           size_t keylen, const char* val, size_t vallen);
void strata_writebatch_delete(strata_writebatch_t* batch, const char* key,
                              size_t keylen);
void strata_writebatch_delete_range(strata_writebatch_t* batch,
                                    const char* begin, size_t beginlen,
                                    const char* end, size_t endlen);
/* Versioned DBs: writes at a given timestamp (ns since the epoch; any
 * other DB refuses the whole batch at strata_write). */
void strata_writebatch_put_at(strata_writebatch_t* batch, const char* key,
                              size_t keylen, const char* val, size_t vallen,
                              uint64_t ts);
void strata_writebatch_delete_at(strata_writebatch_t* batch, const char* key,
                                 size_t keylen, uint64_t ts);
void strata_writebatch_delete_range_at(strata_writebatch_t* batch,
                                       const char* begin, size_t beginlen,
                                       const char* end, size_t endlen,
                                       uint64_t ts);
/* Versioned DBs: removes every version of the key, history included (the
 * hard delete); replace writes a new version and removes the older ones. */
void strata_writebatch_purge(strata_writebatch_t* batch, const char* key,
                             size_t keylen);
void strata_writebatch_replace(strata_writebatch_t* batch, const char* key,
                               size_t keylen, const char* val, size_t vallen);
int strata_writebatch_count(const strata_writebatch_t* batch);
/* Appends every operation of `source` to `destination`. */
void strata_writebatch_append(strata_writebatch_t* destination,
                              const strata_writebatch_t* source);
/* Calls put or deleted for each operation in order (a write at a
 * timestamp as its plain form; delete_range, purge and replace are passed
 * to `deleted_range`, `deleted` and `put` respectively, and deleted_range
 * may be NULL to skip ranges). */
void strata_writebatch_iterate(
    const strata_writebatch_t* batch, void* state,
    void (*put)(void* state, const char* k, size_t klen, const char* v,
                size_t vlen),
    void (*deleted)(void* state, const char* k, size_t klen),
    void (*deleted_range)(void* state, const char* begin, size_t beginlen,
                          const char* end, size_t endlen));

/* ---- Iterators --------------------------------------------------------- */

strata_iterator_t* strata_create_iterator(strata_t* db,
                                          const strata_readoptions_t* options);
void strata_iter_destroy(strata_iterator_t* it);
unsigned char strata_iter_valid(const strata_iterator_t* it);
void strata_iter_seek_to_first(strata_iterator_t* it);
void strata_iter_seek_to_last(strata_iterator_t* it);
void strata_iter_seek(strata_iterator_t* it, const char* key, size_t keylen);
void strata_iter_seek_for_prev(strata_iterator_t* it, const char* key,
                               size_t keylen);
void strata_iter_next(strata_iterator_t* it);
void strata_iter_prev(strata_iterator_t* it);
/* REQUIRES: strata_iter_valid. Valid until the iterator moves; not
 * NUL-terminated. */
const char* strata_iter_key(const strata_iterator_t* it, size_t* klen);
const char* strata_iter_value(const strata_iterator_t* it, size_t* vlen);
/* REQUIRES: strata_iter_valid. Versioned DBs: the entry's timestamp (0
 * otherwise). */
uint64_t strata_iter_timestamp(const strata_iterator_t* it);
/* REQUIRES: strata_iter_valid. 1 for a tombstone version (history
 * iterators with include_deleted only). */
unsigned char strata_iter_is_deleted(const strata_iterator_t* it);
/* The iterator's status: STRATA_OK, or its failure (and *errptr). */
strata_code_t strata_iter_get_error(const strata_iterator_t* it, char** errptr);

/* ---- Transactions (strata/transaction.h) ------------------------------- */

/* Optimistic ACID transactions: a transaction reads the snapshot taken
 * when it began plus its own writes, which it buffers and commits
 * atomically. strata_transaction_commit returns STRATA_BUSY on a conflict
 * (another writer committed a key it wrote — or, serializable, read —
 * after its snapshot): nothing was written, and the caller may run it
 * again in a new transaction. A transaction must be destroyed before its
 * DB is closed; destroying an open one rolls it back. A finished
 * (committed or rolled back) transaction refuses every call with
 * STRATA_INVALID_ARGUMENT. */

enum {
  strata_txn_read_write = 0,
  strata_txn_read_only = 1,  /* writes refused; never conflicts */
  strata_txn_write_only = 2, /* reads refused; commits like a batch */
};
enum {
  strata_isolation_snapshot = 0,
  strata_isolation_serializable = 1,
};

strata_txnoptions_t* strata_txnoptions_create(void);
void strata_txnoptions_destroy(strata_txnoptions_t* o);
/* One of the strata_txn_* modes; any other is refused by begin. */
void strata_txnoptions_set_mode(strata_txnoptions_t* o, int mode);
/* One of the strata_isolation_* levels; any other is refused by begin. */
void strata_txnoptions_set_isolation(strata_txnoptions_t* o, int isolation);
/* The write set's bound in bytes (default 256 MiB). */
void strata_txnoptions_set_max_write_bytes(strata_txnoptions_t* o,
                                           size_t bytes);

/* Begins a transaction at the current state. `write_options` (sync) is
 * the commit's durability; `txn_options` may be NULL (read-write,
 * snapshot isolation). NULL on failure (a bad mode or isolation), with
 * *errptr saying why. */
strata_transaction_t* strata_transaction_begin(
    strata_t* db, const strata_writeoptions_t* write_options,
    const strata_txnoptions_t* txn_options, char** errptr);
/* Rolls back an unfinished transaction and frees it. */
void strata_transaction_destroy(strata_transaction_t* txn);
/* As strata_get, at the transaction's snapshot with its own writes. The
 * options' snapshot must be unset. */
char* strata_transaction_get(strata_transaction_t* txn,
                             const strata_readoptions_t* options,
                             const char* key, size_t keylen, size_t* vallen,
                             strata_code_t* code, char** errptr);
/* strata_transaction_get, and the key joins the conflict check. */
char* strata_transaction_get_for_update(strata_transaction_t* txn,
                                        const strata_readoptions_t* options,
                                        const char* key, size_t keylen,
                                        size_t* vallen, strata_code_t* code,
                                        char** errptr);
strata_code_t strata_transaction_put(strata_transaction_t* txn, const char* key,
                                     size_t keylen, const char* val,
                                     size_t vallen, char** errptr);
strata_code_t strata_transaction_delete(strata_transaction_t* txn,
                                        const char* key, size_t keylen,
                                        char** errptr);
strata_code_t strata_transaction_delete_range(strata_transaction_t* txn,
                                              const char* begin,
                                              size_t beginlen, const char* end,
                                              size_t endlen, char** errptr);
/* Versioned DBs: writes at the caller's timestamp. */
strata_code_t strata_transaction_put_at(strata_transaction_t* txn,
                                        const char* key, size_t keylen,
                                        const char* val, size_t vallen,
                                        uint64_t ts, char** errptr);
strata_code_t strata_transaction_delete_at(strata_transaction_t* txn,
                                           const char* key, size_t keylen,
                                           uint64_t ts, char** errptr);
/* An iterator over the snapshot merged with the transaction's own writes;
 * destroy it before the transaction ends. */
strata_iterator_t* strata_transaction_create_iterator(
    strata_transaction_t* txn, const strata_readoptions_t* options);
strata_code_t strata_transaction_count(strata_transaction_t* txn,
                                       const strata_readoptions_t* options,
                                       const char* begin, size_t beginlen,
                                       const char* end, size_t endlen,
                                       uint64_t* count, char** errptr);
/* Marks the current state; rollback_to_savepoint returns to the newest
 * mark and removes it (STRATA_NOT_FOUND when none is set). */
void strata_transaction_set_savepoint(strata_transaction_t* txn);
strata_code_t strata_transaction_rollback_to_savepoint(
    strata_transaction_t* txn, char** errptr);
/* STRATA_BUSY on a conflict (nothing written). Finishes the transaction
 * either way. */
strata_code_t strata_transaction_commit(strata_transaction_t* txn,
                                        char** errptr);
strata_code_t strata_transaction_rollback(strata_transaction_t* txn,
                                          char** errptr);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* STRATA_C_H_ */
