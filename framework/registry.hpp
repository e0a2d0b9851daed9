#pragma once
// Name -> factory registries (activations, initializers, optimizers, losses, metrics, layers...).
// The same registry serves "adam" in compile() and the class name in a saved file; an unknown name
// is a ValueError listing the known ones.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "strata/framework/config.hpp"
#include "strata/framework/errors.hpp"

namespace strata {

template <class Base>
class Registry {
 public:
  using Factory = std::function<std::shared_ptr<Base>(const Config& config)>;

  // `kind` names what is registered ("optimizer", "loss", ...) for error messages.
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  void add(const std::string& name, Factory factory) {
    std::lock_guard lock(mutex_);
    factories_[name] = std::move(factory);
  }
  bool contains(const std::string& name) const {
    std::lock_guard lock(mutex_);
    return factories_.count(name) != 0;
  }
  std::vector<std::string> names() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> result;
    for (const auto& [name, factory] : factories_) result.push_back(name);
    return result;
  }
  // Throws ValueError: "Unknown optimizer: 'adamm'. Known optimizers: adam, sgd, ..."
  std::shared_ptr<Base> create(const std::string& name, const Config& config) const {
    Factory factory;
    {
      std::lock_guard lock(mutex_);
      auto it = factories_.find(name);
      if (it != factories_.end()) factory = it->second;
    }
    if (!factory) {
      std::string known;
      for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
      throw ValueError("Unknown " + kind_ + ": '" + name + "'. Known " + kind_ + "s: " + known);
    }
    return factory(config);
  }

 private:
  std::string kind_;
  mutable std::mutex mutex_;
  std::map<std::string, Factory> factories_;
};

}  // namespace strata
