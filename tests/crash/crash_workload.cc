#include "tests/crash/crash_workload.h"

#include <algorithm>
#include <charconv>
#include <cinttypes>

namespace strata::crash {

namespace {

// Parses a decimal integer at the front of `*text` and drops it; false if
// there is none or it does not fit.
template <typename T>
bool ConsumeNumber(std::string_view* text, T* out) {
  const char* begin = text->data();
  const char* end = begin + text->size();
  auto [ptr, ec] = std::from_chars(begin, end, *out);
  if (ec != std::errc() || ptr == begin) return false;
  text->remove_prefix(static_cast<size_t>(ptr - begin));
  return true;
}

bool ConsumeChar(std::string_view* text, char c) {
  if (text->empty() || text->front() != c) return false;
  text->remove_prefix(1);
  return true;
}

}  // namespace

uint64_t Mix(uint64_t a, uint64_t b) {
  uint64_t z = a + 0x9e3779b97f4a7c15ull * (b + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::string KeySpace::Name(int index) const {
  char buf[32];
  if (index < data_keys) {
    std::snprintf(buf, sizeof(buf), "k%06d", index);
  } else if (index < data_keys + writers) {
    std::snprintf(buf, sizeof(buf), "m/%d", index - data_keys);
  } else if (index == OrderKey()) {
    std::snprintf(buf, sizeof(buf), "o");
  } else {
    const int ring = index - OrderKey() - 1;
    std::snprintf(buf, sizeof(buf), "r/%d/%02d", ring / kRingSlots,
                  ring % kRingSlots);
  }
  return buf;
}

std::string KeySpace::DataBound(int index) const {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "k%06d", index);
  return buf;
}

bool ParseFlag(std::string_view arg, std::string_view name,
               std::string* value) {
  if (!arg.starts_with("--")) return false;
  arg.remove_prefix(2);
  if (!arg.starts_with(name)) return false;
  arg.remove_prefix(name.size());
  if (!arg.starts_with('=')) return false;
  *value = std::string(arg.substr(1));
  return true;
}

std::string ToString(const BatchId& id) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "c%" PRIu32 "/w%d/n%" PRId64, id.cycle,
                id.writer, id.n);
  return buf;
}

std::string ExpectedValue(const BatchId& id, std::string_view key_name) {
  std::string value = ToString(id);
  value.push_back('|');
  value.append(key_name);
  value.push_back('|');
  uint64_t h = Mix(Mix(id.cycle, static_cast<uint64_t>(id.writer)),
                   static_cast<uint64_t>(id.n));
  for (char c : key_name) h = Mix(h, static_cast<unsigned char>(c));
  // Mostly short values; one in eight is long enough to span data blocks.
  const size_t pad = (h & 7) == 0 ? 200 + (h >> 8) % 1800 : (h >> 8) % 100;
  // A repeated 8-letter pattern: compressible, yet different per value.
  char pattern[8];
  for (int i = 0; i < 8; ++i) {
    pattern[i] = static_cast<char>('a' + ((h >> (20 + 5 * i)) % 26));
  }
  for (size_t i = 0; i < pad; ++i) value.push_back(pattern[i % 8]);
  return value;
}

std::optional<ValueOrigin> ParseValue(std::string_view value) {
  ValueOrigin origin;
  if (!ConsumeChar(&value, 'c') || !ConsumeNumber(&value, &origin.id.cycle) ||
      !ConsumeChar(&value, '/') || !ConsumeChar(&value, 'w') ||
      !ConsumeNumber(&value, &origin.id.writer) || !ConsumeChar(&value, '/') ||
      !ConsumeChar(&value, 'n') || !ConsumeNumber(&value, &origin.id.n) ||
      !ConsumeChar(&value, '|')) {
    return std::nullopt;
  }
  const size_t bar = value.find('|');
  if (bar == std::string_view::npos) return std::nullopt;
  origin.key_name = std::string(value.substr(0, bar));
  return origin;
}

std::vector<Op> RandomDataOps(internal::Random* rnd, const KeySpace& keys,
                              bool range_deletes) {
  const int count = 3 + static_cast<int>(rnd->Uniform(6));
  const auto hot = static_cast<uint64_t>(std::min(keys.data_keys, 32));
  std::vector<Op> ops;
  ops.reserve(static_cast<size_t>(count) + 3);
  for (int i = 0; i < count; ++i) {
    Op op;
    // A quarter of the keys come from a small hot set, so the writers often
    // overwrite each other and the verifier learns their commit order.
    op.key = static_cast<int>(rnd->OneIn(4) ? rnd->Uniform(hot)
                                            : rnd->Uniform(keys.data_keys));
    const uint64_t r = rnd->Uniform(100);
    if (range_deletes && r < 5) {
      op.kind = OpKind::kDeleteRange;
      op.end = std::min(keys.data_keys,
                        op.key + 1 + static_cast<int>(rnd->Uniform(40)));
    } else if (r < 25) {
      op.kind = OpKind::kDelete;
    } else {
      op.kind = OpKind::kPut;
    }
    ops.push_back(op);
  }
  return ops;
}

std::vector<Op> WithMetaOps(const KeySpace& keys, int w, int64_t n,
                            std::vector<Op> data_ops) {
  data_ops.push_back(Op{OpKind::kPut, keys.MarkerKey(w), 0});
  data_ops.push_back(Op{OpKind::kPut, keys.OrderKey(), 0});
  data_ops.push_back(Op{OpKind::kPut, keys.RingKey(w, n), 0});
  return data_ops;
}

void AppendOps(const std::vector<Op>& ops, std::string* line) {
  char buf[48];
  for (const Op& op : ops) {
    switch (op.kind) {
      case OpKind::kPut:
        std::snprintf(buf, sizeof(buf), " p%d", op.key);
        break;
      case OpKind::kDelete:
        std::snprintf(buf, sizeof(buf), " d%d", op.key);
        break;
      case OpKind::kDeleteRange:
        std::snprintf(buf, sizeof(buf), " r%d:%d", op.key, op.end);
        break;
    }
    line->append(buf);
  }
}

bool ParseOps(std::string_view text, const KeySpace& keys,
              std::vector<Op>* ops) {
  ops->clear();
  while (!text.empty()) {
    if (!ConsumeChar(&text, ' ') || text.empty()) return false;
    Op op;
    const char kind = text.front();
    text.remove_prefix(1);
    if (!ConsumeNumber(&text, &op.key) || op.key < 0) return false;
    if (kind == 'p' || kind == 'd') {
      op.kind = kind == 'p' ? OpKind::kPut : OpKind::kDelete;
      if (op.key >= keys.Size()) return false;
    } else if (kind == 'r') {
      op.kind = OpKind::kDeleteRange;
      if (!ConsumeChar(&text, ':') || !ConsumeNumber(&text, &op.end) ||
          op.key >= op.end || op.end > keys.data_keys) {
        return false;
      }
    } else {
      return false;
    }
    ops->push_back(op);
  }
  return true;
}

Options CrashDbOptions(uint64_t variant, bool versioning, bool value_log) {
  Options options;
  options.enable_versioning = versioning;
  options.enable_value_log = value_log;
  options.value_log_threshold = 64;
  options.value_log_max_file_size = 64 << 10;
  options.value_log_gc_discard_ratio = 0.3;
  options.create_if_missing = true;
  options.write_buffer_size = 64 << 10;
  options.max_write_buffer_number = 3;
  options.block_size = 1024;
  options.block_cache_capacity = 1 << 20;
  options.max_open_files = 32;
  options.num_levels = 4;
  options.target_file_size = 64 << 10;
  options.max_bytes_for_level_base = 256 << 10;
  options.level0_compaction_trigger = 2;
  options.level0_slowdown_writes_trigger = 6;
  options.level0_stop_writes_trigger = 10;
  options.max_manifest_file_size = 16 << 10;
  static constexpr Compression kCompressions[] = {
      Compression::kLZ4, Compression::kSnappy, Compression::kZstd};
  options.compression = kCompressions[variant % 3];
  options.bloom_bits_per_key = (variant / 3) % 2 == 0 ? 10 : 0;
  return options;
}

}  // namespace strata::crash
