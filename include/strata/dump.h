// strata/dump.h — strata's files in readable form, and a check of a closed
// DB's files, for tools (the `strata` command) and for people reading a
// damaged directory. Nothing here opens the DB or writes a byte.
//
// Every function reads through options.env (the default Env when null) and,
// for keys, options.comparator and options.enable_versioning, which must be
// those the DB was created with.

#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "strata/options.h"
#include "strata/status.h"

namespace strata {

// The kinds of file a DB directory holds, told apart by name as strata
// writes them (docs/manifest_format.md#files).
enum class FileKind {
  kUnknown,   // not a name strata writes
  kTable,     // NNNNNN.sst          docs/table_format.md
  kLog,       // NNNNNN.log          docs/wal_format.md
  kValueLog,  // NNNNNN.vlog         docs/vlog_format.md
  kManifest,  // MANIFEST-NNNNNN     docs/manifest_format.md
  kCurrent,   // CURRENT
  kOther,     // IDENTITY, LOCK, LOG, RESTORE, temporary files
};

// The kind of the file named `path` (its last component decides).
FileKind FileKindOf(const std::string& path);

struct DumpOptions {
  // Keys and values in hex instead of escaped text.
  bool hex = false;
  // Print values (false: keys and metadata only).
  bool values = true;
  // Values longer than this are cut, with their length noted (0: whole).
  size_t max_value_bytes = 200;
};

// Writes a readable dump of the file `path` to `out`, by its kind:
//   table     its properties, every entry ("'key' @ seq : type => value")
//             and range tombstone, every block verified
//   log       every record: offset, sequence, commit timestamp, operations
//   MANIFEST  every version edit with its offset
//   vlog      every record: offset, key, size, compression, value
//   CURRENT   the MANIFEST it names
// Damage stops the dump with Corruption naming the file and offset, after
// the lines before it are written. InvalidArgument for a file of another
// kind.
Status DumpFile(const std::string& path, const Options& options,
                const DumpOptions& dump_options, std::ostream& out);

// Called after each file VerifyDBFiles checks: its name and size, and the
// bytes checked so far of the total.
using VerifyFilesProgress =
    std::function<void(const std::string& file, uint64_t file_bytes,
                       uint64_t done_bytes, uint64_t total_bytes)>;

// Checks every file the closed DB in `path` needs — CURRENT, its
// MANIFEST, every table block and value-log record, every WAL record —
// without opening it (an open replays and rewrites; this writes nothing).
// The first damage is Corruption naming the file and offset; a torn tail
// of the last WAL (a crash mid-write, which an open ignores) is not
// damage. A restore committed but not finished is InvalidArgument saying
// so (an open finishes it). Works on a checkpoint too. `progress`
// (optional) follows it file by file.
Status VerifyDBFiles(const std::string& path, const Options& options,
                     const VerifyFilesProgress& progress = {});

}  // namespace strata
