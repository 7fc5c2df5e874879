// env/posix_mapped_log.h — the POSIX Env's mapped log
// (Env::NewMappedWritableFile).
//
// An append-only log written through shared mappings of space preallocated
// with fallocate(2), a window at a time (64 KiB doubling to 1 MiB, less
// near a full disk): an append is a copy into the page cache with no
// system call, SIGBUS-guarded and front to back in order
// (env/mapping_guard.h's CopyToMapping), so a process killed mid-copy
// leaves a prefix of the append and zeros after it, which the log reader
// of the newest log reads as a torn tail (docs/wal_format.md). Sync() is
// fdatasync; Close() cuts the preallocated space off; Truncate() also
// clears a recorded failure, as PosixWritableFile's does.
//
// Thread-safety: one thread at a time, as any WritableFile.

#pragma once

#include <memory>
#include <string>

#include "strata/env.h"

namespace strata::internal {

// A mapped log on `fd`, a new empty file open for reading and writing,
// which it takes over. Null, leaving `fd` the caller's and the file empty,
// when the file system cannot preallocate or map it (the caller then
// appends with write(2)). InstallMappingFaultHandler() must have been
// called.
std::unique_ptr<WritableFile> NewPosixMappedLog(const std::string& path,
                                                int fd);

}  // namespace strata::internal
