#pragma once
// Every op.
#include "strata/framework/ops/activations.hpp"
#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/creation.hpp"
#include "strata/framework/ops/linalg.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/nn.hpp"
#include "strata/framework/ops/optimizer_updates.hpp"
#include "strata/framework/ops/random.hpp"
#include "strata/framework/ops/reduction.hpp"
