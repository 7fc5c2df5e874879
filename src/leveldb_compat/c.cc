// strata/compat/leveldb/c.h: LevelDB 1.23's C API over strata's C++ API
// (libstrata-leveldb).
// The header lists where strata's behaviour differs; this file follows
// LevelDB's c.cc function by function otherwise.

#include "strata/compat/leveldb/c.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "capi/malloc_copy.h"
#include "strata/comparator.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/iterator.h"
#include "strata/options.h"
#include "strata/status.h"
#include "strata/write_batch.h"

using strata::Comparator;
using strata::DB;
using strata::Env;
using strata::Iterator;
using strata::Options;
using strata::Range;
using strata::ReadOptions;
using strata::Slice;
using strata::Snapshot;
using strata::Status;
using strata::WriteBatch;
using strata::WriteOptions;
using strata::capi::MallocCopy;

namespace {

// LevelDB's defaults where its C API lets a program see them.
constexpr size_t kLevelDBWriteBufferSize = 4 << 20;
constexpr size_t kLevelDBCacheCapacity = 8 << 20;
// The largest keys and values strata takes (Options::Validate).
constexpr size_t kMaxKeySize = size_t{2} << 20;
constexpr size_t kMaxValueSize = size_t{60} << 20;
// strata's bloom filter when a program asks for one it cannot have.
constexpr int kDefaultBloomBits = 10;

}  // namespace

extern "C" {

struct leveldb_t {
  std::unique_ptr<DB> rep;
};
struct leveldb_iterator_t {
  std::unique_ptr<Iterator> rep;
};
struct leveldb_writebatch_t {
  WriteBatch rep;
};
struct leveldb_snapshot_t {
  const Snapshot* rep;
};
struct leveldb_readoptions_t {
  ReadOptions rep;
};
struct leveldb_writeoptions_t {
  WriteOptions rep;
};
struct leveldb_cache_t {
  size_t capacity;
};
struct leveldb_env_t {
  Env* rep;
  bool is_default;
};
// leveldb_logger_t, leveldb_filelock_t, leveldb_randomfile_t,
// leveldb_seqfile_t and leveldb_writablefile_t stay incomplete: no function
// of the API makes one (the header declares them for source compatibility).

struct leveldb_comparator_t : public Comparator {
  void* state;
  void (*destructor)(void*);
  int (*compare)(void*, const char* a, size_t alen, const char* b, size_t blen);
  const char* (*name)(void*);

  ~leveldb_comparator_t() override {
    if (destructor != nullptr) destructor(state);
  }
  int Compare(const Slice& a, const Slice& b) const override {
    return compare(state, a.data(), a.size(), b.data(), b.size());
  }
  const char* Name() const override { return name(state); }
  // No key shortening, as in LevelDB's C API.
  void FindShortestSeparator(std::string*, const Slice&) const override {}
  void FindShortSuccessor(std::string*) const override {}
};

struct leveldb_filterpolicy_t {
  void* state;
  void (*destructor)(void*);
  // Kept for the record; strata never calls them (see the header).
  char* (*create_filter)(void*, const char* const* key_array,
                         const size_t* key_length_array, int num_keys,
                         size_t* filter_length);
  uint8_t (*key_may_match)(void*, const char* key, size_t length,
                           const char* filter, size_t filter_length);
  const char* (*name)(void*);
  // leveldb_filterpolicy_create_bloom's bits per key; -1 for a custom one.
  int bloom_bits;
};

struct leveldb_options_t {
  Options rep;
  const leveldb_comparator_t* comparator = nullptr;
  const leveldb_filterpolicy_t* filter_policy = nullptr;
  // leveldb_options_set_max_file_size was called: the size is clipped as
  // LevelDB clips it; otherwise strata derives it from the write buffer.
  bool max_file_size_set = false;
};

}  // extern "C"

namespace {

// The status as LevelDB's Status::ToString spells it.
std::string LevelDBText(const Status& s) {
  const char* prefix = "IO error: ";
  if (s.IsNotFound()) {
    prefix = "NotFound: ";
  } else if (s.IsCorruption()) {
    prefix = "Corruption: ";
  } else if (s.IsNotSupported()) {
    prefix = "Not implemented: ";
  } else if (s.IsInvalidArgument()) {
    prefix = "Invalid argument: ";
  }
  std::string text = prefix;
  text.append(s.message());
  return text;
}

// LevelDB's SaveError: false on success, leaving *errptr as it was.
bool SaveError(char** errptr, const Status& s) {
  if (s.ok()) return false;
  std::free(*errptr);
  *errptr = MallocCopy(LevelDBText(s));
  return true;
}

template <typename T>
void ClipToRange(T* value, T low, T high) {
  if (*value < low) *value = low;
  if (*value > high) *value = high;
}

// The options a DB is opened with: the program's, clipped to the ranges
// LevelDB clips them to (its SanitizeOptions), with the filter chosen as
// the header says.
Options Resolve(const leveldb_options_t& o) {
  Options options = o.rep;
  ClipToRange(&options.max_open_files, 64 + 10, 50000);
  ClipToRange(&options.write_buffer_size, size_t{64} << 10, size_t{1} << 30);
  if (o.max_file_size_set) {
    ClipToRange(&options.target_file_size, size_t{1} << 20, size_t{1} << 30);
  }
  ClipToRange(&options.block_size, size_t{1} << 10, size_t{4} << 20);
  options.comparator = o.comparator;
  const bool custom_order = o.comparator != nullptr;
  if (o.filter_policy != nullptr && o.filter_policy->bloom_bits >= 0) {
    options.bloom_bits_per_key = o.filter_policy->bloom_bits;
  } else if (custom_order) {
    // Equal keys under a custom order may differ in bytes; a filter on
    // the bytes could then hide one.
    options.bloom_bits_per_key = 0;
  } else {
    options.bloom_bits_per_key = kDefaultBloomBits;
  }
  return options;
}

}  // namespace

extern "C" {

leveldb_t* leveldb_open(const leveldb_options_t* options, const char* name,
                        char** errptr) {
  std::unique_ptr<DB> db;
  if (SaveError(errptr, DB::Open(Resolve(*options), name, &db))) {
    return nullptr;
  }
  auto* result = new leveldb_t;
  result->rep = std::move(db);
  return result;
}

void leveldb_close(leveldb_t* db) {
  (void)db->rep->Close();
  delete db;
}

void leveldb_put(leveldb_t* db, const leveldb_writeoptions_t* options,
                 const char* key, size_t keylen, const char* val, size_t vallen,
                 char** errptr) {
  SaveError(errptr,
            db->rep->Put(options->rep, Slice(key, keylen), Slice(val, vallen)));
}

void leveldb_delete(leveldb_t* db, const leveldb_writeoptions_t* options,
                    const char* key, size_t keylen, char** errptr) {
  if (keylen == 0) return;  // no empty key is ever stored
  SaveError(errptr, db->rep->Delete(options->rep, Slice(key, keylen)));
}

void leveldb_write(leveldb_t* db, const leveldb_writeoptions_t* options,
                   leveldb_writebatch_t* batch, char** errptr) {
  SaveError(errptr, db->rep->Write(options->rep, &batch->rep));
}

char* leveldb_get(leveldb_t* db, const leveldb_readoptions_t* options,
                  const char* key, size_t keylen, size_t* vallen,
                  char** errptr) {
  std::string value;
  const Status s = keylen == 0  // no empty key is ever stored
                       ? Status::NotFound(Slice())
                       : db->rep->Get(options->rep, Slice(key, keylen), &value);
  if (s.ok()) {
    *vallen = value.size();
    return MallocCopy(value);
  }
  *vallen = 0;
  if (!s.IsNotFound()) SaveError(errptr, s);
  return nullptr;
}

leveldb_iterator_t* leveldb_create_iterator(
    leveldb_t* db, const leveldb_readoptions_t* options) {
  auto* result = new leveldb_iterator_t;
  result->rep = db->rep->NewIterator(options->rep);
  return result;
}

const leveldb_snapshot_t* leveldb_create_snapshot(leveldb_t* db) {
  auto* result = new leveldb_snapshot_t;
  result->rep = db->rep->GetSnapshot();
  return result;
}

void leveldb_release_snapshot(leveldb_t* db,
                              const leveldb_snapshot_t* snapshot) {
  if (snapshot->rep != nullptr) db->rep->ReleaseSnapshot(snapshot->rep);
  delete snapshot;
}

char* leveldb_property_value(leveldb_t* db, const char* propname) {
  constexpr std::string_view kPrefix = "leveldb.";
  const std::string_view name(propname);
  if (name.substr(0, kPrefix.size()) != kPrefix) return nullptr;
  const std::string rest(name.substr(kPrefix.size()));
  std::string value;
  if (rest == "approximate-memory-usage") {
    // LevelDB's: the memtables and the block cache.
    std::string mem;
    std::string cache;
    if (!db->rep->GetProperty("strata.size-all-mem-tables", &mem) ||
        !db->rep->GetProperty("strata.block-cache-usage", &cache)) {
      return nullptr;
    }
    value = std::to_string(std::strtoull(mem.c_str(), nullptr, 10) +
                           std::strtoull(cache.c_str(), nullptr, 10));
  } else if (!db->rep->GetProperty("strata." + rest, &value)) {
    return nullptr;
  }
  return MallocCopy(value);
}

void leveldb_approximate_sizes(leveldb_t* db, int num_ranges,
                               const char* const* range_start_key,
                               const size_t* range_start_key_len,
                               const char* const* range_limit_key,
                               const size_t* range_limit_key_len,
                               uint64_t* sizes) {
  if (num_ranges <= 0) return;
  std::vector<Range> ranges(static_cast<size_t>(num_ranges));
  for (size_t i = 0; i < ranges.size(); ++i) {
    ranges[i].start = Slice(range_start_key[i], range_start_key_len[i]);
    ranges[i].limit = Slice(range_limit_key[i], range_limit_key_len[i]);
  }
  if (!db->rep->GetApproximateSizes(ranges.data(), num_ranges, sizes).ok()) {
    std::memset(sizes, 0, sizeof(uint64_t) * ranges.size());
  }
}

void leveldb_compact_range(leveldb_t* db, const char* start_key,
                           size_t start_key_len, const char* limit_key,
                           size_t limit_key_len) {
  Slice a;
  Slice b;
  if (start_key != nullptr) a = Slice(start_key, start_key_len);
  if (limit_key != nullptr) b = Slice(limit_key, limit_key_len);
  // LevelDB's returns nothing either.
  (void)db->rep->CompactRange(start_key != nullptr ? &a : nullptr,
                              limit_key != nullptr ? &b : nullptr);
}

void leveldb_destroy_db(const leveldb_options_t* options, const char* name,
                        char** errptr) {
  SaveError(errptr, strata::DestroyDB(name, Resolve(*options)));
}

void leveldb_repair_db(const leveldb_options_t* options, const char* name,
                       char** errptr) {
  SaveError(errptr, strata::RepairDB(name, Resolve(*options)));
}

void leveldb_iter_destroy(leveldb_iterator_t* iter) { delete iter; }

uint8_t leveldb_iter_valid(const leveldb_iterator_t* iter) {
  return iter->rep->Valid() ? 1 : 0;
}

void leveldb_iter_seek_to_first(leveldb_iterator_t* iter) {
  iter->rep->SeekToFirst();
}

void leveldb_iter_seek_to_last(leveldb_iterator_t* iter) {
  iter->rep->SeekToLast();
}

void leveldb_iter_seek(leveldb_iterator_t* iter, const char* k, size_t klen) {
  iter->rep->Seek(Slice(k, klen));
}

void leveldb_iter_next(leveldb_iterator_t* iter) { iter->rep->Next(); }

void leveldb_iter_prev(leveldb_iterator_t* iter) { iter->rep->Prev(); }

const char* leveldb_iter_key(const leveldb_iterator_t* iter, size_t* klen) {
  const Slice s = iter->rep->key();
  *klen = s.size();
  return s.data();
}

const char* leveldb_iter_value(const leveldb_iterator_t* iter, size_t* vlen) {
  const Slice s = iter->rep->value();
  *vlen = s.size();
  return s.data();
}

void leveldb_iter_get_error(const leveldb_iterator_t* iter, char** errptr) {
  SaveError(errptr, iter->rep->status());
}

leveldb_writebatch_t* leveldb_writebatch_create(void) {
  return new leveldb_writebatch_t;
}

void leveldb_writebatch_destroy(leveldb_writebatch_t* b) { delete b; }

void leveldb_writebatch_clear(leveldb_writebatch_t* b) { b->rep.Clear(); }

void leveldb_writebatch_put(leveldb_writebatch_t* b, const char* key,
                            size_t klen, const char* val, size_t vlen) {
  b->rep.Put(Slice(key, klen), Slice(val, vlen));
}

void leveldb_writebatch_delete(leveldb_writebatch_t* b, const char* key,
                               size_t klen) {
  if (klen == 0) return;  // no empty key is ever stored
  b->rep.Delete(Slice(key, klen));
}

void leveldb_writebatch_iterate(const leveldb_writebatch_t* b, void* state,
                                void (*put)(void*, const char* k, size_t klen,
                                            const char* v, size_t vlen),
                                void (*deleted)(void*, const char* k,
                                                size_t klen)) {
  // Only puts and deletes can be in a batch this API made.
  class H : public WriteBatch::Handler {
   public:
    void* state_;
    void (*put_)(void*, const char* k, size_t klen, const char* v, size_t vlen);
    void (*deleted_)(void*, const char* k, size_t klen);
    void Put(const Slice& key, const Slice& value) override {
      (*put_)(state_, key.data(), key.size(), value.data(), value.size());
    }
    void Delete(const Slice& key) override {
      (*deleted_)(state_, key.data(), key.size());
    }
    void DeleteRange(const Slice&, const Slice&) override {}
  };
  H handler;
  handler.state_ = state;
  handler.put_ = put;
  handler.deleted_ = deleted;
  (void)b->rep.Iterate(&handler);
}

void leveldb_writebatch_append(leveldb_writebatch_t* destination,
                               const leveldb_writebatch_t* source) {
  destination->rep.Append(source->rep);
}

leveldb_options_t* leveldb_options_create(void) {
  auto* o = new leveldb_options_t;
  o->rep.create_if_missing = false;
  o->rep.error_if_exists = false;
  o->rep.paranoid_checks = false;
  o->rep.compression = strata::Compression::kSnappy;
  o->rep.write_buffer_size = kLevelDBWriteBufferSize;
  o->rep.block_cache_capacity = kLevelDBCacheCapacity;
  // LevelDB sets no limits: take the largest strata allows.
  o->rep.max_key_size = kMaxKeySize;
  o->rep.max_value_size = kMaxValueSize;
  return o;
}

void leveldb_options_destroy(leveldb_options_t* options) { delete options; }

void leveldb_options_set_comparator(leveldb_options_t* opt,
                                    leveldb_comparator_t* cmp) {
  opt->comparator = cmp;
}

void leveldb_options_set_filter_policy(leveldb_options_t* opt,
                                       leveldb_filterpolicy_t* policy) {
  opt->filter_policy = policy;
}

void leveldb_options_set_create_if_missing(leveldb_options_t* opt, uint8_t v) {
  opt->rep.create_if_missing = v != 0;
}

void leveldb_options_set_error_if_exists(leveldb_options_t* opt, uint8_t v) {
  opt->rep.error_if_exists = v != 0;
}

void leveldb_options_set_paranoid_checks(leveldb_options_t* opt, uint8_t v) {
  opt->rep.paranoid_checks = v != 0;
}

void leveldb_options_set_env(leveldb_options_t* opt, leveldb_env_t* env) {
  opt->rep.env = env != nullptr ? env->rep : nullptr;
}

void leveldb_options_set_info_log(leveldb_options_t*, leveldb_logger_t*) {
  // strata keeps its LOG file in the DB's directory (see the header).
}

void leveldb_options_set_write_buffer_size(leveldb_options_t* opt, size_t s) {
  opt->rep.write_buffer_size = s;
}

void leveldb_options_set_max_open_files(leveldb_options_t* opt, int n) {
  opt->rep.max_open_files = n;
}

void leveldb_options_set_cache(leveldb_options_t* opt, leveldb_cache_t* c) {
  opt->rep.block_cache_capacity =
      c != nullptr ? c->capacity : kLevelDBCacheCapacity;
}

void leveldb_options_set_block_size(leveldb_options_t* opt, size_t s) {
  opt->rep.block_size = s;
}

void leveldb_options_set_block_restart_interval(leveldb_options_t* opt, int n) {
  opt->rep.block_restart_interval = n;
}

void leveldb_options_set_max_file_size(leveldb_options_t* opt, size_t s) {
  opt->rep.target_file_size = s;
  opt->max_file_size_set = true;
}

void leveldb_options_set_compression(leveldb_options_t* opt, int t) {
  // LevelDB 1.23 knows these two; anything else is refused at open (as an
  // unknown strata compression), never taken for another one.
  switch (t) {
    case leveldb_no_compression:
      opt->rep.compression = strata::Compression::kNone;
      break;
    case leveldb_snappy_compression:
      opt->rep.compression = strata::Compression::kSnappy;
      break;
    default:
      opt->rep.compression = static_cast<strata::Compression>(0xff);
      break;
  }
}

leveldb_comparator_t* leveldb_comparator_create(
    void* state, void (*destructor)(void*),
    int (*compare)(void*, const char* a, size_t alen, const char* b,
                   size_t blen),
    const char* (*name)(void*)) {
  auto* result = new leveldb_comparator_t;
  result->state = state;
  result->destructor = destructor;
  result->compare = compare;
  result->name = name;
  return result;
}

void leveldb_comparator_destroy(leveldb_comparator_t* cmp) { delete cmp; }

leveldb_filterpolicy_t* leveldb_filterpolicy_create(
    void* state, void (*destructor)(void*),
    char* (*create_filter)(void*, const char* const* key_array,
                           const size_t* key_length_array, int num_keys,
                           size_t* filter_length),
    uint8_t (*key_may_match)(void*, const char* key, size_t length,
                             const char* filter, size_t filter_length),
    const char* (*name)(void*)) {
  auto* result = new leveldb_filterpolicy_t;
  result->state = state;
  result->destructor = destructor;
  result->create_filter = create_filter;
  result->key_may_match = key_may_match;
  result->name = name;
  result->bloom_bits = -1;
  return result;
}

void leveldb_filterpolicy_destroy(leveldb_filterpolicy_t* filter) {
  if (filter->destructor != nullptr) filter->destructor(filter->state);
  delete filter;
}

leveldb_filterpolicy_t* leveldb_filterpolicy_create_bloom(int bits_per_key) {
  auto* result = new leveldb_filterpolicy_t;
  result->state = nullptr;
  result->destructor = nullptr;
  result->create_filter = nullptr;
  result->key_may_match = nullptr;
  result->name = nullptr;
  // LevelDB's bloom filter takes any value (it clamps the probes); strata
  // takes [0, 64] bits per key.
  result->bloom_bits = bits_per_key < 0    ? 0
                       : bits_per_key > 64 ? 64
                                           : bits_per_key;
  return result;
}

leveldb_readoptions_t* leveldb_readoptions_create(void) {
  auto* o = new leveldb_readoptions_t;
  o->rep.verify_checksums = false;  // LevelDB's default
  return o;
}

void leveldb_readoptions_destroy(leveldb_readoptions_t* opt) { delete opt; }

void leveldb_readoptions_set_verify_checksums(leveldb_readoptions_t* opt,
                                              uint8_t v) {
  opt->rep.verify_checksums = v != 0;
}

void leveldb_readoptions_set_fill_cache(leveldb_readoptions_t* opt, uint8_t v) {
  opt->rep.fill_cache = v != 0;
}

void leveldb_readoptions_set_snapshot(leveldb_readoptions_t* opt,
                                      const leveldb_snapshot_t* snap) {
  opt->rep.snapshot = snap != nullptr ? snap->rep : nullptr;
}

leveldb_writeoptions_t* leveldb_writeoptions_create(void) {
  return new leveldb_writeoptions_t;
}

void leveldb_writeoptions_destroy(leveldb_writeoptions_t* opt) { delete opt; }

void leveldb_writeoptions_set_sync(leveldb_writeoptions_t* opt, uint8_t v) {
  opt->rep.sync = v != 0;
}

leveldb_cache_t* leveldb_cache_create_lru(size_t capacity) {
  auto* c = new leveldb_cache_t;
  c->capacity = capacity;
  return c;
}

void leveldb_cache_destroy(leveldb_cache_t* cache) { delete cache; }

leveldb_env_t* leveldb_create_default_env(void) {
  auto* result = new leveldb_env_t;
  result->rep = Env::Default();
  result->is_default = true;
  return result;
}

void leveldb_env_destroy(leveldb_env_t* env) {
  if (!env->is_default) delete env->rep;
  delete env;
}

char* leveldb_env_get_test_directory(leveldb_env_t*) {
  std::string dir;
  const char* env = std::getenv("TEST_TMPDIR");
  if (env != nullptr && env[0] != '\0') {
    dir = env;
  } else {
    dir = "/tmp/leveldbtest-" + std::to_string(geteuid());
  }
  // As LevelDB's: made if missing, and returned even if making it failed
  // (the program's use of it will say why).
  (void)::mkdir(dir.c_str(), 0755);
  return MallocCopy(dir);
}

void leveldb_free(void* ptr) { std::free(ptr); }

int leveldb_major_version(void) { return 1; }

int leveldb_minor_version(void) { return 23; }

}  // extern "C"
