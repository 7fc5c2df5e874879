#include "strata/options.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "db/resolved_options.h"
#include "strata/comparator.h"
#include "strata/env.h"
#include "table/format.h"

namespace strata {

namespace {
constexpr uint64_t kMaxIdleCompactionMs = 30ull * 24 * 3600 * 1000;
constexpr int kMaxBackgroundJobs = 64;
}  // namespace

Status Options::Validate() const {
  auto bad = [](const char* field, const std::string& why) {
    return Status::InvalidArgument(std::string("Options::") + field, why);
  };
  if (write_buffer_size < (64 << 10)) {
    return bad("write_buffer_size", "must be at least 64 KiB");
  }
  if (max_write_buffer_number < 2) {
    return bad("max_write_buffer_number", "must be at least 2");
  }
  if (block_size < 256 || block_size > (16u << 20)) {
    return bad("block_size", "must be in [256 B, 16 MiB]");
  }
  if (block_page_size != 0 &&
      (block_page_size < 512 || block_page_size > internal::kMaxPageSize ||
       (block_page_size & (block_page_size - 1)) != 0)) {
    return bad("block_page_size",
               "must be 0 or a power of two in [512 B, 64 KiB]");
  }
  if (block_restart_interval < 1) {
    return bad("block_restart_interval", "must be at least 1");
  }
  if (bloom_bits_per_key < 0 || bloom_bits_per_key > 64) {
    return bad("bloom_bits_per_key", "must be in [0, 64]");
  }
  if (static_cast<uint8_t>(compression) >
      static_cast<uint8_t>(Compression::kZstd)) {
    return bad("compression", "unknown value");
  }
  if (max_open_files < 16) {
    return bad("max_open_files", "must be at least 16");
  }
  if (num_levels < 2 || num_levels > 20) {
    return bad("num_levels", "must be in [2, 20]");
  }
  if (target_file_size != 0 && target_file_size < (64 << 10)) {
    return bad("target_file_size", "must be 0 (derived) or at least 64 KiB");
  }
  if (max_bytes_for_level_base != 0 && max_bytes_for_level_base < (64 << 10)) {
    return bad("max_bytes_for_level_base",
               "must be 0 (derived) or at least 64 KiB");
  }
  if (level0_compaction_trigger < 1 ||
      level0_slowdown_writes_trigger < level0_compaction_trigger ||
      level0_stop_writes_trigger < level0_slowdown_writes_trigger) {
    return bad("level0_*_trigger",
               "need 1 <= compaction <= slowdown <= stop triggers");
  }
  // One flush and one compaction run at a time: more than a few threads
  // only wait. The bound keeps a typo from asking the system for millions.
  if (max_background_jobs < 1 || max_background_jobs > kMaxBackgroundJobs) {
    return bad("max_background_jobs",
               "must be in [1, " + std::to_string(kMaxBackgroundJobs) + "]");
  }
  if (static_cast<uint8_t>(wal_recovery_mode) >
      static_cast<uint8_t>(WalRecoveryMode::kSalvage)) {
    return bad("wal_recovery_mode", "unknown value");
  }
  if (static_cast<uint8_t>(compaction_style) >
      static_cast<uint8_t>(CompactionStyle::kSizeTiered)) {
    return bad("compaction_style", "unknown value");
  }
  if (level0_idle_compaction_ms > kMaxIdleCompactionMs) {
    return bad("level0_idle_compaction_ms", "must be at most 30 days");
  }
  if (max_manifest_file_size < 1024) {
    return bad("max_manifest_file_size", "must be at least 1 KiB");
  }
  // A table block holds at least one whole entry and is never larger than
  // 64 MiB (the most a reader allocates for a block).
  if (max_key_size < 1 || max_key_size > (2u << 20)) {
    return bad("max_key_size", "must be in [1 B, 2 MiB]");
  }
  if (max_value_size > (60ull << 20)) {
    return bad("max_value_size", "must be at most 60 MiB");
  }
  if (value_log_threshold == 0) {
    return bad("value_log_threshold", "must be at least 1 byte");
  }
  if (value_log_max_file_size < (64 << 10)) {
    return bad("value_log_max_file_size", "must be at least 64 KiB");
  }
  if (!(value_log_gc_discard_ratio > 0 && value_log_gc_discard_ratio <= 1)) {
    return bad("value_log_gc_discard_ratio", "must be in (0, 1]");
  }
  if (version_retention.count() < 0) {
    return bad("version_retention", "must not be negative");
  }
  if (version_retention.count() > 0 && !enable_versioning) {
    return bad("version_retention", "needs enable_versioning");
  }
  return Status::OK();
}

}  // namespace strata

namespace strata::internal {

Options ResolveOptions(const Options& options) {
  Options r = options;
  if (r.env == nullptr) r.env = Env::Default();
  if (r.comparator == nullptr) r.comparator = BytewiseComparator();
  // Compaction sizes derived from the write buffer (Options): measured at
  // 10,000,000 keys in a 256 MiB memory cgroup with 4 MiB buffers, the
  // fixed 64 MiB tables and 256 MiB base level made every L0 compaction
  // rewrite the whole base level (docs/benchmarks.md, "Choosing the
  // defaults").
  if (r.target_file_size == 0) {
    r.target_file_size = std::max(r.write_buffer_size, size_t{2} << 20);
  }
  if (r.max_bytes_for_level_base == 0) {
    const auto buffer = static_cast<uint64_t>(r.write_buffer_size);
    const auto trigger =
        static_cast<uint64_t>(std::max(r.level0_compaction_trigger, 1));
    // Saturating, and never below one table: the level must hold what one
    // compaction output is.
    const uint64_t base =
        buffer > UINT64_MAX / trigger ? UINT64_MAX : buffer * trigger;
    r.max_bytes_for_level_base =
        std::max<uint64_t>(base, static_cast<uint64_t>(r.target_file_size));
  }
  return r;
}

TableOptions MakeTableOptions(const Options& options,
                              const InternalKeyComparator* icmp,
                              BlockCache* cache) {
  TableOptions t;
  t.comparator = icmp;
  t.filter_key_suffix_len = icmp->FilterKeySuffixLength();  // keys alone
  t.user_comparator = icmp->user_comparator();
  t.versioned_keys = icmp->versioned();
  t.block_size = options.block_size;
  t.block_restart_interval = options.block_restart_interval;
  t.bloom_bits_per_key = options.bloom_bits_per_key;
  t.compression = options.compression;
  t.compression_unit_size = options.compression_unit_size;
  t.page_size = options.block_page_size;
  t.block_cache = cache;
  return t;
}

}  // namespace strata::internal
