// Names of the files in a DB directory, in one place.
//
//   NNNNNN.log   write-ahead log number N (docs/wal_format.md)
//   NNNNNN.sst   table number N (docs/table_format.md)
//   MANIFEST-NNNNNN, CURRENT  the live file set (docs/manifest_format.md)
//   NNNNNN.log.damaged  the original of a log that salvage recovery rewrote
//   IDENTITY     marks the directory as a strata DB; holds its unique id
//   LOCK         the single-process lock
//   LOG, LOG.old the info log of this and the previous open
//   *.tmp        a file being written for an atomic rename; garbage on open

#pragma once

#include <cstdint>
#include <string>

#include "strata/slice.h"

namespace strata::internal {

enum class FileType {
  kLogFile,
  kDamagedLogFile,
  kTableFile,
  kManifestFile,
  kCurrentFile,
  kIdentityFile,
  kLockFile,
  kInfoLogFile,
  kTempFile,
};

// The largest file number strata hands out, or accepts in a file name,
// CURRENT or a MANIFEST. The counter starts at 2 and grows by one per file,
// so it never gets near this; a larger number is damage or a file that is
// not ours. Staying at most 2^63 - 1 keeps "number + 1" (the next number
// after a file found at open) from wrapping to 0 and handing out the number
// of a live file again.
inline constexpr uint64_t kMaxFileNumber = (uint64_t{1} << 63) - 1;

std::string LogFileName(const std::string& dbname, uint64_t number);
std::string IdentityFileName(const std::string& dbname);
std::string LockFileName(const std::string& dbname);
std::string InfoLogFileName(const std::string& dbname);
std::string OldInfoLogFileName(const std::string& dbname);
std::string TempFileName(const std::string& dbname, const std::string& base);

// Classifies a directory entry name. False for names strata does not own,
// including numbered names whose number is above kMaxFileNumber.
// `*number` is set for numbered files and 0 otherwise.
bool ParseFileName(const std::string& name, uint64_t* number, FileType* type);

}  // namespace strata::internal
