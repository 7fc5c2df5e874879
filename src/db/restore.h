// Restoring a DB directory from a checkpoint, atomically
// (docs/manifest_format.md#restore).
//
// A restore is staged, committed, then finished:
//   1. StageRestore puts every file of the checkpoint's state into
//      `db`/restore/ (tables and value-log files hard-linked, or copied
//      across file systems; logs, MANIFEST and CURRENT copied), synced.
//   2. It then writes `db`/RESTORE, naming those files under a checksum:
//      the commit point. Before it the DB is the old one (restore/ is
//      garbage); after it, the restored one.
//   3. FinishRestore removes the DB's data files that RESTORE does not
//      name, moves restore/'s files into place (CURRENT last), and removes
//      RESTORE and restore/. Each step can be redone, so an open that finds
//      RESTORE (a crash in step 3) finishes it before anything else.
// Every call needs the DB's lock, and no open DB on the directory.

#pragma once

#include <string>

#include "db/db_files.h"
#include "strata/env.h"
#include "strata/options.h"
#include "strata/status.h"

namespace strata::internal {

// Reads the checkpoint in `checkpoint_dir` (`options` resolved) and
// verifies every file it needs. An error says that nothing was changed.
Status ReadVerifiedCheckpoint(const Options& options,
                              const std::string& checkpoint_dir,
                              StoredDb* checkpoint);

// Steps 1 and 2: stages `checkpoint` (read from `checkpoint_dir` by
// ReadStoredDb, and verified) into `db_dir`/restore/ and commits it.
// Removes a staging an earlier crash left first. On failure before the
// commit point, restore/ is removed again and the DB is unchanged.
Status StageRestore(Env* env, const std::string& checkpoint_dir,
                    const StoredDb& checkpoint, const std::string& db_dir);

// Step 3 when `db_dir`/RESTORE exists (`*finished` set); otherwise removes
// a restore/ left by a crash before the commit point. A damaged RESTORE is
// Corruption naming it, and nothing is changed.
Status FinishRestore(Env* env, const std::string& db_dir,
                     bool* finished = nullptr);

}  // namespace strata::internal
