// strata tool: the commands, shared by the command line and the shell.
//
// A Session holds what outlives one command: the DB path and the open DB
// (the shell keeps it open between commands; the command line opens it
// for one), the transaction the shell's `begin` started, and how keys and
// values are written. Run() parses one command with CLI11 — the same
// definitions for `strata get ...` and for `get ...` at the shell's
// prompt, so --help, defaults and errors match — and runs it.
//
// Exit codes (also what Run returns):
//   0 ok, 1 not found, 2 usage (a bad argument or option), 3 corruption,
//   4 I/O error (the DB is locked, a file cannot be read or written),
//   5 transaction conflict (commit found a newer write; retry it).
// Errors go to `err` on one line: "strata <command>: <what>; <what to do>".

#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "strata/db.h"
#include "strata/options.h"
#include "strata/status.h"
#include "strata/transaction.h"
#include "text.h"

namespace strata::tool {

enum ExitCode {
  kExitOk = 0,
  kExitNotFound = 1,
  kExitUsage = 2,
  kExitCorruption = 3,
  kExitIOError = 4,
  kExitConflict = 5,
};

// The exit code of a failed status.
int ExitCodeOf(const Status& s);

class Session {
 public:
  // `interactive`: the shell, where the DB stays open and begin/commit/
  // rollback/help/quit exist.
  explicit Session(bool interactive);
  ~Session();

  // Runs one command (args without the program name) and returns its exit
  // code. Output to `out`, errors and progress to `err`.
  int Run(const std::vector<std::string>& args, std::ostream& out,
          std::ostream& err);

  // The subcommand the last Run() parsed ("" for none).
  const std::string& last_command() const { return last_command_; }
  // Takes the DB path and the settings of a new DB from `other` (the
  // command line that started the shell), and opens the DB.
  Status StartFrom(const Session& other);

  // The shell ends once `quit` ran.
  bool quit() const { return quit_; }
  bool in_transaction() const { return txn_ != nullptr; }
  const std::string& db_path() const { return db_path_; }
  void set_db_path(const std::string& path) { db_path_ = path; }

 private:
  friend struct Commands;
  // Opens the DB for a command (kept open in the shell). `create`: make
  // it if missing (writing commands).
  Status OpenDb(bool create);
  void CloseDb();

  const bool interactive_;
  std::string db_path_;
  bool versioned_ = false;  // --versioned: a new DB keeps history
  bool value_log_ = false;  // --value-log: a new DB separates values
  TextMode mode_ = TextMode::kEscaped;
  bool quiet_ = false;
  bool create_ = false;  // --create: the shell may make the DB
  std::unique_ptr<DB> db_;
  std::unique_ptr<Transaction> txn_;
  bool quit_ = false;
  std::string last_command_;
};

}  // namespace strata::tool
