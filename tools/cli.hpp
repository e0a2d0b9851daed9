#pragma once
// The `strata` tool's shared pieces: exit codes, usage errors, and a small argument parser.
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace strata {
class Model;
}

namespace strata::cli {

// Exit codes (documented in `strata --help`).
enum ExitCode : int {
  kOk = 0,
  kUnexpected = 1,   // a bug or an unexpected failure
  kUsage = 2,        // bad command line
  kFileError = 3,    // a file cannot be read or written (strata::IOError)
  kBadContent = 4,   // a file's content is wrong, or does not fit the model (ValueError, ShapeError)
  kUnsupported = 5,  // a valid file Strata cannot handle yet (NotImplementedError)
};

// A bad command line: the message is printed with the command's usage line, exit code kUsage.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The arguments after the command name: positionals, and "--name value" options (also
// "--name=value"); flags take no value. Unknown options, missing values and repeated options are
// UsageErrors.
struct Arguments {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
  bool help = false;

  static Arguments parse(const std::vector<std::string>& args, const std::vector<std::string>& value_options,
                         const std::vector<std::string>& flags = {});
  std::optional<std::string> get(const std::string& name) const;
  bool flag(const std::string& name) const { return options.count(name) > 0; }
  // Exactly `count` positionals named `names` (for the message).
  void expect_positional(const std::vector<std::string>& names) const;
};

struct Command {
  const char* name;
  const char* summary;  // one line for `strata --help`
  const char* usage;    // the full help of `strata <name> --help`
  int (*run)(const Arguments& args);
  std::vector<std::string> value_options;
  std::vector<std::string> flags;
};

const std::vector<Command>& commands();

int run_summary(const Arguments& args);
int run_predict(const Arguments& args);
int run_convert(const Arguments& args);
int run_export(const Arguments& args);
int run_inspect(const Arguments& args);
int run_board(const Arguments& args);
// predict_tflite.cpp: `predict` on a .tflite file.
int predict_tflite(const std::string& path, const std::vector<std::string>& input_paths,
                   const std::vector<std::string>& output_paths);
// convert_tflite.cpp: `convert` to a .tflite file (--quantize, --representative, --int8-io).
int convert_tflite(Model& model, const Arguments& args, const std::string& out);

}  // namespace strata::cli
