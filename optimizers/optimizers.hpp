#pragma once
// Every optimizer and schedule, and the registry that resolves Keras names and configs:
//
//   auto opt = st::optimizers::get("adam");                       // "Adam", "ADAM" too
//   Config saved = st::optimizers::serialize(*opt);                // Keras's serialized form
//   auto same = st::optimizers::get(saved);                        // or get(opt->get_config())
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/framework/config.hpp"
#include "strata/optimizers/adadelta.hpp"
#include "strata/optimizers/adagrad.hpp"
#include "strata/optimizers/adam.hpp"
#include "strata/optimizers/adamax.hpp"
#include "strata/optimizers/adamw.hpp"
#include "strata/optimizers/ftrl.hpp"
#include "strata/optimizers/lion.hpp"
#include "strata/optimizers/nadam.hpp"
#include "strata/optimizers/optimizer.hpp"
#include "strata/optimizers/rmsprop.hpp"
#include "strata/optimizers/schedules.hpp"
#include "strata/optimizers/sgd.hpp"

namespace strata::optimizers {

// A new optimizer with Keras's defaults, by name ("sgd", "adam", "adamw", "rmsprop", "adagrad",
// "adadelta", "adamax", "nadam", "ftrl", "lion"; case-insensitive). An unknown name is a ValueError
// listing the known ones.
std::shared_ptr<Optimizer> get(const std::string& name);
inline std::shared_ptr<Optimizer> get(const char* name) { return get(std::string(name)); }
// From Keras's serialized form {"class_name": "Adam", "config": {...}} (as serialize() writes and
// model files hold), or from a bare get_config() (resolved by its "name"), or {"class_name": "adam"}.
std::shared_ptr<Optimizer> get(const Config& config);

// {"module": "keras.optimizers", "class_name": ..., "config": get_config(), "registered_name": null}
Config serialize(const Optimizer& optimizer);

// Makes a custom optimizer resolvable by get() under `name` (matched case-insensitively); the
// factory receives the "config" object.
void register_optimizer(const std::string& name, std::function<std::shared_ptr<Optimizer>(const Config&)> factory);

// The registered names, lower case, sorted.
std::vector<std::string> registered_names();

}  // namespace strata::optimizers
