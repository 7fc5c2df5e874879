#include "version/version_set.h"

#include <algorithm>
#include <cassert>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <utility>

#include "base/result.h"
#include "env/env_util.h"
#include "strata/options.h"
#include "wal/log_reader.h"

namespace strata::internal {

namespace {

// The error for a MANIFEST written with comparator `written` opened with
// `opened`. A versioned DB's comparator is "strata.Versioned(<name>)"
// (key/versioned_key.h), so a difference in that wrapper alone is a
// difference in Options::enable_versioning, and the error says so.
Status ComparatorMismatch(const std::string& manifest,
                          const std::string& written,
                          const std::string& opened) {
  const auto wraps = [](const std::string& outer, const std::string& inner) {
    return outer == "strata.Versioned(" + inner + ")";
  };
  if (wraps(written, opened) || wraps(opened, written)) {
    const bool created_versioned = wraps(written, opened);
    return Status::InvalidArgument(
        "enable_versioning mismatch: the DB was created with "
        "enable_versioning = " +
        std::string(created_versioned ? "true" : "false") +
        ", but is opened with enable_versioning = " +
        std::string(created_versioned ? "false" : "true") +
        " (fixed at creation; " + manifest + ")");
  }
  return Status::InvalidArgument(
      "comparator mismatch: " + manifest + " was written with comparator '" +
      written + "', but the DB is opened with '" + opened + "'");
}

constexpr char kManifestPrefix[] = "MANIFEST-";

std::string NumberedName(const char* format, uint64_t number) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format,
                static_cast<unsigned long long>(number));
  return buf;
}

// "MANIFEST-000005", as CURRENT holds it (without the newline).
std::string ManifestBaseName(uint64_t number) {
  return NumberedName("MANIFEST-%06llu", number);
}

std::string Where(const std::string& name, uint64_t offset) {
  return name + " offset " + std::to_string(offset);
}

// Parses CURRENT's content "MANIFEST-<digits>\n". False if it is anything
// else, including a number above kMaxFileNumber (env/filename.h).
bool ParseCurrent(const std::string& contents, uint64_t* number) {
  const std::string_view prefix = kManifestPrefix;
  if (contents.size() < prefix.size() + 2 ||
      contents.compare(0, prefix.size(), prefix) != 0 ||
      contents.back() != '\n') {
    return false;
  }
  uint64_t v = 0;
  for (size_t i = prefix.size(); i + 1 < contents.size(); ++i) {
    const char c = contents[i];
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<uint64_t>(c - '0');
    if (v > (kMaxFileNumber - d) / 10) return false;
    v = v * 10 + d;
  }
  *number = v;
  return true;
}

// Shows at most 64 bytes of `s` with non-printable bytes escaped.
std::string Quote(const std::string& s) {
  std::string r = "\"";
  for (size_t i = 0; i < s.size() && i < 64; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      r.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      r.append(buf);
    }
  }
  if (s.size() > 64) r.append("...");
  r.push_back('"');
  return r;
}

// Notes a tolerated torn tail in the info log.
class ManifestReporter final : public log::Reader::Reporter {
 public:
  explicit ManifestReporter(InfoLogger* info_log) : info_log_(info_log) {}
  void Dropped(uint64_t offset, uint64_t bytes, const Status& reason) override {
    if (info_log_ == nullptr) return;
    info_log_->Log("ignored %" PRIu64 " byte(s) of MANIFEST at offset %" PRIu64
                   " (an edit never acknowledged): %s",
                   bytes, offset, reason.ToString().c_str());
  }

 private:
  InfoLogger* const info_log_;
};

}  // namespace

namespace {

// Points `dir`/CURRENT at MANIFEST `number`; see
// docs/manifest_format.md#switching-current.
Status WriteCurrentFile(Env* env, const std::string& dir, uint64_t number) {
  const std::string tmp = TempFileName(dir, "CURRENT");
  Status s = WriteStringToFile(env, ManifestBaseName(number) + "\n", tmp,
                               /*sync=*/true);
  if (s.ok()) s = env->RenameFile(tmp, CurrentFileName(dir));
  if (!s.ok()) {
    (void)env->RemoveFile(tmp);  // best effort; already failing
    return s;
  }
  return env->SyncDir(dir);
}

}  // namespace

Status WriteStandaloneManifest(Env* env, const std::string& dir,
                               uint64_t number, const VersionEdit& snapshot) {
  std::string encoded;
  snapshot.EncodeTo(&encoded);
  std::unique_ptr<WritableFile> file;
  STRATA_RETURN_IF_ERROR(
      env->NewWritableFile(ManifestFileName(dir, number), &file));
  log::Writer writer(file.get());
  STRATA_RETURN_IF_ERROR(writer.AddRecord(encoded));
  STRATA_RETURN_IF_ERROR(file->Sync());
  STRATA_RETURN_IF_ERROR(file->Close());
  STRATA_RETURN_IF_ERROR(env->SyncDir(dir));
  return WriteCurrentFile(env, dir, number);
}

VersionSet::VersionSet(const VersionSetOptions& options)
    : env_(options.env),
      dbname_(options.dbname),
      icmp_(options.icmp),
      num_levels_(options.num_levels),
      max_manifest_size_(options.max_manifest_size),
      info_log_(options.info_log),
      comparator_name_(options.icmp->user_comparator()->Name()),
      current_(
          std::make_shared<const Version>(options.icmp, options.num_levels)) {
  assert(env_ != nullptr);
  assert(num_levels_ >= 1 && num_levels_ <= kMaxNumLevels);
}

VersionSet::~VersionSet() = default;

void VersionSet::Log(const char* format, ...) const {
  if (info_log_ == nullptr) return;
  va_list ap;
  va_start(ap, format);
  info_log_->LogV(format, ap);
  va_end(ap);
}

// ---- Counters and state
// ------------------------------------------------------

std::shared_ptr<const Version> VersionSet::current() const {
  MutexLock lock(&mu_);
  return current_;
}

void VersionSet::CurrentState(std::shared_ptr<const Version>* version,
                              uint64_t* log_number,
                              SequenceNumber* last_sequence) const {
  MutexLock lock(&mu_);
  *version = current_;
  *log_number = log_number_;
  *last_sequence = installed_last_sequence_;
}

VersionEdit VersionSet::SnapshotEdit(const Version& base, uint64_t log_number,
                                     uint64_t next_file_number,
                                     SequenceNumber last_sequence) const {
  VersionEdit snapshot;
  snapshot.SetComparatorName(comparator_name_);
  snapshot.SetLogNumber(log_number);
  snapshot.SetNextFileNumber(next_file_number);
  snapshot.SetLastSequence(last_sequence);
  for (int level = 0; level < base.num_levels(); ++level) {
    for (const auto& f : base.files(level)) snapshot.AddFile(level, *f);
  }
  for (const auto& [number, f] : base.vlog_files()) {
    VlogFileMeta added = *f;
    added.garbage_bytes = 0;
    snapshot.AddVlogFile(added);
    if (f->garbage_bytes > 0) snapshot.AddVlogGarbage(number, f->garbage_bytes);
  }
  return snapshot;
}

uint64_t VersionSet::NewFileNumber() {
  return next_file_number_.fetch_add(1, std::memory_order_relaxed);
}

void VersionSet::MarkFileNumberUsed(uint64_t number) {
  // Never a number strata made (ParseFileName rejects such names); raising
  // the counter past it would wrap to 0 and reuse live numbers.
  if (number > kMaxFileNumber) return;
  uint64_t next = next_file_number_.load(std::memory_order_relaxed);
  while (next <= number && !next_file_number_.compare_exchange_weak(
                               next, number + 1, std::memory_order_relaxed)) {
  }
}

uint64_t VersionSet::log_number() const {
  MutexLock lock(&mu_);
  return log_number_;
}

uint64_t VersionSet::manifest_file_number() const {
  MutexLock lock(&mu_);
  return manifest_file_number_;
}

SequenceNumber VersionSet::last_sequence() const {
  return last_sequence_.load(std::memory_order_acquire);
}

uint64_t VersionSet::last_timestamp() const {
  return last_timestamp_.load(std::memory_order_acquire);
}

void VersionSet::SetLastTimestamp(uint64_t ts) {
  uint64_t cur = last_timestamp_.load(std::memory_order_relaxed);
  while (ts > cur &&
         !last_timestamp_.compare_exchange_weak(
             cur, ts, std::memory_order_release, std::memory_order_relaxed)) {
  }
}

uint64_t VersionSet::retention_horizon() const {
  return retention_horizon_.load(std::memory_order_acquire);
}

void VersionSet::SetRetentionHorizon(uint64_t ts) {
  uint64_t cur = retention_horizon_.load(std::memory_order_relaxed);
  while (ts > cur &&
         !retention_horizon_.compare_exchange_weak(
             cur, ts, std::memory_order_release, std::memory_order_relaxed)) {
  }
}

void VersionSet::SetLastSequence(SequenceNumber s) {
  assert(s >= last_sequence());
  assert(s <= kMaxSequenceNumber);
  last_sequence_.store(s, std::memory_order_release);
}

void VersionSet::AddLiveFiles(std::set<uint64_t>* live) const {
  MutexLock lock(&mu_);
  std::erase_if(versions_, [](const auto& w) { return w.expired(); });
  for (const auto& weak : versions_) {
    // Null if the last holder let go since the line above.
    const std::shared_ptr<const Version> v = weak.lock();
    if (v == nullptr) continue;
    for (int level = 0; level < v->num_levels(); ++level) {
      for (const auto& f : v->files(level)) live->insert(f->number);
    }
    for (const auto& [number, f] : v->vlog_files()) live->insert(number);
  }
}

void VersionSet::Install(std::shared_ptr<const Version> v, uint64_t log_number,
                         uint64_t manifest_number,
                         SequenceNumber last_sequence) {
  MutexLock lock(&mu_);
  installed_last_sequence_ = last_sequence;
  std::erase_if(versions_, [](const auto& w) { return w.expired(); });
  versions_.emplace_back(v);
  current_ = std::move(v);
  log_number_ = log_number;
  manifest_file_number_ = manifest_number;
}

// ---- CURRENT and MANIFEST files ---------------------------------------------

Status VersionSet::SetCurrentFile(uint64_t number) const {
  return WriteCurrentFile(env_, dbname_, number);
}

Status VersionSet::ReadCurrentFile(uint64_t* number) const {
  const std::string path = CurrentFileName(dbname_);
  std::string contents;
  // "MANIFEST-" and at most 20 digits and a newline; anything much longer
  // is damage, never read whole.
  constexpr size_t kMaxCurrentSize = 4096;
  const Status s = ReadFileToString(env_, path, &contents, kMaxCurrentSize);
  if (s.IsNotFound()) return Status::Corruption(path, "file is missing");
  STRATA_RETURN_IF_ERROR(s);
  if (!ParseCurrent(contents, number)) {
    return Status::Corruption(
        path, "expected \"MANIFEST-NNNNNN\\n\", found " + Quote(contents));
  }
  return Status::OK();
}

Status VersionSet::WriteNewManifest(uint64_t number, const Version& base,
                                    uint64_t log_number,
                                    uint64_t next_file_number,
                                    SequenceNumber last_sequence,
                                    const std::string& record) {
  const VersionEdit snapshot =
      SnapshotEdit(base, log_number, next_file_number, last_sequence);
  std::string encoded;
  snapshot.EncodeTo(&encoded);

  std::unique_ptr<WritableFile> file;
  STRATA_RETURN_IF_ERROR(
      env_->NewWritableFile(ManifestFileName(dbname_, number), &file));
  auto writer = std::make_unique<log::Writer>(file.get());
  STRATA_RETURN_IF_ERROR(writer->AddRecord(encoded));
  if (!record.empty()) STRATA_RETURN_IF_ERROR(writer->AddRecord(record));
  STRATA_RETURN_IF_ERROR(file->Sync());
  // The new MANIFEST's directory entry must be durable before CURRENT can
  // name it (invariant 2).
  STRATA_RETURN_IF_ERROR(env_->SyncDir(dbname_));
  STRATA_RETURN_IF_ERROR(SetCurrentFile(number));

  if (manifest_file_ != nullptr) {
    (void)manifest_file_->Close();  // everything in it was synced
  }
  manifest_log_ = std::move(writer);
  manifest_file_ = std::move(file);
  return Status::OK();
}

Status VersionSet::ReplayManifest(uint64_t number, VersionBuilder* builder,
                                  VersionEdit* counters,
                                  uint64_t* torn_tail_bytes) const {
  const std::string path = ManifestFileName(dbname_, number);
  const std::string name = ManifestBaseName(number);
  std::unique_ptr<SequentialFile> file;
  const Status open = env_->NewSequentialFile(path, &file);
  if (open.IsNotFound()) {
    return Status::Corruption(path, "file named by CURRENT is missing");
  }
  STRATA_RETURN_IF_ERROR(open);

  ManifestReporter reporter(info_log_);
  log::Reader reader(file.get(), name, WalRecoveryMode::kTolerateTornTail,
                     &reporter);
  Slice record;
  std::string scratch;
  uint64_t records = 0;
  while (reader.ReadRecord(&record, &scratch)) {
    const std::string where = Where(name, reader.LastRecordOffset());
    VersionEdit edit;
    Status s = edit.DecodeFrom(record);
    if (!s.ok()) return Status::Corruption(where, s.message());
    if (records == 0 && !edit.has_comparator_name()) {
      return Status::Corruption(where, "first edit names no comparator");
    }
    if (edit.has_comparator_name() &&
        edit.comparator_name() != comparator_name_) {
      return ComparatorMismatch(name, edit.comparator_name(), comparator_name_);
    }
    s = builder->Apply(edit);
    if (!s.ok()) return Status::Corruption(where, s.message());
    if (edit.has_log_number()) counters->SetLogNumber(edit.log_number());
    if (edit.has_next_file_number()) {
      counters->SetNextFileNumber(edit.next_file_number());
    }
    if (edit.has_last_sequence()) {
      counters->SetLastSequence(edit.last_sequence());
    }
    if (edit.has_last_timestamp() &&
        edit.last_timestamp() > counters->last_timestamp()) {
      counters->SetLastTimestamp(edit.last_timestamp());
    }
    if (edit.has_retention_horizon() &&
        edit.retention_horizon() > counters->retention_horizon()) {
      counters->SetRetentionHorizon(edit.retention_horizon());
    }
    ++records;
  }
  STRATA_RETURN_IF_ERROR(reader.status());
  if (records == 0) return Status::Corruption(path, "holds no version edit");
  *torn_tail_bytes = reader.TornTailBytes();
  Log("%s: replayed %" PRIu64 " edit(s)%s", name.c_str(), records,
      reader.TornTailBytes() > 0 ? " and ignored a torn tail" : "");
  return Status::OK();
}

// ---- Open
// ---------------------------------------------------------------------

Status VersionSet::CreateNew() {
  MutexLock lock(&manifest_mu_);
  assert(!started_);
  constexpr uint64_t kFirstManifest = 1;
  next_file_number_.store(kFirstManifest + 1, std::memory_order_relaxed);
  last_sequence_.store(0, std::memory_order_release);
  const std::shared_ptr<const Version> empty = current();
  Status s = WriteNewManifest(kFirstManifest, *empty, /*log_number=*/0,
                              kFirstManifest + 1, /*last_sequence=*/0, "");
  if (!s.ok()) {
    error_ = s;
    return s;
  }
  Install(empty, 0, kFirstManifest, 0);
  started_ = true;
  Log("created %s", ManifestBaseName(kFirstManifest).c_str());
  return Status::OK();
}

Status VersionSet::Recover() {
  MutexLock lock(&manifest_mu_);
  assert(!started_);
  uint64_t manifest_number = 0;
  STRATA_RETURN_IF_ERROR(ReadCurrentFile(&manifest_number));
  const std::string name = ManifestBaseName(manifest_number);

  VersionBuilder builder(icmp_, num_levels_, nullptr);
  VersionEdit counters;
  uint64_t torn_tail_bytes = 0;
  STRATA_RETURN_IF_ERROR(
      ReplayManifest(manifest_number, &builder, &counters, &torn_tail_bytes));
  if (!counters.has_log_number()) {
    return Status::Corruption(name, "no log number recorded");
  }
  if (!counters.has_next_file_number()) {
    return Status::Corruption(name, "no next file number recorded");
  }
  if (!counters.has_last_sequence()) {
    return Status::Corruption(name, "no last sequence recorded");
  }
  Result<std::shared_ptr<const Version>> v = builder.Finish();
  if (!v.ok()) return Status::Corruption(name, v.status().message());

  // Every number in use must stay below the next one handed out. A MANIFEST
  // this code wrote always satisfies this; enforce it rather than risk
  // reusing a live file's number. Numbers past kMaxFileNumber were never
  // handed out (and the floor below would wrap): the MANIFEST is damaged.
  uint64_t next = counters.next_file_number();
  const uint64_t largest = std::max(
      {manifest_number, builder.MaxFileNumber(), counters.log_number()});
  if (largest > kMaxFileNumber || next > kMaxFileNumber + 1) {
    return Status::Corruption(
        name, "file number " + std::to_string(std::max(largest, next)) +
                  " is above the largest strata hands out");
  }
  const uint64_t floor = largest + 1;
  if (next < floor) {
    Log("%s: next file number %" PRIu64 " raised to %" PRIu64, name.c_str(),
        next, floor);
    next = floor;
  }
  next_file_number_.store(next, std::memory_order_relaxed);
  last_sequence_.store(counters.last_sequence(), std::memory_order_release);
  last_timestamp_.store(counters.last_timestamp(), std::memory_order_release);
  retention_horizon_.store(counters.retention_horizon(),
                           std::memory_order_release);
  recovered_next_file_number_ = next;
  recovered_torn_tail_ = torn_tail_bytes > 0;
  Install(std::move(v).value(), counters.log_number(), manifest_number,
          counters.last_sequence());
  // manifest_log_ stays null: the next LogAndApply writes a new MANIFEST
  // (invariant 3).
  started_ = true;
  Log("recovered from %s: log number %" PRIu64 ", next file %" PRIu64
      ", last sequence %" PRIu64,
      name.c_str(), counters.log_number(), next, counters.last_sequence());
  return Status::OK();
}

// ---- LogAndApply
// ---------------------------------------------------------------

Status VersionSet::LogAndApply(VersionEdit* edit) {
  MutexLock lock(&manifest_mu_);
  if (!error_.ok()) return error_;
  if (!started_) {
    return Status::InvalidArgument(
        "VersionSet::LogAndApply before CreateNew or Recover");
  }
  if (edit->has_comparator_name() &&
      edit->comparator_name() != comparator_name_) {
    return Status::InvalidArgument("version edit names comparator '" +
                                   edit->comparator_name() +
                                   "', the DB uses '" + comparator_name_ + "'");
  }
  // Only this function changes the installed state, so these stay valid.
  const std::shared_ptr<const Version> base = current();
  const uint64_t old_log_number = log_number();
  const uint64_t old_manifest = manifest_file_number();

  uint64_t new_log_number = old_log_number;
  if (edit->has_log_number()) {
    new_log_number = edit->log_number();
    if (new_log_number < old_log_number ||
        new_log_number >= next_file_number_.load(std::memory_order_relaxed)) {
      return Status::InvalidArgument(
          "version edit log number " + std::to_string(new_log_number) +
          " is below the current " + std::to_string(old_log_number) +
          " or was never handed out");
    }
  }
  VersionBuilder builder(icmp_, num_levels_, base.get());
  STRATA_RETURN_IF_ERROR(builder.Apply(*edit));
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const Version> v, builder.Finish());

  const bool roll =
      manifest_log_ == nullptr || manifest_log_->Size() >= max_manifest_size_;
  const uint64_t new_manifest = roll ? NewFileNumber() : old_manifest;
  edit->SetNextFileNumber(next_file_number_.load(std::memory_order_relaxed));
  // An edit may raise the last sequence itself (a flush: the newest
  // sequence now in a table). It is published only once this edit is
  // durable, so another thread's edit never records a sequence whose
  // table the MANIFEST does not hold yet (found by the kill -9 crash
  // test: recovery then refused the WAL that still held those writes).
  SequenceNumber last_sequence = last_sequence_.load(std::memory_order_acquire);
  if (edit->has_last_sequence()) {
    last_sequence = std::max(last_sequence, edit->last_sequence());
  }
  edit->SetLastSequence(last_sequence);
  // Recorded in every edit of a versioned DB (and so in the edit that
  // follows a new MANIFEST's snapshot).
  const uint64_t last_timestamp = std::max(
      last_timestamp_.load(std::memory_order_acquire),
      edit->has_last_timestamp() ? edit->last_timestamp() : uint64_t{0});
  if (last_timestamp > 0) edit->SetLastTimestamp(last_timestamp);
  const uint64_t retention_horizon = std::max(
      retention_horizon_.load(std::memory_order_acquire),
      edit->has_retention_horizon() ? edit->retention_horizon() : uint64_t{0});
  if (retention_horizon > 0) edit->SetRetentionHorizon(retention_horizon);
  std::string record;
  edit->EncodeTo(&record);

  Status s;
  if (roll) {
    s = WriteNewManifest(new_manifest, *base, old_log_number,
                         edit->next_file_number(), edit->last_sequence(),
                         record);
  } else {
    s = manifest_log_->AddRecord(record);
    if (s.ok()) s = manifest_file_->Sync();
  }
  if (!s.ok()) {
    // The MANIFEST may now end in anything; never write to it again.
    error_ = s;
    manifest_log_.reset();
    manifest_file_.reset();
    Log("MANIFEST write failed; no further edits accepted: %s",
        s.ToString().c_str());
    return s;
  }
  Install(std::move(v), new_log_number, new_manifest, last_sequence);
  if (last_sequence > last_sequence_.load(std::memory_order_acquire)) {
    last_sequence_.store(last_sequence, std::memory_order_release);
  }
  SetLastTimestamp(last_timestamp);
  SetRetentionHorizon(retention_horizon);

  if (roll && old_manifest != 0 && old_manifest != new_manifest) {
    const Status removed =
        env_->RemoveFile(ManifestFileName(dbname_, old_manifest));
    Log("switched to %s; removing %s: %s",
        ManifestBaseName(new_manifest).c_str(),
        ManifestBaseName(old_manifest).c_str(), removed.ToString().c_str());
  }
  return Status::OK();
}

}  // namespace strata::internal
