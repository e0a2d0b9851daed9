#include "strata/callbacks/lambda_callback.hpp"

namespace strata::callbacks {

void LambdaCallbackImpl::on_epoch_begin(int epoch, const Logs& logs) {
  if (hooks_.on_epoch_begin) hooks_.on_epoch_begin(epoch, logs);
}
void LambdaCallbackImpl::on_epoch_end(int epoch, const Logs& logs) {
  if (hooks_.on_epoch_end) hooks_.on_epoch_end(epoch, logs);
}
void LambdaCallbackImpl::on_train_begin(const Logs& logs) {
  if (hooks_.on_train_begin) hooks_.on_train_begin(logs);
}
void LambdaCallbackImpl::on_train_end(const Logs& logs) {
  if (hooks_.on_train_end) hooks_.on_train_end(logs);
}
void LambdaCallbackImpl::on_train_batch_begin(std::int64_t batch, const Logs& logs) {
  if (hooks_.on_train_batch_begin) hooks_.on_train_batch_begin(batch, logs);
}
void LambdaCallbackImpl::on_train_batch_end(std::int64_t batch, const Logs& logs) {
  if (hooks_.on_train_batch_end) hooks_.on_train_batch_end(batch, logs);
}
void LambdaCallbackImpl::on_test_begin(const Logs& logs) {
  if (hooks_.on_test_begin) hooks_.on_test_begin(logs);
}
void LambdaCallbackImpl::on_test_end(const Logs& logs) {
  if (hooks_.on_test_end) hooks_.on_test_end(logs);
}
void LambdaCallbackImpl::on_test_batch_begin(std::int64_t batch, const Logs& logs) {
  if (hooks_.on_test_batch_begin) hooks_.on_test_batch_begin(batch, logs);
}
void LambdaCallbackImpl::on_test_batch_end(std::int64_t batch, const Logs& logs) {
  if (hooks_.on_test_batch_end) hooks_.on_test_batch_end(batch, logs);
}
void LambdaCallbackImpl::on_predict_begin(const Logs& logs) {
  if (hooks_.on_predict_begin) hooks_.on_predict_begin(logs);
}
void LambdaCallbackImpl::on_predict_end(const Logs& logs) {
  if (hooks_.on_predict_end) hooks_.on_predict_end(logs);
}
void LambdaCallbackImpl::on_predict_batch_begin(std::int64_t batch, const Logs& logs) {
  if (hooks_.on_predict_batch_begin) hooks_.on_predict_batch_begin(batch, logs);
}
void LambdaCallbackImpl::on_predict_batch_end(std::int64_t batch, const Logs& logs) {
  if (hooks_.on_predict_batch_end) hooks_.on_predict_batch_end(batch, logs);
}

std::shared_ptr<LambdaCallbackImpl> LambdaCallback(LambdaCallbackOptions hooks) {
  return std::make_shared<LambdaCallbackImpl>(std::move(hooks));
}

}  // namespace strata::callbacks
