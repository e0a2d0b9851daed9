// io::AtomicFile, the one writer behind model files, .keras archives, callbacks' backups and .npy:
// concurrent writers of one target never share a temporary file nor leave a mixed file; a failed
// write leaves the previous file whole and no temporary file behind.
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "strata/framework/data/readers.hpp"
#include "strata/framework/io/atomic_file.hpp"
#include "strata/strata.hpp"
#include "support/test_helpers.hpp"

namespace fs = std::filesystem;
namespace io = strata::io;

namespace {

// Entries of `dir` other than the ones named.
std::vector<std::string> leftovers(const fs::path& dir, const std::set<std::string>& expected) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (!expected.count(e.path().filename().string())) out.push_back(e.path().filename().string());
  return out;
}

}  // namespace

TEST_CASE("AtomicFile: temporary names are unique per thread and per file, in the target's folder") {
  const strata::testing::ScopedTempDir dir("atomic");
  const std::string target = (dir / "m.h5").string();
  std::vector<std::string> names(8);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < names.size(); ++t)
    threads.emplace_back([&, t] { names[t] = io::AtomicFile(target).temporary_path(); });
  for (auto& t : threads) t.join();
  io::AtomicFile a(target), b(target);
  names.push_back(a.temporary_path());
  names.push_back(b.temporary_path());
  CHECK(std::set<std::string>(names.begin(), names.end()).size() == names.size());
  for (const auto& n : names) {
    CHECK(fs::path(n).parent_path() == dir.path);
    CHECK(fs::path(n).filename().string().starts_with(".m.h5.tmp"));
  }
  CHECK_THROWS_AS(io::AtomicFile((dir / "sub/").string()), strata::IOError);
}

TEST_CASE("AtomicFile: two threads writing one target concurrently leave one whole file and no temporary") {
  const strata::testing::ScopedTempDir dir("atomic");
  const fs::path target = dir / "weights.bin";
  // Contents of different sizes, so a mix or a torn write cannot pass for either.
  const std::string a(300000, 'a'), b(200001, 'b');
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, failures{0};
  std::thread reader([&] {
    while (!stop) {
      if (!fs::exists(target)) continue;
      const std::string seen = strata::testing::read_bytes(target);
      if (seen != a && seen != b) ++torn;
    }
  });
  auto writer = [&](const std::string& content) {
    for (int i = 0; i < 40; ++i) {
      try {
        io::write_file_atomically(target.string(), content);
      } catch (const strata::IOError&) {
        ++failures;
      }
    }
  };
  std::thread t1(writer, a), t2(writer, b);
  t1.join();
  t2.join();
  stop = true;
  reader.join();
  CHECK(failures == 0);
  CHECK(torn == 0);
  const std::string final_content = strata::testing::read_bytes(target);
  CHECK((final_content == a || final_content == b));
  CHECK(leftovers(dir.path, {"weights.bin"}).empty());
}

TEST_CASE("AtomicFile: write_npy from two threads on one path never collides on the temporary file") {
  const strata::testing::ScopedTempDir dir("atomic");
  const fs::path target = dir / "x.npy";
  const strata::Tensor small = strata::Tensor({1.0f, 2.0f, 3.0f});
  const strata::Tensor large = strata::ones({64, 64});
  std::atomic<int> failures{0};
  auto writer = [&](const strata::Tensor& t) {
    for (int i = 0; i < 25; ++i) {
      try {
        strata::data::write_npy(target, t);
      } catch (const strata::Error&) {
        ++failures;
      }
    }
  };
  std::thread t1(writer, small), t2(writer, large);
  t1.join();
  t2.join();
  CHECK(failures == 0);
  const strata::Tensor back = strata::data::read_npy(target);
  CHECK((back.shape() == small.shape() || back.shape() == large.shape()));
  CHECK(leftovers(dir.path, {"x.npy"}).empty());
}

TEST_CASE("AtomicFile: a failed write leaves the previous file intact and no temporary behind") {
  const strata::testing::ScopedTempDir dir("atomic");
  const fs::path target = dir / "model.h5";
  io::write_file_atomically(target.string(), "previous");
  SUBCASE("an exception before commit") {
    try {
      io::AtomicFile file(target.string());
      std::ofstream(file.temporary_path()) << "half writ";
      throw std::runtime_error("the writer failed");
    } catch (const std::runtime_error&) {
    }
  }
  SUBCASE("the rename fails (the target became a non-empty folder): IOError naming the path") {
    const fs::path folder_target = dir / "taken";
    fs::create_directories(folder_target / "inside");
    std::string message;
    try {
      io::write_file_atomically(folder_target.string(), "new");
    } catch (const strata::IOError& e) {
      message = e.what();
    }
    CHECK(message.find(folder_target.string()) != std::string::npos);
    CHECK(fs::is_directory(folder_target));
    CHECK(leftovers(dir.path, {"model.h5", "taken"}).empty());
  }
  SUBCASE("the folder does not exist: IOError naming the path") {
    const std::string missing = (dir / "no/such/folder/m.h5").string();
    std::string message;
    try {
      io::write_file_atomically(missing, "new");
    } catch (const strata::IOError& e) {
      message = e.what();
    }
    CHECK(message.find(missing) != std::string::npos);
  }
  SUBCASE("a model save that fails halfway (HDF5)") {
    // A model whose config cannot be written (a Lambda) fails before any file is touched; a weight
    // file of a model without weights written over the target still goes through the same path.
    strata::Sequential model({strata::layers::Input({3}), strata::layers::Dense(2)});
    const fs::path ro = dir / "ro";
    fs::create_directories(ro);
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
    if (::access(ro.c_str(), W_OK) != 0) {  // not as root
      CHECK_THROWS_AS(model.save_weights((ro / "w.h5").string()), strata::IOError);
      CHECK(fs::is_empty(ro));
    }
    fs::permissions(ro, fs::perms::owner_all);
  }
  CHECK(strata::testing::read_bytes(target) == "previous");
  CHECK(leftovers(dir.path, {"model.h5", "taken", "ro"}).empty());
}
