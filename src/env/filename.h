// Names of the files in a DB directory, all in one place (every module
// that names a file takes the name from here).
//
//   NNNNNN.log   write-ahead log number N (docs/wal_format.md)
//   NNNNNN.sst   table number N (docs/table_format.md)
//   NNNNNN.vlog  value-log file number N (docs/vlog_format.md)
//   MANIFEST-NNNNNN, CURRENT  the live file set (docs/manifest_format.md)
//   NNNNNN.log.damaged  the original of a log that salvage recovery rewrote
//   IDENTITY     marks the directory as a strata DB; holds its unique id
//   LOCK         the single-process lock
//   LOG, LOG.old the info log of this and the previous open
//   CURRENT.tmp, IDENTITY.tmp, RESTORE.tmp  a file being written for an atomic
//   rename;
//                garbage on open
//   RESTORE      a restore's commit point (docs/manifest_format.md#restore):
//                while it exists, the next open finishes moving the files
//                of restore/ into place before anything else
//   restore/     a restore being staged; without RESTORE, garbage
//   lost/        files an open could not prove to be garbage (a table or
//                log holding writes the MANIFEST does not account for),
//                moved aside instead of deleted; only DestroyDB removes it
//
// Numbers are written with at least six digits ("000042.sst"). Only these
// exact forms are strata's: "42.sst", "2024.log" or "notes.tmp" belong to
// someone else and are never read, replaced or deleted.

#pragma once

#include <cstdint>
#include <string>

#include "strata/slice.h"

namespace strata::internal {

enum class FileType {
  kLogFile,
  kDamagedLogFile,
  kTableFile,
  kVlogFile,
  kManifestFile,
  kCurrentFile,
  kIdentityFile,
  kLockFile,
  kInfoLogFile,
  kTempFile,
  kRestoreMarker,
};

// The largest file number strata hands out, or accepts in a file name,
// CURRENT or a MANIFEST. The counter starts at 2 and grows by one per file,
// so it never gets near this; a larger number is damage or a file that is
// not ours. Staying at most 2^63 - 1 keeps "number + 1" (the next number
// after a file found at open) from wrapping to 0 and handing out the number
// of a live file again.
inline constexpr uint64_t kMaxFileNumber = (uint64_t{1} << 63) - 1;

// dbname + "/%06llu.log".
std::string LogFileName(const std::string& dbname, uint64_t number);
// dbname + "/%06llu.sst".
std::string TableFileName(const std::string& dbname, uint64_t number);
// dbname + "/%06llu.vlog".
std::string VlogFileName(const std::string& dbname, uint64_t number);
// dbname + "/MANIFEST-%06llu".
std::string ManifestFileName(const std::string& dbname, uint64_t number);
// dbname + "/CURRENT".
std::string CurrentFileName(const std::string& dbname);
std::string IdentityFileName(const std::string& dbname);
std::string LockFileName(const std::string& dbname);
std::string InfoLogFileName(const std::string& dbname);
std::string OldInfoLogFileName(const std::string& dbname);
// `base` is "CURRENT" or "IDENTITY" (the names ParseFileName knows).
std::string TempFileName(const std::string& dbname, const std::string& base);
// dbname + "/RESTORE" and dbname + "/restore".
std::string RestoreMarkerFileName(const std::string& dbname);
std::string RestoreDirName(const std::string& dbname);
// dbname + "/lost".
std::string LostDirName(const std::string& dbname);

// Classifies a directory entry name. False for names strata does not own:
// numbers not written the way strata writes them, numbers above
// kMaxFileNumber, and temporary files other than CURRENT.tmp,
// IDENTITY.tmp and RESTORE.tmp.
// `*number` is set for numbered files and 0 otherwise.
bool ParseFileName(const std::string& name, uint64_t* number, FileType* type);

}  // namespace strata::internal
