#pragma once
// The data room: Dataset pipelines, file readers, and the bundled datasets.
#include "strata/framework/data/dataset.hpp"
#include "strata/framework/data/datasets/fashion_mnist.hpp"
#include "strata/framework/data/readers.hpp"
