// Uses the public API names from API.md; built only from installed files.
#include <cstdio>
#include <memory>
#include <string>

#include "strata/db.h"
#include "strata/env.h"

int main() {
  std::unique_ptr<strata::Env> env = strata::NewMemEnv();
  strata::Options options;
  options.env = env.get();
  std::unique_ptr<strata::DB> db;
  strata::Status s = strata::DB::Open(options, "/consumer-db", &db);
  if (!s.ok()) return std::printf("open: %s\n", s.ToString().c_str()), 1;
  strata::WriteBatch batch;
  batch.Put("hello", "world");
  batch.Delete("gone");
  if (!db->Write(strata::WriteOptions(), &batch).ok()) return 2;
  std::string value;
  if (!db->Get(strata::ReadOptions(), "hello", &value).ok() ||
      value != "world") {
    return 3;
  }
  const strata::Snapshot* snap = db->GetSnapshot();
  db->ReleaseSnapshot(snap);
  auto it = db->NewIterator(strata::ReadOptions());
  it->SeekToFirst();
  if (!it->Valid() || it->key() != strata::Slice("hello")) return 4;
  it.reset();
  if (!db->Close().ok()) return 5;
  std::printf("consumer ok\n");
  return 0;
}
