// env/env_util.h — helpers shared by the Env implementations and by code
// that needs whole-file reads and writes or lexical path handling.
//
// Everything here is built on the Env interface (or on nothing at all), so it
// works the same over the POSIX, in-memory and fault-injecting environments.
// Implemented in env/env.cc.
//
// Thread-safety: every function is safe to call from many threads; the
// whole-file helpers are as safe as the Env they are given.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/env.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata::internal {

// Lexically normalises `path`: repeated '/' collapse to one, "." components
// and a trailing '/' disappear, and "x/.." pairs cancel. A leading '/' is
// kept ("/a//b/" → "/a/b"); ".." at the start of a relative path is kept
// ("../a"), and above the root it is dropped ("/.." → "/"). An empty
// relative result is ".". Symbolic links are not resolved.
std::string NormalizePath(std::string_view path);

// The directory part of a normalised path: "a/b" → "a", "b" → ".",
// "/b" → "/", "/" → "/", "." → ".".
// REQUIRES: `path` is the output of NormalizePath.
std::string DirName(std::string_view path);

// The last component of a normalised path: "a/b" → "b", "/" → "/".
// REQUIRES: `path` is the output of NormalizePath.
std::string BaseName(std::string_view path);

// Joins a normalised directory and an entry name: ("a", "b") → "a/b",
// ("/", "b") → "/b", (".", "b") → "b".
std::string JoinPath(std::string_view dir, std::string_view name);

// The OS error `err` (an errno value) met while doing `what` to `path`, as a
// Status: ENOENT is NotFound("<path>", "<strerror>"); anything else is
// IOError("<path>: <what>", "<strerror>"), so the message keeps the OS text
// (e.g. "No space left on device").
Status ErrnoToStatus(const std::string& path, std::string_view what, int err);

// Replaces `*data` with the whole content of `path`. A file longer than
// `max_bytes` is Corruption naming the path, read no further than that (a
// damaged or planted file must not drive the allocation).
Status ReadFileToString(Env* env, const std::string& path, std::string* data,
                        size_t max_bytes = SIZE_MAX);

// Creates (or truncates) `path` and writes `data` to it, then syncs the file
// if `sync` is set and closes it. On failure the file may hold a prefix.
Status WriteStringToFile(Env* env, const Slice& data, const std::string& path,
                         bool sync);

// Copies the first `bytes` bytes of `from` into a new file `to`, syncs it
// and closes it. IOError if `to` exists (it may be another name of
// `from`). A `from` shorter than `bytes` is Corruption naming it. On
// failure `to` may hold a prefix.
Status CopyFilePrefix(Env* env, const std::string& from, const std::string& to,
                      uint64_t bytes);

// Makes `to` a hard link of `from`, or, when linking fails (another file
// system, or an Env without links) and `to` does not exist, a synced copy
// of its first `bytes` bytes. `*linked` (optional) tells which. A link is only
// as durable as `from` already is, and its directory entry only once the caller
// syncs `to`'s directory.
Status LinkOrCopyFile(Env* env, const std::string& from, const std::string& to,
                      uint64_t bytes, bool* linked = nullptr);

}  // namespace strata::internal
