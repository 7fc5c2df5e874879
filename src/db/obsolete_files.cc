// Obsolete-file selection: see obsolete_files.h.

#include "db/obsolete_files.h"

#include "env/filename.h"

namespace strata::internal {

std::vector<std::string> SelectObsoleteFiles(
    const std::vector<std::string>& names, const LiveFiles& live) {
  std::vector<std::string> obsolete;
  for (const std::string& name : names) {
    uint64_t number = 0;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    if (number >= live.first_unsafe) continue;
    bool keep = true;
    switch (type) {
      case FileType::kLogFile:
        keep = number >= live.min_log || number == live.current_log;
        break;
      case FileType::kTableFile:
      case FileType::kVlogFile:
        keep = live.files.count(number) > 0;
        break;
      case FileType::kManifestFile:
        // A newer one may be being written by a roll on another thread; a
        // newer leftover of a crash cannot exist, since recovery rolls to a
        // number above every file found.
        keep = number >= live.manifest;
        break;
      default:
        break;  // CURRENT, IDENTITY, LOCK, LOG, temporary and damaged files
    }
    if (!keep) obsolete.push_back(name);
  }
  return obsolete;
}

}  // namespace strata::internal
