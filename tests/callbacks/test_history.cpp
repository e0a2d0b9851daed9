// History, CSVLogger and LambdaCallback driven through a CallbackList with synthetic logs.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <sstream>
#include <string>
#include <vector>

#include "strata/callbacks/callbacks.hpp"

using namespace strata::callbacks;

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("strata_test_" + std::to_string(::getpid()) + "_" + name);
}

}  // namespace

TEST_CASE("History: records every epoch's logs, and copies") {
  auto history = std::make_shared<History>();
  CallbackList list({history}, nullptr, {.epochs = 3, .steps = 2});
  list.on_train_begin();
  for (int epoch = 0; epoch < 3; ++epoch) {
    list.on_epoch_begin(epoch);
    list.on_train_batch_end(0, {{"loss", 9.0}});
    list.on_epoch_end(epoch, {{"accuracy", 0.5 + 0.1 * epoch}, {"loss", 1.0 / (epoch + 1)}, {"val_loss", 2.0 - epoch}});
  }
  list.on_train_end();
  CHECK(history->epoch == std::vector<int>{0, 1, 2});
  REQUIRE(history->history.size() == 3);
  CHECK(history->history["loss"] == std::vector<double>{1.0, 0.5, 1.0 / 3});
  CHECK(history->history["val_loss"] == std::vector<double>{2.0, 1.0, 0.0});
  CHECK(history->history["accuracy"].size() == 3);

  History copy = *history;  // fit returns it by value
  CHECK(copy.history == history->history);
  CHECK(copy.epoch == history->epoch);

  // A second fit clears the epochs and appends to the values, as Keras.
  list.on_train_begin();
  list.on_epoch_end(0, {{"loss", 0.25}});
  CHECK(history->epoch == std::vector<int>{0});
  CHECK(history->history["loss"].size() == 4);
}

TEST_CASE("CSVLogger: Keras's header, columns and rows") {
  const auto path = temp_path("log.csv");
  auto logger = CSVLogger(path.string());
  CallbackList list({logger}, nullptr, {.epochs = 3});
  list.on_train_begin();
  list.on_epoch_end(0, {{"loss", 0.5}, {"accuracy", 0.8264}, {"val_loss", 0.41}, {"val_accuracy", 1e-05}});
  // Written and flushed at each epoch end.
  CHECK(read_file(path) == "epoch,accuracy,loss,val_accuracy,val_loss\r\n0,0.8264,0.5,1e-05,0.41\r\n");
  // A missing key is NA; a key not in the first epoch is not a column.
  list.on_epoch_end(1, {{"loss", 0.30000000000000004}, {"accuracy", 1.0}, {"learning_rate", 0.01}, {"val_loss", NAN}});
  list.on_train_end();
  CHECK(read_file(path) == "epoch,accuracy,loss,val_accuracy,val_loss\r\n"
                           "0,0.8264,0.5,1e-05,0.41\r\n"
                           "1,1.0,0.30000000000000004,NA,nan\r\n");

  // A new fit overwrites the file.
  list.on_train_begin();
  list.on_epoch_end(0, {{"loss", 2.0}});
  list.on_train_end();
  CHECK(read_file(path) == "epoch,loss\r\n0,2.0\r\n");
  std::filesystem::remove(path);
}

TEST_CASE("CSVLogger: separator, append without a second header, quoting") {
  const auto path = temp_path("append.csv");
  std::filesystem::remove(path);
  auto logger = CSVLogger(path.string(), {.separator = ";", .append = true});
  CallbackList list({logger}, nullptr, {.epochs = 2});
  list.on_train_begin();
  list.on_epoch_end(0, {{"loss", 0.5}, {"a;b", 1.5}});
  list.on_train_end();
  list.on_train_begin();
  list.on_epoch_end(1, {{"loss", 0.25}, {"a;b", 2.5}});
  list.on_train_end();
  CHECK(read_file(path) == "epoch;\"a;b\";loss\r\n0;1.5;0.5\r\n1;2.5;0.25\r\n");
  std::filesystem::remove(path);

  CHECK_THROWS_AS(CallbackList({CSVLogger("/nonexistent-dir/x/log.csv")}, nullptr, {}).on_train_begin(),
                  strata::IOError);
}

TEST_CASE("LambdaCallback: each hook calls its function; empty hooks do nothing") {
  std::vector<std::string> calls;
  auto record = [&](const std::string& name) { return [&calls, name](const Logs&) { calls.push_back(name); }; };
  auto lambda = LambdaCallback({
      .on_epoch_begin = [&](int epoch, const Logs&) { calls.push_back("epoch_begin " + std::to_string(epoch)); },
      .on_epoch_end = [&](int epoch, const Logs& logs) {
        calls.push_back("epoch_end " + std::to_string(epoch) + " " + std::to_string(logs.at("loss")));
      },
      .on_train_begin = record("train_begin"),
      .on_train_end = record("train_end"),
      .on_train_batch_end = [&](std::int64_t batch, const Logs&) { calls.push_back("batch_end " + std::to_string(batch)); },
      .on_test_begin = record("test_begin"),
      .on_test_batch_begin = [&](std::int64_t batch, const Logs&) { calls.push_back("test_batch_begin " + std::to_string(batch)); },
      .on_predict_end = record("predict_end"),
  });
  CallbackList list({lambda}, nullptr, {});
  list.on_train_begin();
  list.on_epoch_begin(0);
  list.on_train_batch_begin(0);  // no function: nothing
  list.on_train_batch_end(0, {{"loss", 1.0}});
  list.on_test_begin();
  list.on_test_batch_begin(3);
  list.on_test_end();
  list.on_epoch_end(0, {{"loss", 0.5}});
  list.on_train_end();
  list.on_predict_begin();
  list.on_predict_end();
  CHECK(calls == std::vector<std::string>{"train_begin", "epoch_begin 0", "batch_end 0", "test_begin", "test_batch_begin 3",
                                          "epoch_end 0 0.500000", "train_end", "predict_end"});
}

TEST_CASE("adds_learning_rate_to_logs: only with ReduceLROnPlateau or LearningRateScheduler") {
  CHECK_FALSE(adds_learning_rate_to_logs({}));
  CHECK_FALSE(adds_learning_rate_to_logs({std::make_shared<History>(), EarlyStopping()}));
  CHECK(adds_learning_rate_to_logs({std::make_shared<History>(), ReduceLROnPlateau()}));
  CHECK(adds_learning_rate_to_logs({LearningRateScheduler([](int, double lr) { return lr; })}));
}
