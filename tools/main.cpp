// strata: the command-line tool for saved models (summary, predict, convert, export, inspect) and
// training logs (board).
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "strata/framework/errors.hpp"

namespace {

using namespace strata::cli;

const char* kOverview =
    "usage: strata <command> [arguments]\n"
    "\n"
    "Works with Keras model files: legacy HDF5 (.h5), Keras 3 weights (.weights.h5) and the Keras 3\n"
    "zip (.keras) where Strata supports it. The format is read from the file's content.\n"
    "\n"
    "commands:\n";

const char* kExitCodes =
    "\n"
    "Run 'strata <command> --help' for a command's arguments.\n"
    "\n"
    "exit codes: 0 success, 2 bad command line, 3 a file cannot be read or written,\n"
    "            4 a file's content is invalid or does not fit the model, 5 not supported yet,\n"
    "            1 unexpected failure\n";

void print_overview(std::ostream& out) {
  out << kOverview;
  for (const auto& c : commands()) {
    std::string name = c.name;
    name.resize(10, ' ');
    out << "  " << name << c.summary << "\n";
  }
  out << kExitCodes;
}

int run(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    print_overview(std::cerr);
    return kUsage;
  }
  const std::string& name = argv[0];
  if (name == "-h" || name == "--help" || name == "help") {
    if (name == "help" && argv.size() > 1) return run({argv[1], "--help"});
    print_overview(std::cout);
    return kOk;
  }
  const Command* command = nullptr;
  for (const auto& c : commands())
    if (name == c.name) command = &c;
  if (!command) {
    std::cerr << "strata: unknown command '" << name << "' (see 'strata --help')\n";
    return kUsage;
  }
  try {
    const Arguments args = Arguments::parse({argv.begin() + 1, argv.end()}, command->value_options, command->flags);
    if (args.help) {
      std::cout << command->usage;
      return kOk;
    }
    return command->run(args);
  } catch (const UsageError& e) {
    std::cerr << "strata " << name << ": " << e.what() << "\n" << command->usage;
    return kUsage;
  } catch (const strata::IOError& e) {
    std::cerr << "strata " << name << ": error: " << e.what() << "\n";
    return kFileError;
  } catch (const strata::NotImplementedError& e) {
    std::cerr << "strata " << name << ": not supported: " << e.what() << "\n";
    return kUnsupported;
  } catch (const strata::Error& e) {
    std::cerr << "strata " << name << ": error: " << e.what() << "\n";
    return kBadContent;
  } catch (const std::exception& e) {
    std::cerr << "strata " << name << ": unexpected error: " << e.what() << "\n";
    return kUnexpected;
  }
}

}  // namespace

int main(int argc, char** argv) { return run(std::vector<std::string>(argv + 1, argv + argc)); }
