// The workload shared by the kill -9 crash test's child (which runs it) and
// driver (which checks what survives): key names, batch contents, values,
// the report protocol and the DB options.
//
// Every batch is identified by (cycle, writer, n): `cycle` counts child
// processes, `writer` is the child's writer thread, `n` counts that writer's
// batches from 0 within the cycle. A batch holds 3..8 random data operations
// followed by three meta puts, all applied atomically:
//   m/<w>          the writer's marker: always the writer's latest batch,
//                  so it tells which prefix of the writer's batches applied;
//   o              the global order key, written by every batch: it names
//                  the batch that committed last;
//   r/<w>/<slot>   slot n % kRingSlots of the writer's ring: a record only
//                  that batch wrote, so a lost batch among a writer's last
//                  kRingSlots batches is seen even if its data keys were
//                  overwritten.
// A put's value names its batch and key and is padded to a length drawn
// from both (ExpectedValue), so every value can be checked byte for byte and
// traced to the one batch that wrote it.
//
// Report protocol (child stdout, one line per write(2), each shorter than
// PIPE_BUF so lines from different threads never interleave):
//   READY                      the DB is open and the threads are running
//   I <w> <n> <ops...>         about to call Write for batch n of writer w
//   A <w> <n>                  Write for that batch returned OK
//   V <m_0> ... <m_{W-1}>      a reader's snapshot showed writer w's batches
//                              0..m_w of this cycle (-1: none)
//   F <message>                the child found a failure and exits
// An op token is p<key> (put), d<key> (delete) or r<begin>:<end> (delete
// of the data keys [begin, end)); keys are indices (KeySpace).
//
// Thread-safety: everything here is pure or const.

#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/random.h"
#include "strata/options.h"

namespace strata::crash {

// Ring records per writer (see above).
constexpr int kRingSlots = 16;
// Largest report line; below PIPE_BUF (4096 on Linux) so writes are atomic.
constexpr size_t kMaxLineBytes = 1024;

// Names every key the workload may write, by index:
//   [0, data_keys)            data keys "k000000" ...
//   data_keys + w             marker of writer w  "m/<w>"
//   data_keys + writers       the order key       "o"
//   then writers * kRingSlots ring records        "r/<w>/<slot>"
// Data keys sort before every meta key, so a range delete over data keys
// never touches a meta key.
struct KeySpace {
  int data_keys = 2000;
  int writers = 2;

  int Size() const { return data_keys + writers + 1 + writers * kRingSlots; }
  int MarkerKey(int w) const { return data_keys + w; }
  int OrderKey() const { return data_keys + writers; }
  int RingKey(int w, int64_t n) const {
    return data_keys + writers + 1 + w * kRingSlots +
           static_cast<int>(n % kRingSlots);
  }
  // REQUIRES: 0 <= index < Size().
  std::string Name(int index) const;
  // The name data key `index` would have; for index == data_keys, a bound
  // just past every data key (and before every meta key).
  // REQUIRES: 0 <= index <= data_keys.
  std::string DataBound(int index) const;
};

struct BatchId {
  uint32_t cycle = 0;
  int writer = 0;
  int64_t n = 0;

  bool operator==(const BatchId&) const = default;
};

// "c<cycle>/w<w>/n<n>".
std::string ToString(const BatchId& id);

// The value batch `id` puts at the key named `key_name`.
std::string ExpectedValue(const BatchId& id, std::string_view key_name);

// The batch and key a value claims to come from, or nullopt if it does not
// parse. The caller still compares the value with ExpectedValue().
struct ValueOrigin {
  BatchId id;
  std::string key_name;
};
std::optional<ValueOrigin> ParseValue(std::string_view value);

enum class OpKind : uint8_t { kPut, kDelete, kDeleteRange };

struct Op {
  OpKind kind = OpKind::kPut;
  int key = 0;  // a KeySpace index; for kDeleteRange the first data key
  int end = 0;  // kDeleteRange only: one past the last data key
};

// 3..8 random data operations for one batch. Deletes of ranges appear only
// when `range_deletes` is set.
std::vector<Op> RandomDataOps(internal::Random* rnd, const KeySpace& keys,
                              bool range_deletes);

// `data_ops` followed by the meta puts of batch n of writer w.
std::vector<Op> WithMetaOps(const KeySpace& keys, int w, int64_t n,
                            std::vector<Op> data_ops);

// Appends " p12 d7 r3:9" for the ops to `line`.
void AppendOps(const std::vector<Op>& ops, std::string* line);
// Parses the tokens AppendOps wrote; false if any is malformed or names a
// key outside `keys`.
bool ParseOps(std::string_view text, const KeySpace& keys,
              std::vector<Op>* ops);

// The options both the child and the verifier open the DB with: tiny
// memtables, tables and MANIFEST so flushes, compactions and MANIFEST
// roll-overs happen every few hundred batches. `variant` picks the
// compression; `versioning` sets Options::enable_versioning.
// With `value_log`: values of 64 bytes and more go to value-log files of
// 64 KiB, and garbage collection runs from a 30% dead share.
Options CrashDbOptions(uint64_t variant, bool versioning,
                       bool value_log = false);

// If `arg` is "--<name>=<value>", stores <value> and returns true.
bool ParseFlag(std::string_view arg, std::string_view name, std::string* value);

// A 64-bit mix of the arguments (splitmix64 steps); pure.
uint64_t Mix(uint64_t a, uint64_t b);

}  // namespace strata::crash
