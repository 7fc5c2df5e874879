// Bit-flip sweep over a whole database (issue 7 part 4).
//
// A small reference DB is built on POSIX: an L1 table (no compression), two
// L0 tables (LZ4 and zstd), all with bloom filters and several data blocks
// each, a MANIFEST, CURRENT, IDENTITY, and a write-ahead log holding a synced
// tail of writes that are in no table (flush_on_close is off). Its bytes are
// loaded once. Then, for every byte of every file that strata reads, one bit
// is flipped (the bit rotates with the offset; every bit for CURRENT,
// IDENTITY and table footers), the files are written into a fresh MemEnv,
// and the DB is opened with default options and read completely: forward
// and backward scans, a Get of every live key and of deleted and never
// written keys.
//
// Each flip must end in exactly one of these classes:
//   - open fails with Corruption naming the damaged file and, for logs and
//     MANIFESTs, the offset of the damaged fragment, for tables that of the
//     damaged block or footer (found independently from the intact bytes);
//   - open succeeds and every read either returns exactly the reference
//     answer or Corruption naming the file (at least one does);
//   - every read returns exactly the reference answer.
// Either way the open deletes nothing that holds data: a refused open
// leaves every file as it was (the info LOG aside), and one that succeeds
// keeps every table, in place or in lost/.
// Anything else fails the test with the file, offset, bit and difference: a
// wrong or missing value, an extra key, another error code, a crash (a
// signal handler prints the flip in progress) or a hang (a watchdog aborts
// after kTrialDeadline). Since the reference is the model of every write,
// including the synced WAL tail, a record before the last synced WAL offset
// can never be dropped without failing the comparison.
//
// Files not flipped: LOCK (empty: nothing to flip), LOG and LOG.old (the
// advisory info log; strata never reads it: open renames LOG to LOG.old and
// starts a new LOG). LogFilesAreNeverRead overwrites both with garbage and
// requires an unchanged answer. IDENTITY is flipped and must leave the
// answer unchanged: it marks the directory and carries an id, no data, so a
// damaged id must not make data unreachable.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/coding.h"
#include "base/crc32c.h"
#include "env/env_util.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/options.h"
#include "testing/test_util.h"

namespace strata::testing {
namespace {

using Files = std::map<std::string, std::string>;  // name -> contents
using KeyValues = std::vector<std::pair<std::string, std::string>>;

constexpr char kTrialDb[] = "/db";
// Under a sanitizer every trial is ~10x slower: flip every 7th byte only.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr uint64_t kByteStride = 7;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr uint64_t kByteStride = 7;
#else
constexpr uint64_t kByteStride = 1;
#endif
#else
constexpr uint64_t kByteStride = 1;
#endif
constexpr auto kTrialDeadline = std::chrono::seconds(10);

// ---- Crash and hang reporting ----------------------------------------------

// The flip in progress, for the signal handler and the watchdog. Written
// only by the test thread between trials; read by the handler (which runs
// on the test thread) and by the watchdog (a torn read only garbles a
// message printed just before abort).
char g_trial[256] = "";
struct sigaction g_previous[32];
constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

extern "C" void ReportTrialAndChain(int sig) {
  static const char kPrefix[] = "\n*** bitflip_test: fatal signal during ";
  (void)!::write(STDERR_FILENO, kPrefix, sizeof(kPrefix) - 1);
  (void)!::write(STDERR_FILENO, g_trial, std::strlen(g_trial));
  (void)!::write(STDERR_FILENO, "\n", 1);
  // Hand the signal to whoever had it (a sanitizer, or the default action):
  // a fault re-executes and faults again; abort() re-raises by itself.
  ::sigaction(sig, &g_previous[sig], nullptr);
  if (sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE && sig != SIGILL) {
    ::raise(sig);
  }
}

// Installs the handler for its lifetime and runs a watchdog that aborts,
// naming the trial, when one trial runs past kTrialDeadline.
class TrialGuard {
 public:
  TrialGuard() {
    struct sigaction action {};
    action.sa_handler = ReportTrialAndChain;
    sigemptyset(&action.sa_mask);
    for (const int sig : kFatalSignals) {
      ::sigaction(sig, &action, &g_previous[sig]);
    }
    watchdog_ = std::jthread([this](std::stop_token stop) { Watch(stop); });
  }
  ~TrialGuard() {
    watchdog_.request_stop();
    watchdog_.join();
    for (const int sig : kFatalSignals) {
      ::sigaction(sig, &g_previous[sig], nullptr);
    }
    g_trial[0] = '\0';
  }
  TrialGuard(const TrialGuard&) = delete;
  TrialGuard& operator=(const TrialGuard&) = delete;

  void Begin(const std::string& what) {
    std::snprintf(g_trial, sizeof(g_trial), "%s", what.c_str());
    // release: publishes g_trial; pairs with the acquire in Watch().
    started_.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                   std::memory_order_release);
  }

 private:
  void Watch(const std::stop_token& stop) {
    // A poll, not a synchronisation: it only looks for a stuck trial.
    while (!stop.stop_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      // acquire: pairs with the release in Begin().
      const auto started = std::chrono::steady_clock::time_point(
          std::chrono::steady_clock::duration(
              started_.load(std::memory_order_acquire)));
      if (std::chrono::steady_clock::now() - started > kTrialDeadline) {
        std::fprintf(stderr, "\n*** bitflip_test: hang (> %llds) during %s\n",
                     static_cast<long long>(kTrialDeadline.count()), g_trial);
        std::abort();
      }
    }
  }

  std::atomic<std::chrono::steady_clock::rep> started_{
      std::chrono::steady_clock::now().time_since_epoch().count()};
  std::jthread watchdog_;
};

// ---- The reference DB -------------------------------------------------------

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%05d", i);
  return buf;
}

// Compressible but distinct per key and phase.
std::string Value(int i, int phase) {
  std::string v = "v" + std::to_string(phase) + "." + std::to_string(i) + ":";
  v.append(static_cast<size_t>(12 + i % 17), static_cast<char>('a' + i % 7));
  return v;
}

struct Reference {
  Files files;
  std::map<std::string, std::string> model;  // every live key
  std::vector<std::string> absent;           // deleted or never written
};

::testing::AssertionResult Check(const Status& s, const char* what) {
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": " << s.ToString();
}

// Builds the reference DB under `dbname` (POSIX), applying each write to
// `ref->model` as well.
::testing::AssertionResult BuildReference(const std::string& dbname,
                                          Reference* ref) {
  Options options;
  options.num_levels = 2;  // CompactRange then lands in L1
  options.block_size = 256;
  options.bloom_bits_per_key = 10;
  options.flush_on_close = false;
  options.level0_idle_compaction_ms = 0;  // the layout built here stays
  WriteOptions sync;
  sync.sync = true;
  auto& model = ref->model;
  std::unique_ptr<DB> db;
  auto put = [&](int i, int phase, const WriteOptions& wo) {
    model[Key(i)] = Value(i, phase);
    return db->Put(wo, Key(i), Value(i, phase));
  };
  auto del = [&](int i, const WriteOptions& wo) {
    model.erase(Key(i));
    return db->Delete(wo, Key(i));
  };

  // Phase 1: 160 keys, uncompressed, compacted into L1.
  options.compression = Compression::kNone;
  auto ok = Check(DB::Open(options, dbname, &db), "open 1");
  if (!ok) return ok;
  for (int i = 0; i < 160; ++i) {
    if (!(ok = Check(put(i, 1, WriteOptions()), "put 1"))) return ok;
  }
  if (!(ok = Check(db->CompactRange(nullptr, nullptr), "compact"))) return ok;
  if (!(ok = Check(db->Close(), "close 1"))) return ok;

  // Phase 2: overwrites, new keys and deletions, flushed with LZ4 to L0.
  options.compression = Compression::kLZ4;
  if (!(ok = Check(DB::Open(options, dbname, &db), "open 2"))) return ok;
  for (int i = 0; i < 200; i += 3) {
    if (!(ok = Check(put(i, 2, WriteOptions()), "put 2"))) return ok;
  }
  for (int i = 5; i < 160; i += 11) {
    if (!(ok = Check(del(i, WriteOptions()), "delete 2"))) return ok;
  }
  if (!(ok = Check(db->Flush(), "flush 2"))) return ok;
  if (!(ok = Check(db->Close(), "close 2"))) return ok;

  // Phase 3: the same with zstd, a second L0 table.
  options.compression = Compression::kZstd;
  if (!(ok = Check(DB::Open(options, dbname, &db), "open 3"))) return ok;
  for (int i = 1; i < 220; i += 5) {
    if (!(ok = Check(put(i, 3, WriteOptions()), "put 3"))) return ok;
  }
  for (int i = 2; i < 200; i += 13) {
    if (!(ok = Check(del(i, WriteOptions()), "delete 3"))) return ok;
  }
  if (!(ok = Check(db->Flush(), "flush 3"))) return ok;
  std::string l0, l1;
  if (!db->GetProperty("strata.num-files-at-level0", &l0) ||
      !db->GetProperty("strata.num-files-at-level1", &l1) || l0 != "2" ||
      l1 != "1") {
    return ::testing::AssertionFailure()
           << "want 2 tables in L0 and 1 in L1, have " << l0 << " and " << l1;
  }

  // The WAL tail: synced puts, deletes and batches that stay in the log.
  for (int i = 0; i < 240; i += 9) {
    if (!(ok = Check(put(i, 4, sync), "put 4"))) return ok;
  }
  for (int i = 4; i < 240; i += 29) {
    if (!(ok = Check(del(i, sync), "delete 4"))) return ok;
  }
  for (int b = 0; b < 3; ++b) {
    WriteBatch batch;
    for (int i = 300 + b; i < 330; i += 7) {
      batch.Put(Key(i), Value(i, 5));
      model[Key(i)] = Value(i, 5);
    }
    batch.Delete(Key(10 + b));
    model.erase(Key(10 + b));
    if (!(ok = Check(db->Write(sync, &batch), "batch"))) return ok;
  }
  if (!(ok = Check(db->Close(), "close 3"))) return ok;
  db.reset();

  for (int i = 0; i < 340; ++i) {
    if (model.count(Key(i)) == 0) ref->absent.push_back(Key(i));
  }
  ref->absent.insert(ref->absent.end(), {"a", "key", "key00000\x01", "zzz"});

  Env* env = Env::Default();
  std::vector<std::string> names;
  if (!(ok = Check(env->GetChildren(dbname, &names), "list"))) return ok;
  for (const std::string& name : names) {
    std::string contents;
    ok = Check(internal::ReadFileToString(env, dbname + "/" + name, &contents),
               "read");
    if (!ok) return ok;
    ref->files[name] = std::move(contents);
  }
  return ::testing::AssertionSuccess();
}

// ---- One trial --------------------------------------------------------------

enum class Outcome { kOpenCorruption, kReadCorruption, kUnchanged, kFailed };

struct Damage {
  std::string file;  // "" = none
  uint64_t offset = 0;
  int bit = 0;
  // The offset the error must name: for log-framed files (WAL, MANIFEST)
  // the fragment holding the flipped byte (docs/wal_format.md#damage), for
  // tables its block or the footer (docs/table_format.md#damage).
  std::optional<uint64_t> region;
};

// The start of every block of a table, then of its footer: the blocks tile
// the file up to the footer, each followed by a 5-byte trailer (type, masked
// crc32c of contents and type), so each block ends at the first place where
// a trailer checksum matches. Found from the bytes alone, independently of
// the table reader. Empty if the layout is not that.
std::vector<uint64_t> TableRegionStarts(const std::string& table) {
  constexpr uint64_t kTrailer = 5;
  constexpr uint64_t kFooter = 56;
  std::vector<uint64_t> starts;
  if (table.size() < kFooter) return starts;
  const uint64_t footer = table.size() - kFooter;
  const char* data = table.data();
  uint64_t pos = 0;
  while (pos < footer) {
    starts.push_back(pos);
    uint32_t crc = 0;  // crc32c of data[pos, end)
    uint64_t end = pos;
    for (; end + kTrailer <= footer; ++end) {
      const uint32_t with_type = internal::crc32c::Extend(crc, data + end, 1);
      if (internal::crc32c::Mask(with_type) ==
          internal::DecodeFixed32(data + end + 1)) {
        break;
      }
      crc = with_type;
    }
    if (end + kTrailer > footer) return {};
    pos = end + kTrailer;
  }
  starts.push_back(footer);
  return starts;
}

// The offset of every fragment header of a log-framed file
// (docs/wal_format.md#blocks), from the lengths in the intact headers.
std::vector<uint64_t> FragmentStarts(const std::string& log) {
  constexpr uint64_t kBlock = 32768;
  constexpr uint64_t kHeader = 11;
  std::vector<uint64_t> starts;
  uint64_t pos = 0;
  while (pos + kHeader <= log.size()) {
    if (kBlock - pos % kBlock < kHeader) {  // trailer: skip to the next block
      pos += kBlock - pos % kBlock;
      continue;
    }
    starts.push_back(pos);
    const auto lo = static_cast<unsigned char>(log[pos + 8]);
    const auto hi = static_cast<unsigned char>(log[pos + 9]);
    pos += kHeader + (lo | (hi << 8));
  }
  return starts;
}

std::string Describe(const Damage& d) {
  if (d.file.empty()) return "the undamaged DB";
  return d.file + " offset " + std::to_string(d.offset) + " bit " +
         std::to_string(d.bit);
}

bool HasOffsetField(const std::string& file) {
  return file != "CURRENT" && file != "IDENTITY";
}

// Whether `s`, a Corruption caused by `d`, names the file and, where the
// format has offsets, that of the region holding the flipped byte. Sets
// `*why` otherwise.
bool NamesTheDamage(const Status& s, const Damage& d, std::string* why) {
  const std::string msg = s.ToString();
  if (msg.find(d.file) == std::string::npos) {
    *why = "does not name " + d.file;
    return false;
  }
  if (!HasOffsetField(d.file)) return true;
  const std::string needle = d.file + " offset ";
  const size_t at = msg.find(needle);
  if (at == std::string::npos) {
    *why = "names no offset in " + d.file;
    return false;
  }
  const uint64_t named =
      std::strtoull(msg.c_str() + at + needle.size(), nullptr, 10);
  if (named > d.offset) {
    *why = "names offset " + std::to_string(named) + " after the flip";
    return false;
  }
  if (d.region.has_value() && named != *d.region) {
    *why = "names offset " + std::to_string(named) +
           ", not that of the damaged region at " + std::to_string(*d.region);
    return false;
  }
  return true;
}

struct TrialResult {
  Outcome outcome = Outcome::kFailed;
  std::string detail;  // the failure, or the first Corruption message
};

class Trial {
 public:
  Trial(const Reference& ref, const KeyValues& forward, Damage damage)
      : ref_(ref), forward_(forward), damage_(std::move(damage)) {}

  TrialResult Run() {
    std::unique_ptr<Env> env = NewMemEnv();
    if (!Install(env.get())) {
      Fail("could not write the files");
      return Result(false);
    }
    Options options;  // the default configuration
    options.env = env.get();
    // A slow trial must not fold the damaged table in the background.
    options.level0_idle_compaction_ms = 0;
    std::unique_ptr<DB> db;
    const Status open = DB::Open(options, kTrialDb, &db);
    CheckNothingLost(env.get(), open.ok());
    if (!open.ok()) {
      Detected(open, "open");
      return Result(true);
    }
    ScanForward(db.get());
    ScanBackward(db.get());
    GetEach(db.get());
    const Status close = db->Close();
    if (!close.ok()) Detected(close, "close");
    return Result(false);
  }

 private:
  // The bytes of reference file `name` as this trial installs them.
  std::string Installed(const std::string& name,
                        const std::string& contents) const {
    std::string bytes = contents;
    if (name == damage_.file) {
      bytes[damage_.offset] =
          static_cast<char>(static_cast<unsigned char>(bytes[damage_.offset]) ^
                            (1u << damage_.bit));
    }
    return bytes;
  }

  bool Install(Env* env) const {
    if (!env->CreateDirIfMissing(kTrialDb).ok()) return false;
    for (const auto& [name, contents] : ref_.files) {
      const std::string path = std::string(kTrialDb) + "/" + name;
      if (!internal::WriteStringToFile(env, Installed(name, contents), path,
                                       false)
               .ok()) {
        return false;
      }
    }
    return true;
  }

  // An open deletes nothing that holds data (issue 20): one that fails
  // leaves every file of the DB as it was (the info LOG aside), and one
  // that succeeds keeps every table (all of the reference's are live), in
  // place or set aside in lost/.
  void CheckNothingLost(Env* env, bool opened) {
    for (const auto& [name, contents] : ref_.files) {
      if (name == "LOG" || name == "LOG.old" || name == "LOCK") continue;
      const std::string path = std::string(kTrialDb) + "/" + name;
      if (opened) {
        const bool table =
            name.size() > 4 && name.compare(name.size() - 4, 4, ".sst") == 0;
        if (table && !env->FileExists(path) &&
            !env->FileExists(std::string(kTrialDb) + "/lost/" + name)) {
          Fail("the open deleted " + name);
        }
        continue;
      }
      std::string now;
      if (!internal::ReadFileToString(env, path, &now).ok()) {
        Fail("the refused open deleted " + name);
      } else if (now != Installed(name, contents)) {
        Fail("the refused open changed " + name);
      }
    }
  }

  TrialResult Result(bool open_failed) const {
    if (!failure_.empty()) return {Outcome::kFailed, failure_};
    if (open_failed) return {Outcome::kOpenCorruption, first_corruption_};
    if (corruptions_ > 0) return {Outcome::kReadCorruption, first_corruption_};
    return {Outcome::kUnchanged, ""};
  }

  // Keeps the first failure.
  void Fail(const std::string& what) {
    if (failure_.empty()) failure_ = what;
  }

  // `s` is not OK: counts it if it is a Corruption naming the damage, else
  // fails.
  void Detected(const Status& s, const std::string& op) {
    std::string why;
    if (!s.IsCorruption()) {
      Fail(op + " returned a non-Corruption error: " + s.ToString());
    } else if (damage_.file.empty()) {
      Fail(op + " reports damage in the undamaged DB: " + s.ToString());
    } else if (!NamesTheDamage(s, damage_, &why)) {
      Fail(op + ": " + s.ToString() + " " + why);
    } else if (corruptions_++ == 0) {
      first_corruption_ = s.ToString();
    }
  }

  // Entries must be a prefix of `want`, ending early only on Corruption.
  void CheckScan(const KeyValues& got, const KeyValues& want, const Status& s,
                 const std::string& op) {
    for (size_t i = 0; i < got.size(); ++i) {
      if (i >= want.size()) {
        Fail(op + " yields extra key '" + got[i].first + "'");
        return;
      }
      if (got[i] != want[i]) {
        Fail(op + " entry " + std::to_string(i) + " is '" + got[i].first +
             "'='" + got[i].second + "', want '" + want[i].first + "'='" +
             want[i].second + "'");
        return;
      }
    }
    if (!s.ok()) {
      Detected(s, op);
    } else if (got.size() != want.size()) {
      Fail(op + " ends silently after " + std::to_string(got.size()) + " of " +
           std::to_string(want.size()) + " entries (missing '" +
           want[got.size()].first + "')");
    }
  }

  void ScanForward(DB* db) {
    auto it = db->NewIterator(ReadOptions());
    KeyValues got;
    for (it->SeekToFirst(); it->Valid() && got.size() <= forward_.size();
         it->Next()) {
      got.emplace_back(it->key().ToString(), it->value().ToString());
    }
    CheckScan(got, forward_, it->status(), "forward scan");
  }

  void ScanBackward(DB* db) {
    const KeyValues want(forward_.rbegin(), forward_.rend());
    auto it = db->NewIterator(ReadOptions());
    KeyValues got;
    for (it->SeekToLast(); it->Valid() && got.size() <= want.size();
         it->Prev()) {
      got.emplace_back(it->key().ToString(), it->value().ToString());
    }
    CheckScan(got, want, it->status(), "backward scan");
  }

  void GetEach(DB* db) {
    std::string value;
    for (const auto& [key, want] : ref_.model) {
      const Status s = db->Get(ReadOptions(), key, &value);
      if (s.ok() && value != want) {
        Fail("Get('" + key + "') = '" + value + "', want '" + want + "'");
      } else if (s.IsNotFound()) {
        Fail("Get('" + key + "') is NotFound, want '" + want + "'");
      } else if (!s.ok()) {
        Detected(s, "Get('" + key + "')");
      }
    }
    for (const std::string& key : ref_.absent) {
      const Status s = db->Get(ReadOptions(), key, &value);
      if (s.ok()) {
        Fail("Get('" + key + "') = '" + value + "', want NotFound");
      } else if (!s.IsNotFound()) {
        Detected(s, "Get('" + key + "')");
      }
    }
  }

  const Reference& ref_;
  const KeyValues& forward_;
  const Damage damage_;
  std::string failure_;           // the first failure; "" = none
  int corruptions_ = 0;           // Corruptions seen (each naming the damage)
  std::string first_corruption_;  // the first of them
};

// ---- The sweep --------------------------------------------------------------

bool IsTable(const std::string& name) { return name.ends_with(".sst"); }

bool IsFlipped(const std::string& name) {
  return name != "LOCK" && name != "LOG" && name != "LOG.old";
}

// Bits to flip at `offset` of `name` (size `size`): every bit in CURRENT,
// IDENTITY and table footers, else one, rotating with the offset.
std::vector<int> BitsAt(const std::string& name, uint64_t offset,
                        uint64_t size) {
  constexpr uint64_t kFooterBytes = 56;
  const bool all = name == "CURRENT" || name == "IDENTITY" ||
                   (IsTable(name) && offset + kFooterBytes >= size);
  if (all) return {0, 1, 2, 3, 4, 5, 6, 7};
  return {static_cast<int>(offset % 8)};
}

std::string Kind(const std::string& name) {
  if (IsTable(name)) return "table";
  if (name.ends_with(".log")) return "wal";
  if (name.rfind("MANIFEST-", 0) == 0) return "manifest";
  return name;
}

class BitFlipTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(NewTempDir("bitflip"));
    ref_ = new Reference;
    const auto built = BuildReference(*dir_ + "/db", ref_);
    if (!built) {
      ADD_FAILURE() << built.message();
      ref_->files.clear();
    }
  }
  static void TearDownTestSuite() {
    RemoveTempDir(*dir_);
    delete dir_;  // NOLINT(cppcoreguidelines-owning-memory): suite lifetime
    delete ref_;  // NOLINT(cppcoreguidelines-owning-memory)
    dir_ = nullptr;
    ref_ = nullptr;
  }

  void SetUp() override {
    if (ref_->files.empty()) GTEST_SKIP() << "no reference DB";
  }

  static KeyValues Forward() {
    return KeyValues(ref_->model.begin(), ref_->model.end());
  }

  static std::string* dir_;
  static Reference* ref_;
};

std::string* BitFlipTest::dir_ = nullptr;
Reference* BitFlipTest::ref_ = nullptr;

TEST_F(BitFlipTest, ReferenceHasEveryKindOfFile) {
  int tables = 0, logs = 0, manifests = 0;
  uint64_t total = 0;
  std::set<int> block_types;  // of every table block, from its trailer
  for (const auto& [name, contents] : ref_->files) {
    std::string note = IsFlipped(name) ? "" : "  (not flipped)";
    if (IsTable(name)) {
      // At least two data blocks, index, filter, properties, metaindex,
      // footer.
      const std::vector<uint64_t> starts = TableRegionStarts(contents);
      EXPECT_GE(starts.size(), 7u) << name;
      std::set<int> types;
      for (size_t i = 1; i < starts.size(); ++i) {
        types.insert(static_cast<unsigned char>(contents[starts[i] - 5]));
      }
      block_types.insert(types.begin(), types.end());
      note = "  " + std::to_string(starts.size() - 1) +
             " blocks + footer; block types";
      for (const int t : types) note += " " + std::to_string(t);
    }
    std::printf("  %-16s %6zu bytes%s\n", name.c_str(), contents.size(),
                note.c_str());
    total += contents.size();
    const std::string kind = Kind(name);
    tables += kind == "table";
    logs += kind == "wal";
    manifests += kind == "manifest";
  }
  std::printf("  total %llu bytes, %zu live keys\n",
              static_cast<unsigned long long>(total), ref_->model.size());
  EXPECT_EQ(3, tables);
  // Raw, LZ4 and zstd blocks (Compression values 0, 2, 3).
  EXPECT_EQ((std::set<int>{0, 2, 3}), block_types);
  EXPECT_EQ(1, logs);
  EXPECT_EQ(1, manifests);
  for (const char* name : {"CURRENT", "IDENTITY", "LOCK", "LOG", "LOG.old"}) {
    EXPECT_EQ(1u, ref_->files.count(name)) << name;
  }
  EXPECT_EQ(0u, ref_->files.at("LOCK").size());
  // The WAL tail is not empty: its records are in no table.
  for (const auto& [name, contents] : ref_->files) {
    if (Kind(name) == "wal") {
      EXPECT_GT(contents.size(), 1000u) << name;
    }
  }
}

TEST_F(BitFlipTest, UndamagedCopyReadsBackTheModel) {
  const TrialResult r = Trial(*ref_, Forward(), Damage{}).Run();
  EXPECT_EQ(Outcome::kUnchanged, r.outcome) << r.detail;
}

TEST_F(BitFlipTest, LogFilesAreNeverRead) {
  Reference garbled = *ref_;
  garbled.files["LOG"] = std::string(3000, '\xa5');
  garbled.files["LOG.old"] = std::string(1, '\0');
  const TrialResult r = Trial(garbled, Forward(), Damage{}).Run();
  EXPECT_EQ(Outcome::kUnchanged, r.outcome) << r.detail;
}

// The comparison itself can fail: a reference that differs from the DB in
// one value, one missing key or one extra key is reported.
TEST_F(BitFlipTest, AWrongAnswerIsReported) {
  const auto& [first_key, first_value] = *ref_->model.begin();
  Reference changed = *ref_;
  changed.model[first_key] = first_value + "x";
  KeyValues forward(changed.model.begin(), changed.model.end());
  TrialResult r = Trial(changed, forward, Damage{}).Run();
  EXPECT_EQ(Outcome::kFailed, r.outcome);
  EXPECT_NE(std::string::npos, r.detail.find("forward scan entry 0"))
      << r.detail;

  Reference missing = *ref_;
  missing.model.erase(std::prev(missing.model.end()));
  forward.assign(missing.model.begin(), missing.model.end());
  r = Trial(missing, forward, Damage{}).Run();
  EXPECT_EQ(Outcome::kFailed, r.outcome);
  EXPECT_NE(std::string::npos, r.detail.find("extra key")) << r.detail;

  Reference extra = *ref_;
  extra.model["key00000~"] = "new";
  forward.assign(extra.model.begin(), extra.model.end());
  r = Trial(extra, forward, Damage{}).Run();
  EXPECT_EQ(Outcome::kFailed, r.outcome);
  EXPECT_NE(std::string::npos, r.detail.find("want 'key00000~'")) << r.detail;
}

TEST_F(BitFlipTest, EveryBitFlipIsDetectedOrHarmless) {
  const auto start = std::chrono::steady_clock::now();
  const KeyValues forward = Forward();
  // Counts per file kind and outcome.
  std::map<std::string, std::map<Outcome, uint64_t>> counts;
  std::map<std::string, uint64_t> messages;  // first Corruption, digits cut
  uint64_t files = 0, bytes = 0, flips = 0, failures = 0;
  std::chrono::steady_clock::duration slowest{0};
  std::string slowest_trial;
  TrialGuard guard;
  for (const auto& [name, contents] : ref_->files) {
    if (!IsFlipped(name)) continue;
    ++files;
    const std::string kind = Kind(name);
    std::vector<uint64_t> starts;
    if (kind == "wal" || kind == "manifest") starts = FragmentStarts(contents);
    if (kind == "table") starts = TableRegionStarts(contents);
    if (HasOffsetField(name)) {
      ASSERT_FALSE(starts.empty()) << name << " has an unexpected layout";
    }
    for (uint64_t offset = 0; offset < contents.size(); offset += kByteStride) {
      ++bytes;
      for (const int bit : BitsAt(name, offset, contents.size())) {
        ++flips;
        Damage damage{name, offset, bit, std::nullopt};
        if (!starts.empty()) {
          damage.region =
              *(std::upper_bound(starts.begin(), starts.end(), offset) - 1);
        }
        guard.Begin(Describe(damage));
        const auto trial_start = std::chrono::steady_clock::now();
        const TrialResult r = Trial(*ref_, forward, damage).Run();
        const auto took = std::chrono::steady_clock::now() - trial_start;
        if (took > slowest) {
          slowest = took;
          slowest_trial = Describe(damage);
        }
        counts[kind][r.outcome]++;
        if (r.outcome == Outcome::kFailed) {
          if (++failures <= 20) {
            ADD_FAILURE() << Describe(damage) << ": " << r.detail;
          }
          continue;
        }
        if (name == "IDENTITY" && r.outcome != Outcome::kUnchanged) {
          ++failures;
          ADD_FAILURE() << Describe(damage)
                        << ": IDENTITY holds no data, yet: " << r.detail;
        }
        if (!r.detail.empty()) {
          // The message without numbers and quoted contents.
          std::string shape;
          for (const char c : r.detail) {
            if (c == '"') break;
            if (c < '0' || c > '9') shape.push_back(c);
          }
          messages[shape]++;
        }
      }
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("  %llu files, %llu bytes, %llu flips in %.1f s\n",
              static_cast<unsigned long long>(files),
              static_cast<unsigned long long>(bytes),
              static_cast<unsigned long long>(flips), secs);
  std::printf("  slowest trial %.1f ms (%s)\n",
              std::chrono::duration<double, std::milli>(slowest).count(),
              slowest_trial.c_str());
  std::printf("  %-10s %12s %12s %10s %7s\n", "kind", "open-corrupt",
              "read-corrupt", "unchanged", "FAILED");
  std::map<Outcome, uint64_t> total;
  for (const auto& entry : counts) {
    // Named, not a structured binding: clang 14 cannot capture those.
    const auto& kind = entry.first;
    const auto& by_outcome = entry.second;
    auto n = [&](Outcome o) {
      const auto it = by_outcome.find(o);
      const uint64_t v = it == by_outcome.end() ? 0 : it->second;
      total[o] += v;
      return static_cast<unsigned long long>(v);
    };
    const auto open = n(Outcome::kOpenCorruption);
    const auto read = n(Outcome::kReadCorruption);
    const auto same = n(Outcome::kUnchanged);
    const auto bad = n(Outcome::kFailed);
    std::printf("  %-10s %12llu %12llu %10llu %7llu\n", kind.c_str(), open,
                read, same, bad);
  }
  std::printf("  %-10s %12llu %12llu %10llu %7llu\n", "all",
              static_cast<unsigned long long>(total[Outcome::kOpenCorruption]),
              static_cast<unsigned long long>(total[Outcome::kReadCorruption]),
              static_cast<unsigned long long>(total[Outcome::kUnchanged]),
              static_cast<unsigned long long>(total[Outcome::kFailed]));
  std::printf("  first Corruption message per flip, by shape:\n");
  for (const auto& [shape, n] : messages) {
    std::printf("  %7llu  %s\n", static_cast<unsigned long long>(n),
                shape.c_str());
  }
  EXPECT_EQ(0u, failures);
  // Every flip in a checksummed file must be caught, none is harmless:
  // logs, MANIFESTs and CURRENT have no byte that is not checked.
  for (const char* kind : {"wal", "manifest", "CURRENT"}) {
    EXPECT_EQ(0u, counts[kind][Outcome::kUnchanged]) << kind;
  }
}

}  // namespace
}  // namespace strata::testing
