#pragma once
// Every callback, as keras.callbacks. fit / evaluate / predict call them at every boundary
// (callback.hpp: Callback, CallbackList, Logs, Params).
//
// How callbacks are made: each built-in callback is a class `<Name>Callback` (LambdaCallbackImpl
// for LambdaCallback) and a factory with Keras's name taking an options struct with Keras's
// argument names and defaults, returning a shared handle of the concrete class — so a callback
// can be inspected after fit:
//
//   auto stop = st::callbacks::EarlyStopping({.monitor = "val_loss", .patience = 3, .restore_best_weights = true});
//   auto history = model.fit(x, y, {.epochs = 50, .validation_split = 0.1,
//                                   .callbacks = {stop, st::callbacks::CSVLogger("train.csv"),
//                                                 st::callbacks::ReduceLROnPlateau({.factor = 0.5, .patience = 2})}});
//   stop->stopped_epoch();   history.history["val_loss"];
//
// History (history.hpp) is the exception: a plain copyable class that fit adds itself and returns
// by value. A custom callback subclasses Callback and overrides the hooks it needs; model() and
// params() are set before the first hook.
//
//   History                 history.hpp                 ProgbarLogger     progbar_logger.hpp (Progbar: progbar.hpp)
//   EarlyStopping           early_stopping.hpp          ReduceLROnPlateau reduce_lr_on_plateau.hpp
//   LearningRateScheduler   learning_rate_scheduler.hpp CSVLogger         csv_logger.hpp
//   TerminateOnNaN          terminate_on_nan.hpp        LambdaCallback    lambda_callback.hpp
//   ModelCheckpoint         model_checkpoint.hpp        BackupAndRestore  backup_and_restore.hpp
//   TensorBoard             tensorboard.hpp
#include <vector>

#include "strata/callbacks/backup_and_restore.hpp"
#include "strata/callbacks/callback.hpp"
#include "strata/callbacks/csv_logger.hpp"
#include "strata/callbacks/early_stopping.hpp"
#include "strata/callbacks/history.hpp"
#include "strata/callbacks/lambda_callback.hpp"
#include "strata/callbacks/learning_rate_scheduler.hpp"
#include "strata/callbacks/model_checkpoint.hpp"
#include "strata/callbacks/monitor.hpp"
#include "strata/callbacks/progbar.hpp"
#include "strata/callbacks/progbar_logger.hpp"
#include "strata/callbacks/reduce_lr_on_plateau.hpp"
#include "strata/callbacks/tensorboard.hpp"
#include "strata/callbacks/terminate_on_nan.hpp"

namespace strata::callbacks {

// Whether one of `callbacks` is a ReduceLROnPlateau or a LearningRateScheduler. Keras's versions of
// those two write logs["learning_rate"] (the optimizer's current rate) in on_epoch_end, so History,
// CSVLogger and the progress bar show it; our logs are const, so fit does it for them: when this is
// true, it sets epoch_logs["learning_rate"] = optimizer()->learning_rate() just before calling
// on_epoch_end.
bool adds_learning_rate_to_logs(const std::vector<CallbackPtr>& callbacks);

}  // namespace strata::callbacks
