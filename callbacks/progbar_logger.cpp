#include "strata/callbacks/progbar_logger.hpp"

#include <iostream>

namespace strata::callbacks {

namespace {
Progbar::Values to_values(const Logs& logs) { return {logs.begin(), logs.end()}; }
}  // namespace

ProgbarLoggerCallback::ProgbarLoggerCallback(ProgbarLoggerOptions options) : options_(std::move(options)) {}

ProgbarLoggerCallback::ProgbarLoggerCallback(std::ostream& stream, std::optional<bool> interactive) {
  options_.stream = &stream;
  options_.interactive = interactive;
}

void ProgbarLoggerCallback::capture_params() {
  verbose_ = params().verbose;
  epochs_ = params().epochs;
  target_ = params().steps >= 0 ? std::optional<std::int64_t>(params().steps) : std::nullopt;
}

void ProgbarLoggerCallback::on_train_begin(const Logs&) {
  // Inside fit, validation is silent.
  called_in_fit_ = true;
  capture_params();
}

void ProgbarLoggerCallback::on_train_end(const Logs&) { called_in_fit_ = false; }

void ProgbarLoggerCallback::on_test_begin(const Logs&) {
  if (called_in_fit_) return;
  capture_params();
  reset_progbar();
  maybe_init_progbar();
}

void ProgbarLoggerCallback::on_predict_begin(const Logs&) {
  capture_params();
  reset_progbar();
  maybe_init_progbar();
}

void ProgbarLoggerCallback::on_epoch_begin(int epoch, const Logs&) {
  reset_progbar();
  maybe_init_progbar();
  if (verbose_ != 0 && epochs_ > 1) {
    std::ostream& out = options_.stream ? *options_.stream : std::cout;
    out << "Epoch " << epoch + 1 << "/" << epochs_ << "\n";
    out.flush();
  }
}

void ProgbarLoggerCallback::on_train_batch_end(std::int64_t batch, const Logs& logs) { update_progbar(batch, logs); }

void ProgbarLoggerCallback::on_test_batch_end(std::int64_t batch, const Logs& logs) {
  if (!called_in_fit_) update_progbar(batch, logs);
}

void ProgbarLoggerCallback::on_predict_batch_end(std::int64_t batch, const Logs&) { update_progbar(batch, {}); }

void ProgbarLoggerCallback::on_epoch_end(int, const Logs& logs) { finalize_progbar(logs); }

void ProgbarLoggerCallback::on_test_end(const Logs& logs) {
  if (!called_in_fit_) finalize_progbar(logs);
}

void ProgbarLoggerCallback::on_predict_end(const Logs&) { finalize_progbar({}); }

void ProgbarLoggerCallback::reset_progbar() {
  seen_ = 0;
  progbar_.reset();
}

void ProgbarLoggerCallback::maybe_init_progbar() {
  if (progbar_) return;
  ProgbarOptions progbar_options;
  progbar_options.verbose = verbose_;
  progbar_options.interval = options_.interval;
  progbar_options.unit_name = "step";
  progbar_options.stream = options_.stream;
  progbar_options.interactive = options_.interactive;
  progbar_options.clock = options_.clock;
  progbar_.emplace(target_, std::move(progbar_options));
}

void ProgbarLoggerCallback::update_progbar(std::int64_t batch, const Logs& logs) {
  maybe_init_progbar();
  seen_ = batch + 1;  // one-indexed
  if (verbose_ == 1) progbar_->update(seen_, to_values(logs), false);
}

void ProgbarLoggerCallback::finalize_progbar(const Logs& logs) {
  maybe_init_progbar();
  if (!target_) {
    target_ = seen_;
    progbar_->set_target(target_);
  }
  progbar_->update(*target_, to_values(logs), true);
}

std::shared_ptr<ProgbarLoggerCallback> ProgbarLogger(ProgbarLoggerOptions options) {
  return std::make_shared<ProgbarLoggerCallback>(std::move(options));
}

}  // namespace strata::callbacks
