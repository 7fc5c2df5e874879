// strata/c.h: the C API over the C++ one. Every function catches nothing
// because nothing below throws (the C++ API returns Status); allocation
// failure aborts, as everywhere in strata.

#include "strata/c.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capi/malloc_copy.h"
#include "strata/db.h"
#include "strata/iterator.h"
#include "strata/options.h"
#include "strata/status.h"
#include "strata/transaction.h"
#include "strata/write_batch.h"

using strata::CheckpointMetadata;
using strata::DB;
using strata::Iterator;
using strata::Options;
using strata::ReadOptions;
using strata::Slice;
using strata::Snapshot;
using strata::Status;
using strata::Transaction;
using strata::TransactionOptions;
using strata::WriteBatch;
using strata::WriteOptions;
using strata::capi::MallocCopy;

extern "C" {

struct strata_t {
  std::unique_ptr<DB> rep;
};
struct strata_options_t {
  Options rep;
};
struct strata_readoptions_t {
  ReadOptions rep;
};
struct strata_writeoptions_t {
  WriteOptions rep;
};
struct strata_writebatch_t {
  WriteBatch rep;
};
struct strata_iterator_t {
  std::unique_ptr<Iterator> rep;
};
struct strata_snapshot_t {
  const Snapshot* rep;
};
struct strata_txnoptions_t {
  // Kept as given and checked at begin: an unknown value never reaches
  // the C++ enums.
  int mode = strata_txn_read_write;
  int isolation = strata_isolation_snapshot;
  size_t max_write_bytes = TransactionOptions().max_write_bytes;
};
struct strata_transaction_t {
  std::unique_ptr<Transaction> rep;
};

}  // extern "C"

namespace {

strata_code_t CodeOf(const Status& s) {
  if (s.ok()) return STRATA_OK;
  if (s.IsNotFound()) return STRATA_NOT_FOUND;
  if (s.IsCorruption()) return STRATA_CORRUPTION;
  if (s.IsNotSupported()) return STRATA_NOT_SUPPORTED;
  if (s.IsInvalidArgument()) return STRATA_INVALID_ARGUMENT;
  if (s.IsBusy()) return STRATA_BUSY;
  if (s.IsTryAgain()) return STRATA_TRY_AGAIN;
  return STRATA_IO_ERROR;
}

// Stores a failure's message in *errptr (replacing one left there) and
// returns its code.
strata_code_t SaveError(char** errptr, const Status& s) {
  if (s.ok()) return STRATA_OK;
  if (errptr != nullptr) {
    std::free(*errptr);
    *errptr = MallocCopy(s.ToString());
  }
  return CodeOf(s);
}

// A value read by Get or GetForUpdate, returned as strata_get does.
char* ReturnValue(const Status& s, const std::string& value, size_t* vallen,
                  strata_code_t* code, char** errptr) {
  if (code != nullptr) *code = CodeOf(s);
  *vallen = 0;
  if (s.IsNotFound()) return nullptr;  // absent: no error message
  if (!s.ok()) {
    SaveError(errptr, s);
    return nullptr;
  }
  *vallen = value.size();
  return MallocCopy(value.data(), value.size());
}

// Hands a batch's operations to C callbacks.
class CallbackHandler : public WriteBatch::Handler {
 public:
  using PutFn = void (*)(void*, const char*, size_t, const char*, size_t);
  using DeleteFn = void (*)(void*, const char*, size_t);
  using DeleteRangeFn = void (*)(void*, const char*, size_t, const char*,
                                 size_t);

  CallbackHandler(void* state, PutFn put, DeleteFn deleted,
                  DeleteRangeFn deleted_range)
      : state_(state),
        put_(put),
        deleted_(deleted),
        deleted_range_(deleted_range) {}

  void Put(const Slice& key, const Slice& value) override {
    put_(state_, key.data(), key.size(), value.data(), value.size());
  }
  void Delete(const Slice& key) override {
    deleted_(state_, key.data(), key.size());
  }
  void DeleteRange(const Slice& begin, const Slice& end) override {
    if (deleted_range_ != nullptr) {
      deleted_range_(state_, begin.data(), begin.size(), end.data(),
                     end.size());
    }
  }
  void Purge(const Slice& key) override { Delete(key); }
  void Replace(const Slice& key, const Slice& value) override {
    Put(key, value);
  }

 private:
  void* state_;
  PutFn put_;
  DeleteFn deleted_;
  DeleteRangeFn deleted_range_;
};

}  // namespace

extern "C" {

int strata_major_version(void) { return STRATA_VERSION_MAJOR; }
int strata_minor_version(void) { return STRATA_VERSION_MINOR; }
int strata_patch_version(void) { return STRATA_VERSION_PATCH; }

void strata_free(void* ptr) { std::free(ptr); }

// ---- Options --------------------------------------------------------------

strata_options_t* strata_options_create(void) { return new strata_options_t; }
void strata_options_destroy(strata_options_t* o) { delete o; }
void strata_options_set_create_if_missing(strata_options_t* o,
                                          unsigned char v) {
  o->rep.create_if_missing = v != 0;
}
void strata_options_set_error_if_exists(strata_options_t* o, unsigned char v) {
  o->rep.error_if_exists = v != 0;
}
void strata_options_set_paranoid_checks(strata_options_t* o, unsigned char v) {
  o->rep.paranoid_checks = v != 0;
}
void strata_options_set_write_buffer_size(strata_options_t* o, size_t bytes) {
  o->rep.write_buffer_size = bytes;
}
void strata_options_set_max_write_buffer_number(strata_options_t* o, int n) {
  o->rep.max_write_buffer_number = n;
}
void strata_options_set_max_open_files(strata_options_t* o, int n) {
  o->rep.max_open_files = n;
}
void strata_options_set_block_size(strata_options_t* o, size_t bytes) {
  o->rep.block_size = bytes;
}
void strata_options_set_block_restart_interval(strata_options_t* o, int n) {
  o->rep.block_restart_interval = n;
}

void strata_options_set_compression_unit_size(strata_options_t* o,
                                              size_t bytes) {
  o->rep.compression_unit_size = bytes;
}
void strata_options_set_block_page_size(strata_options_t* o, size_t bytes) {
  o->rep.block_page_size = bytes;
}
void strata_options_set_bloom_bits_per_key(strata_options_t* o, int bits) {
  o->rep.bloom_bits_per_key = bits;
}
void strata_options_set_block_cache_capacity(strata_options_t* o,
                                             size_t bytes) {
  o->rep.block_cache_capacity = bytes;
}
void strata_options_set_compression(strata_options_t* o, int compression) {
  // An unknown value stays unknown (never wraps onto a known one):
  // Options::Validate refuses it at open.
  const int known =
      compression >= 0 && compression <= 0xff ? compression : 0xff;
  o->rep.compression =
      static_cast<strata::Compression>(static_cast<uint8_t>(known));
}
void strata_options_set_num_levels(strata_options_t* o, int n) {
  o->rep.num_levels = n;
}
void strata_options_set_allow_mmap_reads(strata_options_t* o, unsigned char v) {
  o->rep.allow_mmap_reads = v != 0;
}
void strata_options_set_allow_mmap_writes(strata_options_t* o,
                                          unsigned char v) {
  o->rep.allow_mmap_writes = v != 0;
}
void strata_options_set_enable_versioning(strata_options_t* o,
                                          unsigned char v) {
  o->rep.enable_versioning = v != 0;
}
void strata_options_set_enable_value_log(strata_options_t* o, unsigned char v) {
  o->rep.enable_value_log = v != 0;
}
void strata_options_set_value_log_threshold(strata_options_t* o, size_t bytes) {
  o->rep.value_log_threshold = bytes;
}
void strata_options_set_version_retention(strata_options_t* o, uint64_t ns) {
  // Past what nanoseconds hold: as long as they can say (Validate judges).
  const uint64_t max = static_cast<uint64_t>(
      std::numeric_limits<std::chrono::nanoseconds::rep>::max());
  o->rep.version_retention = std::chrono::nanoseconds(
      static_cast<std::chrono::nanoseconds::rep>(ns < max ? ns : max));
}
void strata_options_set_compaction_style(strata_options_t* o, int style) {
  const int known = style >= 0 && style <= 0xff ? style : 0xff;
  o->rep.compaction_style =
      static_cast<strata::CompactionStyle>(static_cast<uint8_t>(known));
}
void strata_options_set_max_background_jobs(strata_options_t* o, int n) {
  o->rep.max_background_jobs = n;
}
void strata_options_set_target_file_size(strata_options_t* o, size_t bytes) {
  o->rep.target_file_size = bytes;
}
void strata_options_set_max_bytes_for_level_base(strata_options_t* o,
                                                 uint64_t bytes) {
  o->rep.max_bytes_for_level_base = bytes;
}
void strata_options_set_level0_compaction_trigger(strata_options_t* o, int n) {
  o->rep.level0_compaction_trigger = n;
}
void strata_options_set_level0_slowdown_writes_trigger(strata_options_t* o,
                                                       int n) {
  o->rep.level0_slowdown_writes_trigger = n;
}
void strata_options_set_level0_stop_writes_trigger(strata_options_t* o, int n) {
  o->rep.level0_stop_writes_trigger = n;
}
void strata_options_set_level0_idle_compaction_ms(strata_options_t* o,
                                                  uint64_t ms) {
  o->rep.level0_idle_compaction_ms = ms;
}
void strata_options_set_read_compaction_bytes(strata_options_t* o,
                                              uint64_t bytes) {
  o->rep.read_compaction_bytes = bytes;
}
void strata_options_set_flush_on_close(strata_options_t* o, unsigned char v) {
  o->rep.flush_on_close = v != 0;
}
void strata_options_set_max_transaction_index_bytes(strata_options_t* o,
                                                    size_t bytes) {
  o->rep.max_transaction_index_bytes = bytes;
}
void strata_options_set_value_log_gc_discard_ratio(strata_options_t* o,
                                                   double ratio) {
  o->rep.value_log_gc_discard_ratio = ratio;
}

strata_readoptions_t* strata_readoptions_create(void) {
  return new strata_readoptions_t;
}
void strata_readoptions_destroy(strata_readoptions_t* o) { delete o; }
void strata_readoptions_set_verify_checksums(strata_readoptions_t* o,
                                             unsigned char v) {
  o->rep.verify_checksums = v != 0;
}
void strata_readoptions_set_fill_cache(strata_readoptions_t* o,
                                       unsigned char v) {
  o->rep.fill_cache = v != 0;
}
void strata_readoptions_set_snapshot(strata_readoptions_t* o,
                                     const strata_snapshot_t* snapshot) {
  o->rep.snapshot = snapshot != nullptr ? snapshot->rep : nullptr;
}
void strata_readoptions_set_lower_bound(strata_readoptions_t* o,
                                        const char* key, size_t keylen) {
  if (key == nullptr) {
    o->rep.lower_bound.reset();
  } else {
    o->rep.lower_bound = std::string(key, keylen);
  }
}
void strata_readoptions_set_upper_bound(strata_readoptions_t* o,
                                        const char* key, size_t keylen) {
  if (key == nullptr) {
    o->rep.upper_bound.reset();
  } else {
    o->rep.upper_bound = std::string(key, keylen);
  }
}
void strata_readoptions_set_keys_only(strata_readoptions_t* o,
                                      unsigned char v) {
  o->rep.keys_only = v != 0;
}
void strata_readoptions_set_as_of(strata_readoptions_t* o, uint64_t ts) {
  if (ts == 0) {
    o->rep.as_of.reset();
  } else {
    o->rep.as_of = ts;
  }
}

void strata_readoptions_set_all_versions(strata_readoptions_t* o,
                                         unsigned char v) {
  o->rep.all_versions = v != 0;
}
void strata_readoptions_set_include_deleted(strata_readoptions_t* o,
                                            unsigned char v) {
  o->rep.include_deleted = v != 0;
}
void strata_readoptions_set_history_range(strata_readoptions_t* o,
                                          uint64_t from, uint64_t to) {
  o->rep.history_from.reset();
  o->rep.history_to.reset();
  if (from != 0) o->rep.history_from = from;
  if (to != 0) o->rep.history_to = to;
}
void strata_readoptions_set_history_limit(strata_readoptions_t* o, uint64_t n) {
  o->rep.history_limit = n;
}

strata_writeoptions_t* strata_writeoptions_create(void) {
  return new strata_writeoptions_t;
}
void strata_writeoptions_destroy(strata_writeoptions_t* o) { delete o; }
void strata_writeoptions_set_sync(strata_writeoptions_t* o, unsigned char v) {
  o->rep.sync = v != 0;
}

// ---- The DB ---------------------------------------------------------------

strata_t* strata_open(const strata_options_t* options, const char* path,
                      char** errptr) {
  std::unique_ptr<DB> db;
  const Status s = DB::Open(options->rep, path, &db);
  if (!s.ok()) {
    SaveError(errptr, s);
    return nullptr;
  }
  auto* result = new strata_t;
  result->rep = std::move(db);
  return result;
}

void strata_close(strata_t* db) {
  if (db == nullptr) return;
  (void)db->rep->Close();
  delete db;
}

strata_code_t strata_put(strata_t* db, const strata_writeoptions_t* options,
                         const char* key, size_t keylen, const char* val,
                         size_t vallen, char** errptr) {
  return SaveError(errptr, db->rep->Put(options->rep, Slice(key, keylen),
                                        Slice(val, vallen)));
}

strata_code_t strata_delete(strata_t* db, const strata_writeoptions_t* options,
                            const char* key, size_t keylen, char** errptr) {
  return SaveError(errptr, db->rep->Delete(options->rep, Slice(key, keylen)));
}

strata_code_t strata_delete_range(strata_t* db,
                                  const strata_writeoptions_t* options,
                                  const char* begin, size_t beginlen,
                                  const char* end, size_t endlen,
                                  char** errptr) {
  return SaveError(errptr,
                   db->rep->DeleteRange(options->rep, Slice(begin, beginlen),
                                        Slice(end, endlen)));
}

strata_code_t strata_write(strata_t* db, const strata_writeoptions_t* options,
                           strata_writebatch_t* batch, char** errptr) {
  return SaveError(errptr, db->rep->Write(options->rep, &batch->rep));
}

char* strata_get(strata_t* db, const strata_readoptions_t* options,
                 const char* key, size_t keylen, size_t* vallen,
                 strata_code_t* code, char** errptr) {
  std::string value;
  const Status s = db->rep->Get(options->rep, Slice(key, keylen), &value);
  return ReturnValue(s, value, vallen, code, errptr);
}

strata_code_t strata_count(strata_t* db, const strata_readoptions_t* options,
                           const char* begin, size_t beginlen, const char* end,
                           size_t endlen, uint64_t* count, char** errptr) {
  return SaveError(errptr, db->rep->Count(options->rep, Slice(begin, beginlen),
                                          Slice(end, endlen), count));
}

strata_code_t strata_approximate_sizes(strata_t* db, int n,
                                       const char* const* start,
                                       const size_t* start_len,
                                       const char* const* limit,
                                       const size_t* limit_len, uint64_t* sizes,
                                       char** errptr) {
  std::vector<strata::Range> ranges(n > 0 ? static_cast<size_t>(n) : 0);
  for (size_t i = 0; i < ranges.size(); ++i) {
    ranges[i] = strata::Range(Slice(start[i], start_len[i]),
                              Slice(limit[i], limit_len[i]));
  }
  return SaveError(errptr,
                   db->rep->GetApproximateSizes(ranges.data(), n, sizes));
}

const strata_snapshot_t* strata_create_snapshot(strata_t* db) {
  const Snapshot* s = db->rep->GetSnapshot();
  if (s == nullptr) return nullptr;
  auto* result = new strata_snapshot_t;
  result->rep = s;
  return result;
}

void strata_release_snapshot(strata_t* db, const strata_snapshot_t* snapshot) {
  if (snapshot == nullptr) return;
  db->rep->ReleaseSnapshot(snapshot->rep);
  delete snapshot;
}

char* strata_property_value(strata_t* db, const char* name) {
  std::string value;
  if (!db->rep->GetProperty(name, &value)) return nullptr;
  return MallocCopy(value);
}

strata_code_t strata_flush(strata_t* db, char** errptr) {
  return SaveError(errptr, db->rep->Flush());
}

strata_code_t strata_compact_range(strata_t* db, const char* begin,
                                   size_t beginlen, const char* end,
                                   size_t endlen, char** errptr) {
  const Slice b(begin != nullptr ? begin : "", beginlen);
  const Slice e(end != nullptr ? end : "", endlen);
  return SaveError(errptr,
                   db->rep->CompactRange(begin != nullptr ? &b : nullptr,
                                         end != nullptr ? &e : nullptr));
}

strata_code_t strata_flush_wal(strata_t* db, unsigned char sync,
                               char** errptr) {
  return SaveError(errptr, db->rep->FlushWAL(sync != 0));
}

strata_code_t strata_verify_checksums(strata_t* db, char** errptr) {
  return SaveError(errptr, db->rep->VerifyChecksums());
}

strata_code_t strata_create_checkpoint(strata_t* db, const char* dir,
                                       uint64_t* sequence, char** errptr) {
  CheckpointMetadata meta;
  const Status s = db->rep->CreateCheckpoint(dir, &meta);
  if (s.ok() && sequence != nullptr) *sequence = meta.sequence;
  return SaveError(errptr, s);
}

strata_code_t strata_restore_from_checkpoint(strata_t* db,
                                             const char* checkpoint_dir,
                                             char** errptr) {
  return SaveError(errptr, db->rep->RestoreFromCheckpoint(checkpoint_dir));
}

strata_code_t strata_destroy_db(const strata_options_t* options,
                                const char* path, char** errptr) {
  return SaveError(errptr, strata::DestroyDB(path, options->rep));
}

strata_code_t strata_repair_db(const strata_options_t* options,
                               const char* path, char** errptr) {
  return SaveError(errptr, strata::RepairDB(path, options->rep));
}

strata_code_t strata_restore_db(const strata_options_t* options,
                                const char* checkpoint_dir, const char* db_path,
                                char** errptr) {
  return SaveError(errptr, strata::RestoreFromCheckpoint(
                               checkpoint_dir, db_path, options->rep));
}

// ---- Write batches --------------------------------------------------------

strata_writebatch_t* strata_writebatch_create(void) {
  return new strata_writebatch_t;
}
void strata_writebatch_destroy(strata_writebatch_t* b) { delete b; }
void strata_writebatch_clear(strata_writebatch_t* b) { b->rep.Clear(); }
void strata_writebatch_put(strata_writebatch_t* b, const char* key,
                           size_t keylen, const char* val, size_t vallen) {
  b->rep.Put(Slice(key, keylen), Slice(val, vallen));
}
void strata_writebatch_delete(strata_writebatch_t* b, const char* key,
                              size_t keylen) {
  b->rep.Delete(Slice(key, keylen));
}
void strata_writebatch_delete_range(strata_writebatch_t* b, const char* begin,
                                    size_t beginlen, const char* end,
                                    size_t endlen) {
  b->rep.DeleteRange(Slice(begin, beginlen), Slice(end, endlen));
}
void strata_writebatch_put_at(strata_writebatch_t* b, const char* key,
                              size_t keylen, const char* val, size_t vallen,
                              uint64_t ts) {
  b->rep.PutAt(Slice(key, keylen), Slice(val, vallen), ts);
}
void strata_writebatch_delete_at(strata_writebatch_t* b, const char* key,
                                 size_t keylen, uint64_t ts) {
  b->rep.DeleteAt(Slice(key, keylen), ts);
}
void strata_writebatch_delete_range_at(strata_writebatch_t* b,
                                       const char* begin, size_t beginlen,
                                       const char* end, size_t endlen,
                                       uint64_t ts) {
  b->rep.DeleteRangeAt(Slice(begin, beginlen), Slice(end, endlen), ts);
}
void strata_writebatch_purge(strata_writebatch_t* b, const char* key,
                             size_t keylen) {
  b->rep.Purge(Slice(key, keylen));
}
void strata_writebatch_replace(strata_writebatch_t* b, const char* key,
                               size_t keylen, const char* val, size_t vallen) {
  b->rep.Replace(Slice(key, keylen), Slice(val, vallen));
}
int strata_writebatch_count(const strata_writebatch_t* b) {
  return static_cast<int>(b->rep.Count());
}
void strata_writebatch_append(strata_writebatch_t* destination,
                              const strata_writebatch_t* source) {
  destination->rep.Append(source->rep);
}
void strata_writebatch_iterate(const strata_writebatch_t* b, void* state,
                               void (*put)(void*, const char*, size_t,
                                           const char*, size_t),
                               void (*deleted)(void*, const char*, size_t),
                               void (*deleted_range)(void*, const char*, size_t,
                                                     const char*, size_t)) {
  CallbackHandler handler(state, put, deleted, deleted_range);
  // A batch built in memory always decodes.
  (void)b->rep.Iterate(&handler);
}

// ---- Iterators ------------------------------------------------------------

strata_iterator_t* strata_create_iterator(strata_t* db,
                                          const strata_readoptions_t* options) {
  auto* it = new strata_iterator_t;
  it->rep = db->rep->NewIterator(options->rep);
  return it;
}
void strata_iter_destroy(strata_iterator_t* it) { delete it; }
unsigned char strata_iter_valid(const strata_iterator_t* it) {
  return it->rep->Valid() ? 1 : 0;
}
void strata_iter_seek_to_first(strata_iterator_t* it) {
  it->rep->SeekToFirst();
}
void strata_iter_seek_to_last(strata_iterator_t* it) { it->rep->SeekToLast(); }
void strata_iter_seek(strata_iterator_t* it, const char* key, size_t keylen) {
  it->rep->Seek(Slice(key, keylen));
}
void strata_iter_seek_for_prev(strata_iterator_t* it, const char* key,
                               size_t keylen) {
  it->rep->SeekForPrev(Slice(key, keylen));
}
void strata_iter_next(strata_iterator_t* it) { it->rep->Next(); }
void strata_iter_prev(strata_iterator_t* it) { it->rep->Prev(); }
const char* strata_iter_key(const strata_iterator_t* it, size_t* klen) {
  const Slice k = it->rep->key();
  *klen = k.size();
  return k.data();
}
const char* strata_iter_value(const strata_iterator_t* it, size_t* vlen) {
  const Slice v = it->rep->value();
  *vlen = v.size();
  return v.data();
}
uint64_t strata_iter_timestamp(const strata_iterator_t* it) {
  return it->rep->timestamp();
}
unsigned char strata_iter_is_deleted(const strata_iterator_t* it) {
  return it->rep->IsDeleted() ? 1 : 0;
}
strata_code_t strata_iter_get_error(const strata_iterator_t* it,
                                    char** errptr) {
  return SaveError(errptr, it->rep->status());
}

// ---- Transactions ---------------------------------------------------------

strata_txnoptions_t* strata_txnoptions_create(void) {
  return new strata_txnoptions_t;
}
void strata_txnoptions_destroy(strata_txnoptions_t* o) { delete o; }
void strata_txnoptions_set_mode(strata_txnoptions_t* o, int mode) {
  o->mode = mode;
}
void strata_txnoptions_set_isolation(strata_txnoptions_t* o, int isolation) {
  o->isolation = isolation;
}
void strata_txnoptions_set_max_write_bytes(strata_txnoptions_t* o,
                                           size_t bytes) {
  o->max_write_bytes = bytes;
}

strata_transaction_t* strata_transaction_begin(
    strata_t* db, const strata_writeoptions_t* write_options,
    const strata_txnoptions_t* txn_options, char** errptr) {
  const strata_txnoptions_t defaults;
  const strata_txnoptions_t& o =
      txn_options != nullptr ? *txn_options : defaults;
  if (o.mode < strata_txn_read_write || o.mode > strata_txn_write_only) {
    SaveError(errptr,
              Status::InvalidArgument("transaction mode", "unknown value"));
    return nullptr;
  }
  if (o.isolation != strata_isolation_snapshot &&
      o.isolation != strata_isolation_serializable) {
    SaveError(errptr, Status::InvalidArgument("transaction isolation",
                                              "unknown value"));
    return nullptr;
  }
  TransactionOptions options;
  options.mode = static_cast<strata::TransactionMode>(o.mode);
  options.isolation = static_cast<strata::IsolationLevel>(o.isolation);
  options.max_write_bytes = o.max_write_bytes;
  auto* txn = new strata_transaction_t;
  txn->rep = db->rep->BeginTransaction(write_options->rep, options);
  return txn;
}
void strata_transaction_destroy(strata_transaction_t* txn) { delete txn; }

char* strata_transaction_get(strata_transaction_t* txn,
                             const strata_readoptions_t* options,
                             const char* key, size_t keylen, size_t* vallen,
                             strata_code_t* code, char** errptr) {
  std::string value;
  const Status s = txn->rep->Get(options->rep, Slice(key, keylen), &value);
  return ReturnValue(s, value, vallen, code, errptr);
}
char* strata_transaction_get_for_update(strata_transaction_t* txn,
                                        const strata_readoptions_t* options,
                                        const char* key, size_t keylen,
                                        size_t* vallen, strata_code_t* code,
                                        char** errptr) {
  std::string value;
  const Status s =
      txn->rep->GetForUpdate(options->rep, Slice(key, keylen), &value);
  return ReturnValue(s, value, vallen, code, errptr);
}
strata_code_t strata_transaction_put(strata_transaction_t* txn, const char* key,
                                     size_t keylen, const char* val,
                                     size_t vallen, char** errptr) {
  return SaveError(errptr,
                   txn->rep->Put(Slice(key, keylen), Slice(val, vallen)));
}
strata_code_t strata_transaction_delete(strata_transaction_t* txn,
                                        const char* key, size_t keylen,
                                        char** errptr) {
  return SaveError(errptr, txn->rep->Delete(Slice(key, keylen)));
}
strata_code_t strata_transaction_delete_range(strata_transaction_t* txn,
                                              const char* begin,
                                              size_t beginlen, const char* end,
                                              size_t endlen, char** errptr) {
  return SaveError(errptr, txn->rep->DeleteRange(Slice(begin, beginlen),
                                                 Slice(end, endlen)));
}
strata_code_t strata_transaction_put_at(strata_transaction_t* txn,
                                        const char* key, size_t keylen,
                                        const char* val, size_t vallen,
                                        uint64_t ts, char** errptr) {
  return SaveError(errptr,
                   txn->rep->PutAt(Slice(key, keylen), Slice(val, vallen), ts));
}
strata_code_t strata_transaction_delete_at(strata_transaction_t* txn,
                                           const char* key, size_t keylen,
                                           uint64_t ts, char** errptr) {
  return SaveError(errptr, txn->rep->DeleteAt(Slice(key, keylen), ts));
}
strata_iterator_t* strata_transaction_create_iterator(
    strata_transaction_t* txn, const strata_readoptions_t* options) {
  auto* it = new strata_iterator_t;
  it->rep = txn->rep->NewIterator(options->rep);
  return it;
}
strata_code_t strata_transaction_count(strata_transaction_t* txn,
                                       const strata_readoptions_t* options,
                                       const char* begin, size_t beginlen,
                                       const char* end, size_t endlen,
                                       uint64_t* count, char** errptr) {
  return SaveError(errptr, txn->rep->Count(options->rep, Slice(begin, beginlen),
                                           Slice(end, endlen), count));
}
void strata_transaction_set_savepoint(strata_transaction_t* txn) {
  txn->rep->SetSavePoint();
}
strata_code_t strata_transaction_rollback_to_savepoint(
    strata_transaction_t* txn, char** errptr) {
  return SaveError(errptr, txn->rep->RollbackToSavePoint());
}
strata_code_t strata_transaction_commit(strata_transaction_t* txn,
                                        char** errptr) {
  return SaveError(errptr, txn->rep->Commit());
}
strata_code_t strata_transaction_rollback(strata_transaction_t* txn,
                                          char** errptr) {
  return SaveError(errptr, txn->rep->Rollback());
}

}  // extern "C"
