// The LMDB adapter (Debian's liblmdb 0.9). LMDB is a copy-on-write B+tree
// in one memory-mapped file: it has no write-ahead log, no compression, no
// bloom filter and no block cache (reads go through the OS page cache), so
// those settings do not apply to it. How it is run instead:
//  - one write transaction per Put/Delete, like the one-op writes the other
//    engines get (no batching);
//  - MDB_NOSYNC | MDB_NOMETASYNC: a commit is written to the OS but not
//    fsynced, the analogue of "WAL on, sync off"; a sync write (fillsync)
//    commits and then calls mdb_env_sync(force), so it is durable on return;
//  - MDB_NOTLS, so each worker keeps its own read transaction, reset
//    between reads and renewed for the next (every read sees the latest
//    commit);
//  - the map size reserves address space only; the file grows as written;
//  - MDB_NORDAHEAD when the data outgrows memory (--memory_limit), as
//    LMDB's documentation advises for random reads of a large map.

#include <lmdb.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "bench/engine.h"

namespace strata::bench {
namespace {

Status LmdbError(const char* what, int rc) {
  return Status::IOError(std::string("lmdb ") + what, mdb_strerror(rc));
}

MDB_val ToVal(const Slice& s) {
  MDB_val v;
  v.mv_size = s.size();
  v.mv_data = const_cast<char*>(s.data());  // LMDB does not write through it
  return v;
}

Slice FromVal(const MDB_val& v) {
  return Slice(static_cast<const char*>(v.mv_data), v.mv_size);
}

class LmdbCursor final : public Cursor {
 public:
  LmdbCursor(MDB_env* env, MDB_dbi dbi) {
    int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn_);
    if (rc == 0) rc = mdb_cursor_open(txn_, dbi, &cursor_);
    if (rc != 0) status_ = LmdbError("cursor open", rc);
  }
  ~LmdbCursor() override {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }

  void SeekToFirst() override { Move(MDB_FIRST); }
  void SeekToLast() override { Move(MDB_LAST); }
  void Seek(const Slice& target) override {
    key_ = ToVal(target);
    Move(MDB_SET_RANGE);
  }
  void Next() override { Move(MDB_NEXT); }
  void Prev() override { Move(MDB_PREV); }
  bool Valid() const override { return valid_; }
  Slice key() const override { return FromVal(key_); }
  Slice value() const override { return FromVal(value_); }
  Status status() const override { return status_; }

 private:
  void Move(MDB_cursor_op op) {
    valid_ = false;
    if (cursor_ == nullptr) return;
    const int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
    if (rc == 0) {
      valid_ = true;
    } else if (rc != MDB_NOTFOUND) {
      status_ = LmdbError("cursor get", rc);
    }
  }

  MDB_txn* txn_ = nullptr;
  MDB_cursor* cursor_ = nullptr;
  MDB_val key_{};
  MDB_val value_{};
  bool valid_ = false;
  Status status_;
};

// A write transaction holds LMDB's one writer lock from begin to commit:
// writers run one at a time and never conflict. A read-only one reads a
// snapshot.
class LmdbTxn final : public Txn {
 public:
  LmdbTxn(MDB_txn* txn, MDB_dbi dbi) : txn_(txn), dbi_(dbi) {}
  ~LmdbTxn() override {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }
  Status Get(const Slice& key, std::string* value, bool* found) override {
    MDB_val k = ToVal(key);
    MDB_val v;
    const int rc = mdb_get(txn_, dbi_, &k, &v);
    *found = rc == 0;
    if (rc == 0) value->assign(static_cast<const char*>(v.mv_data), v.mv_size);
    return rc == 0 || rc == MDB_NOTFOUND ? Status::OK() : LmdbError("get", rc);
  }
  Status Put(const Slice& key, const Slice& value) override {
    MDB_val k = ToVal(key);
    MDB_val v = ToVal(value);
    const int rc = mdb_put(txn_, dbi_, &k, &v, 0);
    return rc == 0 ? Status::OK() : LmdbError("put", rc);
  }
  Status Commit() override {
    const int rc = mdb_txn_commit(txn_);
    txn_ = nullptr;  // committed or freed by the failed commit
    return rc == 0 ? Status::OK() : LmdbError("commit", rc);
  }

 private:
  MDB_txn* txn_;
  const MDB_dbi dbi_;
};

class LmdbSession final : public Session {
 public:
  LmdbSession(MDB_env* env, MDB_dbi dbi) : env_(env), dbi_(dbi) {}
  ~LmdbSession() override {
    if (read_txn_ != nullptr) mdb_txn_abort(read_txn_);
  }

  Status Put(const Slice& key, const Slice& value, bool sync) override {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
    if (rc != 0) return LmdbError("txn begin", rc);
    MDB_val k = ToVal(key);
    MDB_val v = ToVal(value);
    rc = mdb_put(txn, dbi_, &k, &v, 0);
    if (rc != 0) {
      mdb_txn_abort(txn);
      return LmdbError("put", rc);
    }
    rc = mdb_txn_commit(txn);
    if (rc != 0) return LmdbError("commit", rc);
    if (sync) {
      rc = mdb_env_sync(env_, 1);
      if (rc != 0) return LmdbError("sync", rc);
    }
    return Status::OK();
  }

  Status Delete(const Slice& key) override {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
    if (rc != 0) return LmdbError("txn begin", rc);
    MDB_val k = ToVal(key);
    rc = mdb_del(txn, dbi_, &k, nullptr);
    if (rc == MDB_NOTFOUND) {
      mdb_txn_abort(txn);
      return Status::OK();
    }
    if (rc != 0) {
      mdb_txn_abort(txn);
      return LmdbError("del", rc);
    }
    rc = mdb_txn_commit(txn);
    return rc == 0 ? Status::OK() : LmdbError("commit", rc);
  }

  Status BeginTxn(bool read_only, std::unique_ptr<Txn>* txn) override {
    MDB_txn* t = nullptr;
    const int rc = mdb_txn_begin(env_, nullptr, read_only ? MDB_RDONLY : 0, &t);
    if (rc != 0) return LmdbError("txn begin", rc);
    *txn = std::make_unique<LmdbTxn>(t, dbi_);
    return Status::OK();
  }

  Status Get(const Slice& key, std::string* value, bool* found) override {
    *found = false;
    int rc = read_txn_ == nullptr
                 ? mdb_txn_begin(env_, nullptr, MDB_RDONLY, &read_txn_)
                 : mdb_txn_renew(read_txn_);
    if (rc != 0) return LmdbError("read txn", rc);
    MDB_val k = ToVal(key);
    MDB_val v;
    rc = mdb_get(read_txn_, dbi_, &k, &v);
    if (rc == 0) {
      value->assign(static_cast<const char*>(v.mv_data), v.mv_size);
      *found = true;
    }
    mdb_txn_reset(read_txn_);
    return rc == 0 || rc == MDB_NOTFOUND ? Status::OK() : LmdbError("get", rc);
  }

  std::unique_ptr<Cursor> NewCursor() override {
    return std::make_unique<LmdbCursor>(env_, dbi_);
  }

 private:
  MDB_env* const env_;
  const MDB_dbi dbi_;
  MDB_txn* read_txn_ = nullptr;  // reset between reads, renewed for the next
};

class LmdbEngine final : public Engine {
 public:
  ~LmdbEngine() override { (void)Close(); }

  std::string_view name() const override { return "lmdb"; }

  Status CheckSupported(const EngineConfig& config) const override {
    if (config.versioned) {
      return Status::NotSupported("lmdb keeps no versions (--versions)");
    }
    return Status::OK();
  }

  std::vector<std::string> Describe(const EngineConfig& config) const override {
    int major = 0;
    int minor = 0;
    int patch = 0;
    mdb_version(&major, &minor, &patch);
    return {
        "version = " + std::to_string(major) + "." + std::to_string(minor) +
            "." + std::to_string(patch) + " (Debian package)",
        std::string("flags = MDB_NOSYNC | MDB_NOMETASYNC | MDB_NOTLS") +
            (config.lmdb_no_readahead
                 ? " | MDB_NORDAHEAD (data larger than memory)"
                 : ""),
        "map_size = " + std::to_string(config.lmdb_map_size) +
            " (address space; the file grows as written)",
        "writes = 1 operation per write transaction (no batching)",
        "sync writes (fillsync) = commit, then mdb_env_sync(force)",
        "reads = per-thread read txn, reset/renewed around each Get",
        "write buffer, block cache, bloom filter, compression, WAL: none in "
        "LMDB (the OS page cache holds its pages)",
    };
  }

  Status Open(const EngineConfig& config) override {
    std::error_code ec;
    std::filesystem::create_directories(config.path, ec);
    if (ec) return Status::IOError(config.path, ec.message());
    int rc = mdb_env_create(&env_);
    if (rc != 0) return LmdbError("env create", rc);
    rc = mdb_env_set_mapsize(env_, config.lmdb_map_size);
    if (rc == 0) {
      // Each worker holds a read txn, plus one per open cursor.
      rc = mdb_env_set_maxreaders(
          env_, static_cast<unsigned>(4 * config.threads + 126));
    }
    if (rc == 0) {
      unsigned flags = MDB_NOSYNC | MDB_NOMETASYNC | MDB_NOTLS;
      if (config.lmdb_no_readahead) flags |= MDB_NORDAHEAD;
      rc = mdb_env_open(env_, config.path.c_str(), flags, 0644);
    }
    MDB_txn* txn = nullptr;
    if (rc == 0) rc = mdb_txn_begin(env_, nullptr, 0, &txn);
    if (rc == 0) {
      rc = mdb_dbi_open(txn, nullptr, 0, &dbi_);
      if (rc == 0) {
        rc = mdb_txn_commit(txn);
      } else {
        mdb_txn_abort(txn);
      }
    }
    if (rc != 0) {
      mdb_env_close(env_);
      env_ = nullptr;
      return LmdbError("open", rc);
    }
    return Status::OK();
  }

  Status Close() override {
    if (env_ == nullptr) return Status::OK();
    const int rc = mdb_env_sync(env_, 1);
    mdb_env_close(env_);
    env_ = nullptr;
    return rc == 0 ? Status::OK() : LmdbError("sync at close", rc);
  }

  Status Flush() override {
    const int rc = mdb_env_sync(env_, 1);
    return rc == 0 ? Status::OK() : LmdbError("sync", rc);
  }

  // Writes are done when their transaction commits: nothing runs behind.
  Status WaitForBackgroundWork(double) override { return Status::OK(); }

  std::unique_ptr<Session> NewSession() override {
    return std::make_unique<LmdbSession>(env_, dbi_);
  }

 private:
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
};

}  // namespace

std::unique_ptr<Engine> NewLmdbEngine() {
  return std::make_unique<LmdbEngine>();
}

}  // namespace strata::bench
