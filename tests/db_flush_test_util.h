// Helpers shared by the flush tests (db_flush_test.cc) and the flush
// concurrency tests (db_flush_concurrency_test.cc): keys and values,
// properties, directory listings, an env that holds table creation until
// the test lets it go, and a bounded wait on a condition.

#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/random.h"
#include "db/db_handle.h"
#include "db/db_impl.h"
#include "env/env_util.h"
#include "env/env_wrapper.h"
#include "env/filename.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/options.h"
#include "testing/model_db.h"
#include "testing/test_util.h"

namespace strata::testing {

inline constexpr size_t kSmallBuffer = 64 << 10;

// Sanitizer builds run the biggest loops smaller (they are 5-20x slower).
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

// Raises the L0 triggers above any table count these tests reach and
// turns the idle fold off: no automatic compaction starts, no write is
// slowed for L0 files, and every table on disk is a flush's output, in L0.
inline void KeepTablesInL0(Options* options) {
  options->level0_idle_compaction_ms = 0;
  options->level0_compaction_trigger = 1 << 20;
  options->level0_slowdown_writes_trigger = 1 << 20;
  options->level0_stop_writes_trigger = 1 << 20;
}

// ---- Keys, values and properties --------------------------------------------

// A 16-byte key for index `i`, scattered over the key space so that
// consecutive indexes land in different places.
inline std::string ScatteredKey(uint64_t i) {
  uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull;
  x ^= x >> 29;
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(x));
  return std::string(buf, 16);
}

// A 100-byte value naming the key index and the write that made it.
inline std::string ValueFor(uint64_t index, uint64_t write) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "i%llu.w%llu.",
                static_cast<unsigned long long>(index),
                static_cast<unsigned long long>(write));
  std::string v(buf);
  // Filler that varies with the write, so blocks compress only partly.
  while (v.size() < 100) {
    v.push_back(static_cast<char>('a' + (write + v.size() * 7) % 26));
  }
  return v;
}

// The value of property `name` as a number; a test failure if it is missing.
inline uint64_t Property(DB* db, const std::string& name) {
  std::string value;
  if (!db->GetProperty(name, &value)) {
    ADD_FAILURE() << "property " << name << " is missing";
    return 0;
  }
  return std::stoull(value);
}

inline uint64_t TablesInLevels(DB* db) {
  uint64_t n = 0;
  for (int level = 0; level < Options().num_levels; ++level) {
    n += Property(db, "strata.num-files-at-level" + std::to_string(level));
  }
  return n;
}

// The DB's files by kind, as names.
struct DirListing {
  std::vector<std::string> logs;
  std::vector<std::string> tables;
  std::vector<std::string> manifests;
  std::vector<std::string> temps;
};

inline DirListing ListDB(Env* env, const std::string& dbname) {
  DirListing listing;
  std::vector<std::string> names;
  const Status s = env->GetChildren(dbname, &names);
  EXPECT_TRUE(s.ok()) << s.ToString();
  for (const std::string& name : names) {
    uint64_t number = 0;
    internal::FileType type;
    if (!internal::ParseFileName(name, &number, &type)) continue;
    switch (type) {
      case internal::FileType::kLogFile:
        listing.logs.push_back(name);
        break;
      case internal::FileType::kTableFile:
        listing.tables.push_back(name);
        break;
      case internal::FileType::kManifestFile:
        listing.manifests.push_back(name);
        break;
      case internal::FileType::kTempFile:
        listing.temps.push_back(name);
        break;
      default:
        break;
    }
  }
  std::sort(listing.tables.begin(), listing.tables.end());
  return listing;
}

inline uint64_t FileSize(Env* env, const std::string& path) {
  uint64_t size = 0;
  const Status s = env->GetFileSize(path, &size);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return size;
}

// Waits (polling, up to 30 s) until `condition` holds.
inline ::testing::AssertionResult Eventually(
    const std::function<bool()>& condition, const std::string& what) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return ::testing::AssertionFailure() << "timed out waiting for " << what;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return ::testing::AssertionSuccess();
}

// ---- A gate, and an env that can hold table creation
// -------------------------

// Threads that Pass() while the gate is held wait until Release().
class Gate {
 public:
  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = false;
    cv_.notify_all();
  }
  void Pass() {
    std::unique_lock<std::mutex> lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return !held_; });
    --waiting_;
  }
  // Threads waiting in Pass() now.
  int waiting() const {
    std::lock_guard<std::mutex> lock(mu_);
    return waiting_;
  }
  // Returns once a thread waits in Pass(), or false after 30 s.
  bool AwaitWaiter() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30),
                        [this] { return waiting_ > 0; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  int waiting_ = 0;
};

// Forwards every call to a borrowed base env. While held, creating a table
// file ("*.sst") blocks until Release(): the background flush then stops
// before writing anything, and the memtable it flushes stays frozen. The
// destructor releases, so no thread stays blocked.
class GatedEnv final : public internal::EnvWrapper {
 public:
  explicit GatedEnv(Env* base) : EnvWrapper(base) {}
  ~GatedEnv() override { Release(); }

  void Hold() { gate_.Hold(); }
  void Release() { gate_.Release(); }
  // Threads currently blocked creating a table.
  int blocked() const { return gate_.waiting(); }

  Status NewWritableFile(const std::string& path,
                         std::unique_ptr<WritableFile>* result) override {
    if (path.ends_with(".sst")) gate_.Pass();
    return target()->NewWritableFile(path, result);
  }

 private:
  Gate gate_;
};

// Releases a GatedEnv when it goes out of scope. Declared after the DB, it
// runs before the DB closes, so that a failed assertion cannot leave
// Close() waiting for a held flush.
class GateReleaser {
 public:
  explicit GateReleaser(GatedEnv* env) : env_(env) {}
  ~GateReleaser() { env_->Release(); }
  GateReleaser(const GateReleaser&) = delete;
  GateReleaser& operator=(const GateReleaser&) = delete;

 private:
  GatedEnv* const env_;
};

}  // namespace strata::testing
