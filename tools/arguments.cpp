#include <algorithm>

#include "cli.hpp"

namespace strata::cli {

Arguments Arguments::parse(const std::vector<std::string>& args, const std::vector<std::string>& value_options,
                           const std::vector<std::string>& flags) {
  Arguments out;
  auto known = [](const std::vector<std::string>& list, const std::string& name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  bool only_positional = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_positional || arg.size() < 2 || arg[0] != '-') {
      out.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      out.help = true;
      continue;
    }
    std::string name = arg, value;
    bool inline_value = false;
    if (auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inline_value = true;
    }
    if (known(flags, name)) {
      if (inline_value) throw UsageError("option '" + name + "' takes no value");
      out.options[name] = "";
      continue;
    }
    if (!known(value_options, name)) throw UsageError("unknown option '" + name + "'");
    if (!inline_value) {
      if (i + 1 >= args.size()) throw UsageError("option '" + name + "' needs a value");
      value = args[++i];
    }
    if (out.options.count(name)) throw UsageError("option '" + name + "' is given twice");
    out.options[name] = value;
  }
  return out;
}

std::optional<std::string> Arguments::get(const std::string& name) const {
  auto found = options.find(name);
  if (found == options.end()) return std::nullopt;
  return found->second;
}

void Arguments::expect_positional(const std::vector<std::string>& names) const {
  if (positional.size() == names.size()) return;
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : " ") + n;
  if (positional.size() < names.size())
    throw UsageError("missing argument: expected " + list + ", got " + std::to_string(positional.size()) + " argument(s)");
  throw UsageError("unexpected argument '" + positional[names.size()] + "' (expected " + list + ")");
}

}  // namespace strata::cli
