#include "db/restore.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <set>
#include <vector>

#include "base/crc32c.h"
#include "base/result.h"
#include "db/resolved_options.h"
#include "env/env_util.h"
#include "env/filename.h"

namespace strata::internal {

namespace {

// RESTORE: one name per line, then "crc32c <masked crc, decimal>\n" over
// everything before it.
std::string EncodeMarker(const std::vector<std::string>& names) {
  std::string body;
  for (const std::string& name : names) body += name + "\n";
  const uint32_t crc = crc32c::Mask(crc32c::Value(body.data(), body.size()));
  return body + "crc32c " + std::to_string(crc) + "\n";
}

Status DecodeMarker(const std::string& path, const std::string& contents,
                    std::vector<std::string>* names) {
  const size_t tail = contents.rfind("crc32c ");
  if (tail == std::string::npos || contents.empty() ||
      contents.back() != '\n' || (tail > 0 && contents[tail - 1] != '\n')) {
    return Status::Corruption(path, "has no checksum line");
  }
  const std::string body = contents.substr(0, tail);
  const std::string crc_text =
      contents.substr(tail + 7, contents.size() - tail - 8);
  const uint32_t crc = crc32c::Mask(crc32c::Value(body.data(), body.size()));
  if (crc_text != std::to_string(crc)) {
    return Status::Corruption(path, "checksum mismatch");
  }
  names->clear();
  size_t start = 0;
  while (start < body.size()) {
    const size_t end = body.find('\n', start);
    const std::string name = body.substr(start, end - start);
    uint64_t number = 0;
    FileType type;
    if (!ParseFileName(name, &number, &type)) {
      return Status::Corruption(path,
                                "names a file that is not strata's: " + name);
    }
    names->push_back(name);
    start = end + 1;
  }
  return Status::OK();
}

// The types of file a restore replaces: the DB's state. IDENTITY, LOG,
// LOCK and lost/ stay.
bool IsStateFile(FileType type) {
  switch (type) {
    case FileType::kLogFile:
    case FileType::kDamagedLogFile:
    case FileType::kTableFile:
    case FileType::kVlogFile:
    case FileType::kManifestFile:
    case FileType::kCurrentFile:
    case FileType::kTempFile:
      return true;
    default:
      return false;
  }
}

}  // namespace

Status ReadVerifiedCheckpoint(const Options& options,
                              const std::string& checkpoint_dir,
                              StoredDb* checkpoint) {
  Status s = ReadStoredDb(options, checkpoint_dir, checkpoint);
  if (s.ok()) s = VerifyStoredDb(options, checkpoint_dir, *checkpoint);
  if (!s.ok()) {
    return s.WithContext("checkpoint " + checkpoint_dir +
                         " cannot be restored (nothing was changed)");
  }
  return Status::OK();
}

Status StageRestore(Env* env, const std::string& checkpoint_dir,
                    const StoredDb& checkpoint, const std::string& db_dir) {
  const std::string staging = RestoreDirName(db_dir);
  STRATA_RETURN_IF_ERROR(RemoveStrataDirectory(env, staging));
  STRATA_RETURN_IF_ERROR(env->CreateDirIfMissing(staging));
  std::vector<std::string> names;
  auto stage = [&]() -> Status {
    auto put = [&](const std::string& name, uint64_t bytes,
                   bool link) -> Status {
      const std::string from = JoinPath(checkpoint_dir, name);
      const std::string to = JoinPath(staging, name);
      names.push_back(name);
      return link ? LinkOrCopyFile(env, from, to, bytes)
                  : CopyFilePrefix(env, from, to, bytes);
    };
    const Version& v = *checkpoint.version;
    for (int level = 0; level < v.num_levels(); ++level) {
      for (const auto& f : v.files(level)) {
        STRATA_RETURN_IF_ERROR(
            put(BaseName(TableFileName("", f->number)), f->file_size, true));
      }
    }
    for (const auto& [number, f] : v.vlog_files()) {
      STRATA_RETURN_IF_ERROR(
          put(BaseName(VlogFileName("", number)), f->file_size, true));
    }
    // Logs and the MANIFEST are copied: an open of the restored DB may
    // rewrite a damaged log, which must not reach the checkpoint's.
    for (const uint64_t number : checkpoint.logs) {
      const std::string name = BaseName(LogFileName("", number));
      uint64_t size = 0;
      STRATA_RETURN_IF_ERROR(
          env->GetFileSize(JoinPath(checkpoint_dir, name), &size));
      STRATA_RETURN_IF_ERROR(put(name, size, false));
    }
    const std::string manifest =
        BaseName(ManifestFileName("", checkpoint.manifest_number));
    uint64_t size = 0;
    STRATA_RETURN_IF_ERROR(
        env->GetFileSize(JoinPath(checkpoint_dir, manifest), &size));
    STRATA_RETURN_IF_ERROR(put(manifest, size, false));
    STRATA_RETURN_IF_ERROR(
        env->GetFileSize(CurrentFileName(checkpoint_dir), &size));
    // CURRENT last: FinishRestore moves the files in this order.
    STRATA_RETURN_IF_ERROR(put("CURRENT", size, false));
    STRATA_RETURN_IF_ERROR(env->SyncDir(staging));
    // The commit point.
    const std::string temp = TempFileName(db_dir, "RESTORE");
    STRATA_RETURN_IF_ERROR(
        WriteStringToFile(env, EncodeMarker(names), temp, /*sync=*/true));
    STRATA_RETURN_IF_ERROR(
        env->RenameFile(temp, RestoreMarkerFileName(db_dir)));
    return env->SyncDir(db_dir);
  };
  const Status s = stage();
  if (!s.ok() && !env->FileExists(RestoreMarkerFileName(db_dir))) {
    (void)env->RemoveFile(TempFileName(db_dir, "RESTORE"));
    (void)RemoveStrataDirectory(env, staging);  // best effort; already failing
  }
  return s;
}

Status FinishRestore(Env* env, const std::string& db_dir, bool* finished) {
  if (finished != nullptr) *finished = false;
  const std::string marker = RestoreMarkerFileName(db_dir);
  const std::string staging = RestoreDirName(db_dir);
  if (!env->FileExists(marker)) {
    (void)env->RemoveFile(TempFileName(db_dir, "RESTORE"));
    return RemoveStrataDirectory(env,
                                 staging);  // a restore that never committed
  }
  std::string contents;
  constexpr size_t kMaxMarkerBytes = 64 << 20;
  STRATA_RETURN_IF_ERROR(
      ReadFileToString(env, marker, &contents, kMaxMarkerBytes));
  std::vector<std::string> names;
  STRATA_RETURN_IF_ERROR(DecodeMarker(marker, contents, &names));
  const std::set<std::string> wanted(names.begin(), names.end());

  // The old state goes first: a file the restored state does not name.
  std::vector<std::string> present;
  STRATA_RETURN_IF_ERROR(env->GetChildren(db_dir, &present));
  for (const std::string& name : present) {
    uint64_t number = 0;
    FileType type;
    if (!ParseFileName(name, &number, &type) || !IsStateFile(type) ||
        wanted.count(name) != 0) {
      continue;
    }
    const Status s = env->RemoveFile(JoinPath(db_dir, name));
    if (!s.ok() && !s.IsNotFound()) return s;
  }
  for (const std::string& name : names) {
    const std::string from = JoinPath(staging, name);
    const std::string to = JoinPath(db_dir, name);
    if (!env->FileExists(from)) {
      if (env->FileExists(to)) continue;  // moved by an earlier attempt
      return Status::Corruption(marker, "names " + name +
                                            ", which is neither in " + staging +
                                            " nor in the DB directory");
    }
    STRATA_RETURN_IF_ERROR(env->RenameFile(from, to));
    // A rename onto another name of the same file (the DB's own table,
    // linked into its checkpoint) does nothing: the spare name goes.
    if (env->FileExists(from)) STRATA_RETURN_IF_ERROR(env->RemoveFile(from));
  }
  STRATA_RETURN_IF_ERROR(env->SyncDir(db_dir));
  STRATA_RETURN_IF_ERROR(env->RemoveFile(marker));
  STRATA_RETURN_IF_ERROR(env->SyncDir(db_dir));
  if (finished != nullptr) *finished = true;
  return RemoveStrataDirectory(env, staging);
}

}  // namespace strata::internal

namespace strata {

Status RestoreFromCheckpoint(const std::string& checkpoint_dir,
                             const std::string& db_dir,
                             const Options& options) {
  using namespace internal;  // NOLINT(build/namespaces): this file's own
  STRATA_RETURN_IF_ERROR(options.Validate());
  if (checkpoint_dir.empty() || db_dir.empty()) {
    return Status::InvalidArgument("restore", "empty directory name");
  }
  const Options resolved = ResolveOptions(options);
  Env* env = resolved.env;
  const std::string from = NormalizePath(checkpoint_dir);
  const std::string to = NormalizePath(db_dir);
  if (from == to) {
    return Status::InvalidArgument(db_dir, "is the checkpoint itself");
  }
  // Everything is checked before anything changes.
  StoredDb checkpoint;
  STRATA_RETURN_IF_ERROR(ReadVerifiedCheckpoint(resolved, from, &checkpoint));
  Status s = env->CreateDirIfMissing(to);
  if (!s.ok()) {
    return Status::IOError("cannot create the DB directory " + db_dir,
                           s.ToString());
  }
  std::unique_ptr<FileLock> lock;
  s = env->LockFile(LockFileName(to), &lock);
  if (!s.ok()) {
    return Status::IOError(
        "database " + db_dir + " is locked",
        "close it before restoring into it: " + s.ToString());
  }
  // A restore an earlier crash committed is finished first.
  STRATA_RETURN_IF_ERROR(FinishRestore(env, to));
  STRATA_RETURN_IF_ERROR(StageRestore(env, from, checkpoint, to));
  return FinishRestore(env, to);
}

}  // namespace strata
