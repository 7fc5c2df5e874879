#include "env/filename.h"

#include <cstdio>

namespace strata::internal {

namespace {

// Parses a run of decimal digits that is all of `s`; false for a number
// above kMaxFileNumber.
bool ParseNumber(const std::string& s, uint64_t* number) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<uint64_t>(c - '0');
    if (v > (kMaxFileNumber - d) / 10) return false;
    v = v * 10 + d;
  }
  *number = v;
  return true;
}

// A number as strata writes it in a file name: at least six digits,
// zero-padded ("000042"), never a leading zero beyond the padding. Only
// these are strata's: "42.sst" or "0000042.sst" belong to someone else.
bool ParseCanonicalNumber(const std::string& s, uint64_t* number) {
  uint64_t v = 0;
  if (!ParseNumber(s, &v)) return false;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%06llu", static_cast<unsigned long long>(v));
  if (s != buf) return false;
  *number = v;
  return true;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string LogFileName(const std::string& dbname, uint64_t number) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "/%06llu.log",
                static_cast<unsigned long long>(number));
  return dbname + buf;
}

std::string TableFileName(const std::string& dbname, uint64_t number) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "/%06llu.sst",
                static_cast<unsigned long long>(number));
  return dbname + buf;
}

std::string VlogFileName(const std::string& dbname, uint64_t number) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "/%06llu.vlog",
                static_cast<unsigned long long>(number));
  return dbname + buf;
}

std::string ManifestFileName(const std::string& dbname, uint64_t number) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "/MANIFEST-%06llu",
                static_cast<unsigned long long>(number));
  return dbname + buf;
}

std::string CurrentFileName(const std::string& dbname) {
  return dbname + "/CURRENT";
}

std::string IdentityFileName(const std::string& dbname) {
  return dbname + "/IDENTITY";
}
std::string LockFileName(const std::string& dbname) { return dbname + "/LOCK"; }
std::string InfoLogFileName(const std::string& dbname) {
  return dbname + "/LOG";
}
std::string OldInfoLogFileName(const std::string& dbname) {
  return dbname + "/LOG.old";
}
std::string TempFileName(const std::string& dbname, const std::string& base) {
  return dbname + "/" + base + ".tmp";
}

std::string RestoreMarkerFileName(const std::string& dbname) {
  return dbname + "/RESTORE";
}

std::string RestoreDirName(const std::string& dbname) {
  return dbname + "/restore";
}

std::string LostDirName(const std::string& dbname) { return dbname + "/lost"; }

bool ParseFileName(const std::string& name, uint64_t* number, FileType* type) {
  *number = 0;
  if (name == "CURRENT") {
    *type = FileType::kCurrentFile;
  } else if (name.rfind("MANIFEST-", 0) == 0 &&
             ParseCanonicalNumber(name.substr(9), number)) {
    *type = FileType::kManifestFile;
  } else if (EndsWith(name, ".sst") &&
             ParseCanonicalNumber(name.substr(0, name.size() - 4), number)) {
    *type = FileType::kTableFile;
  } else if (EndsWith(name, ".vlog") &&
             ParseCanonicalNumber(name.substr(0, name.size() - 5), number)) {
    *type = FileType::kVlogFile;
  } else if (name == "IDENTITY") {
    *type = FileType::kIdentityFile;
  } else if (name == "LOCK") {
    *type = FileType::kLockFile;
  } else if (name == "LOG" || name == "LOG.old") {
    *type = FileType::kInfoLogFile;
  } else if (name == "RESTORE") {
    *type = FileType::kRestoreMarker;
  } else if (name == "CURRENT.tmp" || name == "IDENTITY.tmp" ||
             name == "RESTORE.tmp") {
    // The only files strata replaces through a temporary; any other *.tmp
    // belongs to someone else.
    *type = FileType::kTempFile;
  } else if (EndsWith(name, ".log.damaged") &&
             ParseCanonicalNumber(name.substr(0, name.size() - 12), number)) {
    *type = FileType::kDamagedLogFile;
  } else if (EndsWith(name, ".log") &&
             ParseCanonicalNumber(name.substr(0, name.size() - 4), number)) {
    *type = FileType::kLogFile;
  } else {
    return false;
  }
  return true;
}

}  // namespace strata::internal
