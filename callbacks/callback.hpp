#pragma once
// Callbacks: hooks that fit / evaluate / predict call at every boundary, with the logs of the
// moment (metric name -> value), as keras.callbacks.Callback.
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace strata {
class Model;
}

namespace strata::callbacks {

// Metric name -> value. Ordered by name, which is also the order the progress bar shows them.
using Logs = std::map<std::string, double>;

// What fit / evaluate / predict tell their callbacks before starting.
struct Params {
  int epochs = 1;
  std::int64_t steps = -1;  // batches per epoch; -1 when unknown
  int verbose = 1;
};

class Callback {
 public:
  virtual ~Callback() = default;

  void set_model(Model* model) { model_ = model; }
  Model* model() const { return model_; }
  void set_params(const Params& params) { params_ = params; }
  const Params& params() const { return params_; }

  virtual void on_train_begin(const Logs&) {}
  virtual void on_train_end(const Logs&) {}
  virtual void on_epoch_begin(int /*epoch*/, const Logs&) {}
  virtual void on_epoch_end(int /*epoch*/, const Logs&) {}
  virtual void on_train_batch_begin(std::int64_t /*batch*/, const Logs&) {}
  virtual void on_train_batch_end(std::int64_t /*batch*/, const Logs&) {}
  virtual void on_test_begin(const Logs&) {}
  virtual void on_test_end(const Logs&) {}
  virtual void on_test_batch_begin(std::int64_t /*batch*/, const Logs&) {}
  virtual void on_test_batch_end(std::int64_t /*batch*/, const Logs&) {}
  virtual void on_predict_begin(const Logs&) {}
  virtual void on_predict_end(const Logs&) {}
  virtual void on_predict_batch_begin(std::int64_t /*batch*/, const Logs&) {}
  virtual void on_predict_batch_end(std::int64_t /*batch*/, const Logs&) {}

 private:
  Model* model_ = nullptr;
  Params params_;
};

using CallbackPtr = std::shared_ptr<Callback>;

// The callbacks of one fit / evaluate / predict call, forwarding every hook to each of them.
class CallbackList {
 public:
  CallbackList(std::vector<CallbackPtr> callbacks, Model* model, const Params& params);
  void on_train_begin(const Logs& logs = {});
  void on_train_end(const Logs& logs = {});
  void on_epoch_begin(int epoch, const Logs& logs = {});
  void on_epoch_end(int epoch, const Logs& logs = {});
  void on_train_batch_begin(std::int64_t batch, const Logs& logs = {});
  void on_train_batch_end(std::int64_t batch, const Logs& logs = {});
  void on_test_begin(const Logs& logs = {});
  void on_test_end(const Logs& logs = {});
  void on_test_batch_begin(std::int64_t batch, const Logs& logs = {});
  void on_test_batch_end(std::int64_t batch, const Logs& logs = {});
  void on_predict_begin(const Logs& logs = {});
  void on_predict_end(const Logs& logs = {});
  void on_predict_batch_begin(std::int64_t batch, const Logs& logs = {});
  void on_predict_batch_end(std::int64_t batch, const Logs& logs = {});
  const std::vector<CallbackPtr>& callbacks() const { return callbacks_; }

 private:
  std::vector<CallbackPtr> callbacks_;
};

}  // namespace strata::callbacks
