// strata: the command-line tool (docs: `strata --help`, README.md).
//
//   strata --db DIR get KEY          strata --db DIR scan --prefix p
//   strata --db DIR load FILE.csv    strata --db DIR shell
//
// `shell` reads commands with line editing and history (libedit); every
// other subcommand runs once (tools/strata/commands.h).

#include <editline/readline.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"

namespace {

// Splits a shell line into words. Blanks separate; '...' quotes
// everything up to the next '; "..." quotes too. Inside "..." and outside
// quotes, \" and \' give the quote character and (outside quotes) "\ " a
// blank; every other backslash stays, for the command to read as an escape
// (\t, \n, \xNN, \\).
bool Split(const std::string& line, std::vector<std::string>* words,
           std::string* error) {
  words->clear();
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '\\' && quote != '\'' && i + 1 < line.size() &&
        (line[i + 1] == '"' || line[i + 1] == '\'' ||
         (quote == 0 && line[i + 1] == ' '))) {
      word += line[++i];
      in_word = true;
      continue;
    }
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words->push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0) {
    *error = std::string("unclosed ") + quote;
    return false;
  }
  if (in_word) words->push_back(word);
  return true;
}

int Shell(strata::tool::Session* session) {
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  std::string history;
  if (const char* home = std::getenv("HOME")) {
    history = std::string(home) + "/.strata_history";
    using_history();
    (void)read_history(history.c_str());
  }
  if (tty) {
    std::cout << "strata shell on " << session->db_path()
              << ". `help` lists the commands, `quit` leaves.\n";
  }
  int last = 0;
  while (!session->quit()) {
    const std::string prompt =
        session->in_transaction() ? "strata (txn)> " : "strata> ";
    char* raw = readline(tty ? prompt.c_str() : "");
    if (raw == nullptr) break;  // end of input
    const std::string line(raw);
    std::free(raw);
    std::vector<std::string> words;
    std::string error;
    if (!Split(line, &words, &error)) {
      std::cerr << "strata: " << error << "\n";
      last = strata::tool::kExitUsage;
      continue;
    }
    if (words.empty()) continue;
    add_history(line.c_str());
    last = session->Run(words, std::cout, std::cerr);
    std::cout.flush();
  }
  if (!history.empty()) (void)write_history(history.c_str());
  return last;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  strata::tool::Session session(/*interactive=*/false);
  int code = session.Run(args, std::cout, std::cerr);
  // `shell` parses like any subcommand, then runs here on the same DB.
  if (code != 0 || session.last_command() != "shell") return code;
  strata::tool::Session shell(/*interactive=*/true);
  const strata::Status s = shell.StartFrom(session);
  if (!s.ok()) {
    std::cerr << "strata shell: " << s.ToString() << "\n";
    return strata::tool::ExitCodeOf(s);
  }
  return Shell(&shell);
}
