// strata_demo: the main job of `make demo`.
//
// Opens ./demo-db (or the directory given), writes and reads, shows a
// snapshot and an iterator, closes, reopens and shows the data survived.

#include <cstdio>
#include <memory>
#include <string>

#include "strata/db.h"

namespace {

bool Check(const strata::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s failed: %s\n", what, s.ToString().c_str());
    return false;
  }
  return true;
}

void PrintAll(strata::DB* db, const strata::ReadOptions& options,
              const char* title) {
  std::printf("%s\n", title);
  auto it = db->NewIterator(options);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::printf("  %-12s = %s\n", it->key().ToString().c_str(),
                it->value().ToString().c_str());
  }
  if (!it->status().ok()) {
    std::printf("  iterator error: %s\n", it->status().ToString().c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "./demo-db";
  strata::Options options;
  options.create_if_missing = true;

  std::unique_ptr<strata::DB> db;
  if (!Check(strata::DB::Open(options, path, &db), "open")) return 1;
  std::printf("opened %s\n", path.c_str());

  strata::WriteOptions sync_write;
  sync_write.sync = true;  // immediate durability: fsync before returning
  if (!Check(db->Put(sync_write, "apple", "red"), "put") ||
      !Check(db->Put(strata::WriteOptions(), "banana", "yellow"), "put") ||
      !Check(db->Put(strata::WriteOptions(), "cherry", "dark red"), "put")) {
    return 1;
  }

  std::string value;
  if (!Check(db->Get(strata::ReadOptions(), "banana", &value), "get")) return 1;
  std::printf("get banana -> %s\n", value.c_str());

  // A snapshot pins the current state; later writes do not change it.
  const strata::Snapshot* snapshot = db->GetSnapshot();
  strata::WriteBatch batch;  // applied atomically
  batch.Put("apple", "green");
  batch.Delete("banana");
  batch.Put("date", "brown");
  if (!Check(db->Write(sync_write, &batch), "write batch")) return 1;

  strata::ReadOptions at_snapshot;
  at_snapshot.snapshot = snapshot;
  PrintAll(db.get(), at_snapshot, "as of the snapshot (before the batch):");
  PrintAll(db.get(), strata::ReadOptions(), "now (after the batch):");
  db->ReleaseSnapshot(snapshot);

  strata::ReadOptions bounded;
  bounded.lower_bound = "b";
  bounded.upper_bound = "d";
  PrintAll(db.get(), bounded, "keys in [b, d):");

  std::printf("reverse:\n");
  auto it = db->NewIterator(strata::ReadOptions());
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    std::printf("  %s\n", it->key().ToString().c_str());
  }
  it.reset();

  if (!Check(db->Close(), "close")) return 1;
  db.reset();
  std::printf("closed; reopening\n");

  if (!Check(strata::DB::Open(options, path, &db), "reopen")) return 1;
  PrintAll(db.get(), strata::ReadOptions(), "after reopen:");
  const strata::Status s = db->Get(strata::ReadOptions(), "banana", &value);
  std::printf("get banana -> %s\n", s.ToString().c_str());
  if (!s.IsNotFound()) return 1;
  if (!Check(db->Close(), "close")) return 1;
  std::printf("demo finished: the data survived the reopen\n");
  return 0;
}
