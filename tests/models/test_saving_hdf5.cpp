// Model files inspected and forged with the HDF5 C API: the structure Strata writes next to a
// Keras file of the same architecture, chunked attributes, and links a loader must refuse.
#include <doctest/doctest.h>
#include <hdf5.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <unistd.h>

#include "strata/models/saving/hdf5.hpp"
#include "strata/strata.hpp"
#include "support/test_paths.hpp"

namespace st = strata;
namespace fs = std::filesystem;
using namespace strata::layers;

namespace {

std::string temp(const std::string& name) {
  static fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("strata_saving_hdf5_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return (dir / name).string();
}

std::set<std::string> attribute_names(hid_t loc) {
  std::set<std::string> names;
  H5Aiterate2(
      loc, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
        static_cast<std::set<std::string>*>(data)->insert(name);
        return 0;
      },
      &names);
  return names;
}

// Every object path under `loc` ("group/" for groups).
std::set<std::string> object_paths(hid_t loc) {
  std::set<std::string> paths;
  H5Lvisit(
      loc, H5_INDEX_NAME, H5_ITER_INC,
      [](hid_t group, const char* name, const H5L_info_t*, void* data) -> herr_t {
        H5O_info_t info;
#if H5_VERSION_GE(1, 12, 0)
        H5Oget_info_by_name3(group, name, &info, H5O_INFO_BASIC, H5P_DEFAULT);
#else
        H5Oget_info_by_name(group, name, &info, H5P_DEFAULT);
#endif
        static_cast<std::set<std::string>*>(data)->insert(std::string(name) + (info.type == H5O_TYPE_GROUP ? "/" : ""));
        return 0;
      },
      &paths);
  return paths;
}

}  // namespace

TEST_CASE("saving: HDF5 structure of a Strata file equals the Keras 2.3.1 file of the same model") {
  const fs::path keras_path =
      fs::path(STRATA_KERAS_FIXTURES_DIR) / "dl4j_mlp_softmax_k2.3.1" / "simple_sparse_xent_mlp_keras_2_model.h5";
  if (!fs::exists(keras_path)) {
    MESSAGE("Keras fixture " << keras_path.string() << " not found; skipping");
    return;
  }
  auto model = st::models::load_model(keras_path.string());
  const std::string ours = temp("structure_c_api.h5");
  model->save(ours, {.keras2 = true});  // Keras 2 form: Keras 2's weight names
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  hid_t k = H5Fopen(keras_path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t s = H5Fopen(ours.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(k >= 0);
  REQUIRE(s >= 0);
  // Keras 2.3.1 wrote no optimizer state for this model; Strata writes it when compiled.
  auto without_optimizer = [](std::set<std::string> paths) {
    std::erase_if(paths, [](const std::string& p) { return p.starts_with("optimizer_weights"); });
    return paths;
  };
  CHECK(without_optimizer(object_paths(s)) == object_paths(k));
  CHECK(attribute_names(s) == attribute_names(k));
  hid_t kw = H5Gopen2(k, "model_weights", H5P_DEFAULT), sw = H5Gopen2(s, "model_weights", H5P_DEFAULT);
  CHECK(attribute_names(sw) == attribute_names(kw));
  for (const char* layer : {"dense_1", "activation_1"}) {
    CAPTURE(layer);
    hid_t kl = H5Gopen2(kw, layer, H5P_DEFAULT), sl = H5Gopen2(sw, layer, H5P_DEFAULT);
    CHECK(attribute_names(sl) == attribute_names(kl));
    H5Gclose(kl);
    H5Gclose(sl);
  }
  // Same dtype and shape for the kernel.
  hid_t kd = H5Dopen2(kw, "dense_1/dense_1/kernel:0", H5P_DEFAULT), sd = H5Dopen2(sw, "dense_1/dense_1/kernel:0", H5P_DEFAULT);
  REQUIRE(kd >= 0);
  REQUIRE(sd >= 0);
  hid_t kt = H5Dget_type(kd), stype = H5Dget_type(sd);
  CHECK(H5Tequal(kt, stype) > 0);
  H5Tclose(kt);
  H5Tclose(stype);
  H5Dclose(kd);
  H5Dclose(sd);
  H5Gclose(kw);
  H5Gclose(sw);
  H5Fclose(k);
  H5Fclose(s);
}

TEST_CASE("saving: long name lists are chunked as Keras does, and read back") {
  const std::string path = temp("chunked.h5");
  std::vector<std::string> names;
  for (int i = 0; i < 3000; ++i) names.push_back("a_rather_long_layer_name_for_testing_chunks_" + std::to_string(i));
  {
    auto file = st::saving::hdf5::File::create(path);
    file.write_string_list_attribute("layer_names", names);
    file.close();
  }
  auto file = st::saving::hdf5::File::open(path);
  CHECK_FALSE(file.has_attribute("layer_names"));
  CHECK(file.has_attribute("layer_names0"));
  CHECK(file.has_attribute("layer_names1"));
  CHECK(file.read_string_list_attribute("layer_names") == names);
}

TEST_CASE("saving: variable-length string lists are read (h5py 3 files)") {
  const std::string path = temp("vlen.h5");
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  hsize_t n = 2;
  hid_t space = H5Screate_simple(1, &n, nullptr);
  hid_t attr = H5Acreate2(f, "weight_names", type, space, H5P_DEFAULT, H5P_DEFAULT);
  const char* values[] = {"dense/kernel:0", "dense/bias:0"};
  H5Awrite(attr, type, values);
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
  H5Fclose(f);
  auto file = st::saving::hdf5::File::open(path);
  CHECK(file.read_string_list_attribute("weight_names") == std::vector<std::string>{"dense/kernel:0", "dense/bias:0"});
}

TEST_CASE("saving: soft and external links in a weights file are refused") {
  st::Sequential model({Input({2}), Dense(2)});
  const std::string path = temp("links.h5");
  model.save_weights(path, {.keras2 = true});  // datasets <layer>/<layer>/kernel:0
  const std::string layer = model.layers()[0]->name();
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  SUBCASE("soft link") {
    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(f >= 0);
    hid_t g = H5Gopen2(f, (layer + "/" + layer).c_str(), H5P_DEFAULT);
    H5Ldelete(g, "kernel:0", H5P_DEFAULT);
    H5Lcreate_soft(("/" + layer + "/" + layer + "/bias:0").c_str(), g, "kernel:0", H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(g);
    H5Fclose(f);
  }
  SUBCASE("external link") {
    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(f >= 0);
    hid_t g = H5Gopen2(f, (layer + "/" + layer).c_str(), H5P_DEFAULT);
    H5Ldelete(g, "kernel:0", H5P_DEFAULT);
    H5Lcreate_external("/etc/passwd", "/x", g, "kernel:0", H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(g);
    H5Fclose(f);
  }
  auto target = st::Sequential({Input({2}), Dense(2)});
  const auto before = target.get_weights()[0].to_vector<float>();
  CHECK_THROWS_AS(target.load_weights(path), st::ValueError);
  try {
    target.load_weights(path);
  } catch (const st::ValueError& e) {
    CHECK(std::string(e.what()).find("link") != std::string::npos);
    CHECK(std::string(e.what()).find(path) != std::string::npos);
  }
  CHECK(target.get_weights()[0].to_vector<float>() == before);
}
