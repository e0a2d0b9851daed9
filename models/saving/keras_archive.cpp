// The Keras 3 .keras archive, as Keras 3's saving_lib writes it: a zip of metadata.json,
// config.json (the serialized model with build_config and compile_config) and model.weights.h5
// (the Keras 3 weights layout, with the optimizer's variables under /optimizer/vars).
#include <ctime>

#include "strata/framework/warnings.hpp"
#include "strata/layers/registry.hpp"
#include "strata/losses/losses.hpp"
#include "strata/metrics/metrics.hpp"
#include "strata/models/saving/internal.hpp"
#include "strata/models/saving/zip_archive.hpp"
#include "strata/optimizers/optimizers.hpp"

namespace strata::models::detail {

namespace {

constexpr const char* kMetadataMember = "metadata.json";
constexpr const char* kConfigMember = "config.json";
constexpr const char* kWeightsMember = "model.weights.h5";

saving::hdf5::File open_weights_member(const saving::zip::Reader& archive) {
  if (!archive.contains(kWeightsMember))
    throw IOError("Zip archive '" + archive.path() + "' has no member '" + kWeightsMember +
                  "': it is not a Keras 3 .keras model file");
  return saving::hdf5::File::open_image(archive.read(kWeightsMember), archive.path() + "/" + kWeightsMember);
}

std::string date_saved() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  char buffer[32] = "1980-01-01@00:00:00";
  if (localtime_r(&t, &tm)) std::strftime(buffer, sizeof buffer, "%Y-%m-%d@%H:%M:%S", &tm);
  return buffer;
}

// Keras 3's serialized model: module / class_name / config / registered_name, build_config, and
// compile_config (Model.get_compile_config: the compile() arguments, serialized).
Config keras3_model_config(const Model& model) {
  Config out{{"module", "keras"}, {"class_name", model.class_name()}, {"config", model.get_config()}, {"registered_name", nullptr}};
  if (model.is_functional()) {
    out["module"] = "keras.src.models.functional";
    out["registered_name"] = "Functional";
  }
  if (const auto& shape = model.build_input_shape(); shape && !model.is_functional()) {
    Config dims = Config::array();
    for (auto d : *shape) dims.push_back(d < 0 ? Config(nullptr) : Config(d));
    out["build_config"] = {{"input_shape", dims}};
    // Keras 3's Sequential config carries it too (from_config builds the model with it).
    if (out["config"].is_object() && !out["config"].contains("build_input_shape")) out["config"]["build_input_shape"] = dims;
  }
  if (model.compiled() && model.optimizer()) {
    Config metrics = Config::array();
    for (const auto& m : model.metric_specs()) metrics.push_back(m.ptr ? m.ptr->name() : m.name);
    out["compile_config"] = {{"optimizer", optimizers::serialize(*model.optimizer())},
                             {"loss", model.loss() ? losses::serialize(*model.loss()) : Config(nullptr)},
                             {"loss_weights", nullptr},
                             {"metrics", metrics.empty() ? Config(nullptr) : metrics},
                             {"weighted_metrics", nullptr},
                             {"run_eagerly", false},
                             {"steps_per_execution", 1},
                             {"jit_compile", false}};
  }
  return out;
}

// Restores the optimizer's variables from /optimizer/vars (a warning, not an error, when they do
// not fit: the model itself is complete without them, as for legacy files).
void restore_keras3_optimizer(Model& model, const saving::hdf5::Object& file, const std::string& path) {
  if (!model.compiled()) return;
  try {
    std::vector<Assignment> plan;
    plan_keras3_optimizer(file, model, path, plan);
    apply(plan);
  } catch (const Error& e) {
    warn(std::string("Skipping loading of the optimizer state: ") + e.what());
  }
}

// metadata.json's keras_version ("" when absent or unreadable: the archive loads as Keras 3's).
std::string archive_keras_version(const saving::zip::Reader& archive) {
  if (!archive.contains(kMetadataMember)) return "";
  try {
    const Config metadata = Config::parse(archive.read(kMetadataMember, saving::hdf5::kMaxAttributeBytes));
    if (metadata.is_object() && metadata.contains("keras_version") && metadata["keras_version"].is_string())
      return metadata["keras_version"].get<std::string>();
  } catch (const std::exception&) {
  }
  return "";
}

}  // namespace

saving::hdf5::File open_keras_weights(const std::string& path) { return open_weights_member(saving::zip::Reader::open(path)); }

void save_keras_archive(const Model& model, const std::string& path) {
  // The config first: a Lambda layer fails here, before any file is touched.
  keras_version::Recorder recorder;  // the version under which every layer reads back as it is
  const Config config = keras3_model_config(model);
  std::string weights;
  {
    auto h5 = saving::hdf5::File::create_image(path + "/" + kWeightsMember);
    write_keras3_weights(h5, model, model.compiled() ? model.optimizer().get() : nullptr);
    weights = h5.image();
  }
  const Config metadata{{"keras_version", recorder.version(kKerasVersion)}, {"date_saved", date_saved()}};
  saving::zip::Writer archive(path);
  archive.add(kMetadataMember, metadata.dump(), saving::zip::Writer::kDos1980);
  archive.add(kConfigMember, config.dump(), saving::zip::Writer::kDos1980);
  archive.add(kWeightsMember, weights);
  archive.commit();
}

std::shared_ptr<Model> load_keras_archive(const std::string& path, bool compile) {
  const auto archive = saving::zip::Reader::open(path);
  for (const char* member : {kConfigMember, kWeightsMember})
    if (!archive.contains(member))
      throw IOError("Zip archive '" + path + "' has no member '" + member + "': it is not a Keras 3 .keras model file");
  const std::string where = "File '" + path + "': member '" + kConfigMember + "'";
  const Config config = parse_json(archive.read(kConfigMember, saving::hdf5::kMaxAttributeBytes), where);
  if (!config.is_object()) throw ValueError(where + " is not a JSON object");
  const keras_version::Scope scope(archive_keras_version(archive));
  const std::shared_ptr<Model> model = rebuild_model(config, path, "config.json");
  if (!model->built() && config.contains("build_config") && config["build_config"].is_object())
    if (auto shape = layers::config::batch_input_shape(Config{{"batch_shape", config["build_config"].value("input_shape", Config())}})) {
      try {
        model->ensure_built(*shape);
      } catch (const Error& e) {
        throw ValueError("File '" + path + "': cannot build the model from its build_config: " + e.what());
      } catch (const std::bad_alloc&) {
        throw ValueError("File '" + path + "': cannot build the model from its build_config: out of memory");
      }
    }
  const auto weights = open_weights_member(archive);
  std::vector<Assignment> plan;
  plan_keras3_weights(weights, *model, {}, plan);
  apply(plan);
  if (compile && config.contains("compile_config") && config["compile_config"].is_object()) {
    const Config& cc = config["compile_config"];
    Config tc = Config::object();
    if (cc.contains("optimizer") && cc["optimizer"].is_string())
      tc["optimizer_config"] = {{"class_name", cc["optimizer"]}, {"config", Config::object()}};
    else if (cc.contains("optimizer"))
      tc["optimizer_config"] = cc["optimizer"];
    tc["loss"] = cc.contains("loss") ? cc["loss"] : Config(nullptr);
    tc["metrics"] = cc.contains("metrics") ? cc["metrics"] : Config(nullptr);
    compile_from(*model, tc, path);
    restore_keras3_optimizer(*model, weights, path);
  }
  return model;
}

}  // namespace strata::models::detail
