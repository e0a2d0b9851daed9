#pragma once
// Strata's public API in one include.
#include "strata/framework/autodiff/gradient_tape.hpp"
#include "strata/framework/device.hpp"
#include "strata/framework/dtype.hpp"
#include "strata/framework/errors.hpp"
#include "strata/framework/ops/ops.hpp"
#include "strata/framework/shape.hpp"
#include "strata/framework/tensor.hpp"
#include "strata/framework/variable.hpp"
