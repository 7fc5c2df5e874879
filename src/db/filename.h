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

std::string LogFileName(const std::string& dbname, uint64_t number);
std::string IdentityFileName(const std::string& dbname);
std::string LockFileName(const std::string& dbname);
std::string InfoLogFileName(const std::string& dbname);
std::string OldInfoLogFileName(const std::string& dbname);
std::string TempFileName(const std::string& dbname, const std::string& base);

// Classifies a directory entry name. False for names strata does not own.
// `*number` is set for numbered files and 0 otherwise.
bool ParseFileName(const std::string& name, uint64_t* number, FileType* type);

}  // namespace strata::internal
