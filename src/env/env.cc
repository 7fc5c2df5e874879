// Env-independent helpers (declared in env/env_util.h): lexical paths, the
// errno → Status mapping shared by the POSIX and in-memory environments (so
// both word their errors alike), and whole-file reads and writes.

#include "strata/env.h"

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "base/result.h"
#include "env/env_util.h"

namespace strata::internal {

std::string NormalizePath(std::string_view path) {
  const bool absolute = !path.empty() && path.front() == '/';
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(pos, end - pos);
    pos = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!absolute) {
        parts.push_back(part);  // above the start of a relative path
      }
      continue;  // ".." above "/" is "/" itself
    }
    parts.push_back(part);
  }
  if (parts.empty()) return std::string(absolute ? "/" : ".");
  std::string result;
  if (absolute) result.push_back('/');
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) result.push_back('/');
    result.append(parts[i]);
  }
  return result;
}

std::string DirName(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string BaseName(std::string_view path) {
  if (path == "/") return "/";
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return std::string(path);
  return std::string(path.substr(slash + 1));
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  if (dir == ".") return std::string(name);
  std::string result(dir);
  if (result.empty() || result.back() != '/') result.push_back('/');
  result.append(name);
  return result;
}

Status ErrnoToStatus(const std::string& path, std::string_view what, int err) {
  // std::system_category().message() is the thread-safe strerror.
  const std::string text = std::system_category().message(err);
  if (err == ENOENT) return Status::NotFound(path, text);
  std::string context = path;
  if (!what.empty()) {
    context.append(": ");
    context.append(what);
  }
  return Status::IOError(context, text);
}

Status ReadFileToString(Env* env, const std::string& path, std::string* data,
                        size_t max_bytes) {
  data->clear();
  std::unique_ptr<SequentialFile> file;
  STRATA_RETURN_IF_ERROR(env->NewSequentialFile(path, &file));
  constexpr size_t kChunk = 64 * 1024;
  std::string scratch(kChunk, '\0');
  for (;;) {
    Slice chunk;
    // One byte past the limit tells a file of exactly max_bytes from a
    // longer one.
    const size_t room = max_bytes - data->size();
    const size_t want = room < kChunk ? room + 1 : kChunk;
    STRATA_RETURN_IF_ERROR(file->Read(want, &chunk, scratch.data()));
    if (chunk.empty()) return Status::OK();
    if (chunk.size() > room) {
      data->clear();
      return Status::Corruption(
          path, "file is longer than " + std::to_string(max_bytes) + " bytes");
    }
    data->append(chunk.data(), chunk.size());
  }
}

Status WriteStringToFile(Env* env, const Slice& data, const std::string& path,
                         bool sync) {
  std::unique_ptr<WritableFile> file;
  STRATA_RETURN_IF_ERROR(env->NewWritableFile(path, &file));
  STRATA_RETURN_IF_ERROR(file->Append(data));
  if (sync) STRATA_RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

Status CopyFilePrefix(Env* env, const std::string& from, const std::string& to,
                      uint64_t bytes) {
  // Never over another file: `to` may be another name of `from`.
  if (env->FileExists(to)) {
    return Status::IOError(to, "exists already; not copied over");
  }
  std::unique_ptr<SequentialFile> in;
  STRATA_RETURN_IF_ERROR(env->NewSequentialFile(from, &in));
  std::unique_ptr<WritableFile> out;
  STRATA_RETURN_IF_ERROR(env->NewWritableFile(to, &out));
  constexpr size_t kChunk = 1 << 20;
  std::string scratch(kChunk, '\0');
  uint64_t copied = 0;
  while (copied < bytes) {
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>(kChunk, bytes - copied));
    Slice chunk;
    STRATA_RETURN_IF_ERROR(in->Read(n, &chunk, scratch.data()));
    if (chunk.empty()) {
      return Status::Corruption(
          from, "file ends at offset " + std::to_string(copied) +
                    ", expected " + std::to_string(bytes) + " bytes");
    }
    STRATA_RETURN_IF_ERROR(out->Append(chunk));
    copied += chunk.size();
  }
  STRATA_RETURN_IF_ERROR(out->Sync());
  return out->Close();
}

Status LinkOrCopyFile(Env* env, const std::string& from, const std::string& to,
                      uint64_t bytes, bool* linked) {
  const Status link = env->LinkFile(from, to);
  if (linked != nullptr) *linked = link.ok();
  // A missing source, or a target that exists (perhaps a link made by
  // someone else), is the link's error: copying would truncate the target.
  if (link.ok() || link.IsNotFound() || env->FileExists(to)) return link;
  return CopyFilePrefix(env, from, to, bytes);
}

}  // namespace strata::internal
