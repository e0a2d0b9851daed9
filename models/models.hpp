#pragma once
#include "strata/models/model.hpp"
#include "strata/models/plot_model.hpp"
#include "strata/models/sequential.hpp"
#include "strata/models/saving/export.hpp"
#include "strata/models/saving/saving.hpp"
