#pragma once
// Every metric: the Metric base, get / resolve, and the reduction, accuracy, confusion-matrix,
// regression and loss-shaped families.
#include "strata/metrics/accuracy.hpp"
#include "strata/metrics/confusion.hpp"
#include "strata/metrics/metric.hpp"
#include "strata/metrics/probabilistic.hpp"
#include "strata/metrics/reduction.hpp"
#include "strata/metrics/regression.hpp"
